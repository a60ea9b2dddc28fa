"""Conditional instance norm, the transform network and its checkpoint; feature visualisation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cvcourse.models.cin import (
    CIN_CHECKPOINT,
    CIN_STYLES,
    ConditionalInstanceNorm2d,
    TransformNet,
    load_cin,
    train_cin,
)
from cvcourse.models.featvis import DigitsCNN, deep_dream, train_digits_cnn, visualize_classes


def test_cin_normalises_per_item_and_channel_then_applies_the_style() -> None:
    generator = torch.Generator().manual_seed(0)
    norm = ConditionalInstanceNorm2d(4, 3)
    with torch.no_grad():
        norm.gamma.copy_(torch.rand(3, 4, generator=generator) + 0.5)
        norm.beta.copy_(torch.randn(3, 4, generator=generator))
    x = torch.randn(2, 4, 5, 6, generator=generator) * 3 + 1
    ids = torch.tensor([2, 0])
    y = norm(x, ids)
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-5)
    expected = expected * norm.gamma[ids][:, :, None, None] + norm.beta[ids][:, :, None, None]
    torch.testing.assert_close(y, expected)
    # one-hot weights are the same as ids; a mix mixes the parameters
    torch.testing.assert_close(norm(x, F.one_hot(ids, 3).float()), y)
    mix = torch.tensor([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    half = norm(x, mix)
    normal = F.instance_norm(x)
    gamma = (norm.gamma[0] + norm.gamma[1]) / 2
    beta = (norm.beta[0] + norm.beta[1]) / 2
    torch.testing.assert_close(half, normal * gamma[:, None, None] + beta[:, None, None])


def test_transform_net_shapes_and_short_training() -> None:
    torch.set_num_threads(2)
    net = TransformNet(2, width=4)
    y = net(torch.rand(3, 3, 16, 20), torch.tensor([0, 1, 1]))
    assert y.shape == (3, 3, 16, 20) and 0 <= y.min() and y.max() <= 1
    checkpoint = train_cin(steps=3, batch=2, crop=16)
    assert len(checkpoint["losses"]) == 3 and checkpoint["styles"] == list(CIN_STYLES)


def test_shipped_checkpoint_is_small_and_loads() -> None:
    assert CIN_CHECKPOINT.stat().st_size < 2_000_000
    net, checkpoint = load_cin()
    assert checkpoint["styles"] == list(CIN_STYLES)
    losses = checkpoint["losses"]
    assert sum(losses[-50:]) / 50 < sum(losses[:10]) / 10  # it did train
    with torch.no_grad():
        out = net(torch.rand(1, 3, 32, 32), torch.tensor([[0.3, 0.7]]))
    assert out.shape == (1, 3, 32, 32)


def test_digits_cnn_trains_and_visualisations_reach_their_class() -> None:
    torch.set_num_threads(2)
    trained = train_digits_cnn(epochs=4)
    assert trained.test_accuracy > 0.85
    images, probs = visualize_classes(trained.model, steps=60)
    assert images.shape == (10, 1, 16, 16)
    assert probs.min() > 0.5
    start = torch.full((1, 1, 16, 16), 0.5)
    start[..., 4:12, 7:9] = 1.0
    dreamt, energies = deep_dream(trained.model, start, steps=5)
    assert energies[-1] > energies[0]
    assert dreamt.shape == start.shape and 0 <= dreamt.min() and dreamt.max() <= 1


def test_digits_cnn_shapes() -> None:
    out = DigitsCNN()(torch.rand(2, 1, 16, 16))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "conv1": (2, 8, 16, 16),
        "conv2": (2, 16, 8, 8),
        "logits": (2, 10),
    }
