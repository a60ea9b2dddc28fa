"""Style transfer helpers: the Gram matrix, losses, extractors (random; VGG-19 from a file)."""

from __future__ import annotations

import pytest
import torch
from torchvision.models.vgg import cfgs, make_layers

from cvcourse.models.style import (
    RandomFeatures,
    VGG19Features,
    balanced_weights,
    content_mse,
    gram_matrix,
    style_mse,
    transfer,
)


def test_gram_of_the_curriculum_example() -> None:
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    assert gram_matrix(f, normalize=False)[0].tolist() == [[5, 11], [11, 25]]
    assert gram_matrix(f)[0].tolist() == [[1.25, 2.75], [2.75, 6.25]]


def test_gram_is_symmetric_psd_position_blind_and_per_item() -> None:
    generator = torch.Generator().manual_seed(0)
    f = torch.randn(3, 5, 4, 6, generator=generator, dtype=torch.float64)
    g = gram_matrix(f)
    assert g.shape == (3, 5, 5)
    torch.testing.assert_close(g, g.transpose(1, 2))
    assert torch.linalg.eigvalsh(g).min() > -1e-12
    order = torch.randperm(24, generator=generator)
    shuffled = f.flatten(2)[:, :, order].view_as(f)
    torch.testing.assert_close(gram_matrix(shuffled), g)
    torch.testing.assert_close(gram_matrix(f[1:2])[0], g[1])  # items never mix


def test_losses_are_means_of_squares_per_item() -> None:
    a = {"l": torch.ones(2, 3, 4, 4)}
    b = {"l": torch.zeros(1, 3, 4, 4)}
    assert content_mse(a, b).tolist() == [1.0, 1.0]
    grams = {"l": gram_matrix(b["l"])}
    # the Gram of ones normalised by C*H*W is 16/48 = 1/3 everywhere
    torch.testing.assert_close(style_mse(a, grams, {"l": 2.0}), torch.full((2,), 2 / 9))


def test_random_features_are_seeded_and_multiscale() -> None:
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    a, b = RandomFeatures(seed=3)(x), RandomFeatures(seed=3)(x)
    assert list(a) == ["rgb", "relu1", "relu2", "relu3", "relu4"]
    assert [tuple(v.shape[1:]) for v in a.values()] == [
        (3, 32, 32),
        (32, 32, 32),
        (64, 16, 16),
        (128, 8, 8),
        (256, 4, 4),
    ]
    for k in a:
        assert torch.equal(a[k], b[k])
    assert not torch.equal(RandomFeatures(seed=4)(x)["relu1"], a["relu1"])


def test_balanced_weights_make_each_layer_start_at_one() -> None:
    grams = {"a": torch.full((1, 2, 2), 2.0), "b": torch.full((1, 3, 3), 0.5)}
    assert balanced_weights(grams) == {"a": 0.25, "b": 4.0}


def test_vgg19_loads_a_local_state_dict_of_either_form(tmp_path) -> None:
    torch.manual_seed(0)
    features = make_layers(cfgs["E"])  # randomly initialised weights of the right shape
    whole = {f"features.{k}": v for k, v in features.state_dict().items()}
    whole["classifier.0.weight"] = torch.zeros(1)  # the classifier's keys are ignored
    path = tmp_path / "vgg19.pth"
    torch.save(whole, path)
    vgg = VGG19Features.from_file(path, layers=("relu1_1", "relu4_2"))
    torch.testing.assert_close(vgg.features[0].weight, features[0].weight)
    out = vgg(torch.rand(1, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "relu1_1": (1, 64, 32, 32),
        "relu4_2": (1, 512, 4, 4),
    }
    pair = VGG19Features(features.state_dict(), layers=("conv1_1", "relu1_1"))
    both = pair(torch.rand(1, 3, 8, 8))
    assert both["conv1_1"].min() < 0  # the convolution's output, not overwritten by its ReLU
    torch.testing.assert_close(both["relu1_1"], both["conv1_1"].clamp(min=0))
    plain = VGG19Features(features.state_dict(), layers=("conv5_4",))
    assert tuple(plain(torch.rand(1, 3, 32, 32))["conv5_4"].shape) == (1, 512, 2, 2)
    with pytest.raises(RuntimeError):
        VGG19Features({"0.weight": torch.zeros(3)})
    with pytest.raises(ValueError, match="unknown VGG-19 layers"):
        VGG19Features(layers=("relu9_9",))


def test_transfer_lowers_the_style_loss_and_keeps_its_inputs() -> None:
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(3, 32, 32, generator=generator)
    style = torch.rand(3, 40, 40, generator=generator) ** 3
    keep_c, keep_s = content.clone(), style.clone()
    extractor = RandomFeatures(channels=(8, 16))
    with torch.no_grad():
        grams = {k: gram_matrix(v) for k, v in extractor(style[None]).items()}
    result = transfer(
        content,
        style,
        extractor,
        content_layers=["relu1"],
        style_layers=balanced_weights(grams),
        style_weights=[0.0, 1.0],
        steps=30,
        lr=0.05,
    )
    c, s = result.curves()
    assert c.shape == s.shape == (30, 2)
    assert s[-1, 1] < s[0, 1] / 5  # the styled image moves towards the style
    assert c[-1, 0] < c[-1, 1] / 10  # beta = 0 keeps the content (up to rounding noise)
    assert result.images.min() >= 0 and result.images.max() <= 1
    assert torch.equal(content, keep_c) and torch.equal(style, keep_s)
    texture = transfer(
        None, style, extractor, content_layers=[], style_layers={"relu1": 1.0},
        steps=5, init="noise", size=(16, 24),
    )  # fmt: skip
    assert texture.images.shape == (1, 3, 16, 24)
    with pytest.raises(ValueError, match="init"):
        transfer(None, style, extractor, content_layers=[], style_layers={}, steps=1)
