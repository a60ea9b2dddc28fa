"""cvcourse.widgets.training and cvcourse.viz.training, driven as a reader would."""

from __future__ import annotations

import math

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from cvcourse.train import History
from cvcourse.viz.training import plot_confusion, plot_curves, plot_heads, show_pipeline
from cvcourse.widgets.training import (
    ActivationExplorer,
    ConfusionMatrixExplorer,
    DropoutMaskViewer,
    activation_and_derivative,
    dropout_mask,
)


def test_activation_values_of_the_chapter() -> None:
    x = torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64)
    y, dy = activation_and_derivative("sigmoid", x)
    torch.testing.assert_close(
        y, torch.tensor([0.1192, 0.5, 0.8808], dtype=torch.float64), atol=1e-4, rtol=0
    )
    torch.testing.assert_close(dy, y * (1 - y))  # sigma' = sigma (1 - sigma)
    y, dy = activation_and_derivative("tanh", x)
    torch.testing.assert_close(
        y, torch.tensor([-0.9640, 0.0, 0.9640], dtype=torch.float64), atol=1e-4, rtol=0
    )
    torch.testing.assert_close(dy, 1 - y**2)
    y, dy = activation_and_derivative("elu", x, alpha=1.0)
    assert float(y[0]) == pytest.approx(-0.8647, abs=1e-4)
    assert float(dy[0]) == pytest.approx(math.exp(-2), abs=1e-12)  # alpha e^x for x < 0
    _, dy = activation_and_derivative("leaky_relu", x, slope=0.1)
    assert dy.tolist() == pytest.approx([0.1, 0.1, 1.0])  # PyTorch uses the slope at 0
    _, dy = activation_and_derivative("relu", x)
    assert dy.tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="unknown activation"):
        activation_and_derivative("swish", x)


def test_activation_explorer_follows_its_controls() -> None:
    explorer = ActivationExplorer("sigmoid", x=0.0, depth=10)
    assert explorer.value == pytest.approx(0.5)
    assert explorer.derivative == pytest.approx(0.25)
    assert explorer.chain == pytest.approx(0.25**10)  # about 1e-6: the vanishing gradient
    assert "0.2500" in explorer.label.value
    png = explorer.view.value
    explorer.menu.value = "relu"  # as a reader picking from the menu
    explorer.x_slider.value = 2.0
    assert (explorer.value, explorer.derivative, explorer.chain) == (2.0, 1.0, 1.0)
    assert explorer.view.value != png
    explorer.set(name="leaky_relu", x=-3.0, slope=0.1, depth=2)
    assert explorer.value == pytest.approx(-0.3)
    assert explorer.chain == pytest.approx(0.01)
    with pytest.raises(KeyError, match="unknown"):
        explorer.set(beta=1)
    with pytest.raises(ValueError, match="depth"):
        explorer.set(depth=0)
    assert explorer.settings["name"] == "leaky_relu"  # a refused change leaves the state as it was
    assert isinstance(explorer.figure(), Figure)


def test_dropout_mask_keeps_one_minus_p_and_is_reproducible() -> None:
    mask = dropout_mask((200, 200), p=0.3, seed=1)
    assert mask.dtype == torch.bool
    assert mask.double().mean().item() == pytest.approx(0.7, abs=0.01)
    assert torch.equal(mask, dropout_mask((200, 200), p=0.3, seed=1))
    assert not torch.equal(mask, dropout_mask((200, 200), p=0.3, seed=2))
    with pytest.raises(ValueError, match="p must be"):
        dropout_mask((2, 2), p=1.0, seed=0)


def test_dropout_viewer_scales_like_nn_dropout() -> None:
    x = torch.rand(64, 64, generator=torch.Generator().manual_seed(12345)) + 0.5  # not a mask seed
    viewer = DropoutMaskViewer(x, p=0.5, seed=0)
    assert viewer.scale == 2.0  # inverted dropout with p = 0.5 doubles what it keeps
    kept = viewer.mask
    torch.testing.assert_close(viewer.output[kept], 2 * x.double()[kept])
    assert (viewer.output[~kept] == 0).all()
    # nn.Dropout does the same: every output is 0 or x / (1 - p)
    torch.manual_seed(0)
    out = nn.Dropout(0.5).train()(x)
    assert torch.all((out == 0) | torch.isclose(out, 2 * x))
    # the mean is kept on average: over many masks the output's mean approaches the input's
    means = []
    for seed in range(30):
        viewer.set(seed=seed)
        means.append(float(viewer.output.mean()))
    assert sum(means) / len(means) == pytest.approx(float(x.mean()), rel=0.01)
    viewer.resample()
    assert viewer.seed_box.value == 30
    viewer.mode.value = "eval"  # as a reader clicking "eval"
    assert viewer.scale == 1.0 and viewer.kept_fraction == 1.0
    torch.testing.assert_close(viewer.output, x.double())
    viewer.p_slider.value = 0.2
    viewer.mode.value = "train"
    assert viewer.scale == pytest.approx(1.25)
    assert "kept" in viewer.label.value and isinstance(viewer.figure(), Figure)
    with pytest.raises(ValueError, match="x must be"):
        DropoutMaskViewer(torch.zeros(1, 4, 4))


def test_confusion_explorer_on_the_cat_and_dog_example() -> None:
    pred, gold = torch.tensor([0, 0, 1, 0]), torch.tensor([1, 0, 1, 1])
    images = torch.rand(4, 1, 8, 8)
    explorer = ConfusionMatrixExplorer(pred, gold, ["cat", "dog"], images=images)
    assert explorer.cm.tolist() == [[1, 0], [2, 1]]
    assert explorer.cell == (1, 0)  # the biggest confusion: dogs called cats
    assert explorer.examples.tolist() == [0, 3]
    assert explorer.accuracy == 0.5
    assert explorer.precision.tolist() == pytest.approx([1 / 3, 1.0])
    assert explorer.recall.tolist() == pytest.approx([1.0, 1 / 3])
    assert explorer.f1.tolist() == pytest.approx([0.5, 0.5])
    assert "0.333" in explorer.table.value and "2 sample(s)" in explorer.table.value
    png = explorer.view.value
    explorer.true_menu.value = 0  # as a reader choosing a cell
    explorer.pred_menu.value = 0
    assert explorer.cell == (0, 0) and explorer.examples.tolist() == [1]
    assert explorer.view.value != png
    explorer.norm_buttons.value = "true"
    assert explorer.normalize == "true"
    explorer.set(cell=(0, 1))
    assert explorer.examples.tolist() == []  # no cat was called a dog
    assert isinstance(explorer.figure(), Figure)
    with pytest.raises(ValueError, match="cell"):
        explorer.set(cell=(2, 0))
    with pytest.raises(ValueError, match="normalize"):
        explorer.set(normalize="all")


def test_pictures_draw() -> None:
    assert isinstance(show_pipeline(), Figure)
    fig = plot_heads(["cat", "bread", "other"], [0.7, 0.2, 0.1], [0.9, 0.6, 0.1])
    assert len(fig.axes) == 2
    history = History(
        epochs=[
            {
                "epoch": e,
                "loss": 1 / (e + 1),
                "val_loss": 1.2 / (e + 1),
                "val_accuracy": 0.5 + e / 10,
            }
            for e in range(3)
        ]
    )
    fig = plot_curves({"a": history, "b": history})
    assert len(fig.axes[0].lines) == 4  # train and validation loss of each run
    cm = torch.tensor([[3, 1], [0, 4]])
    fig = plot_confusion(cm, ["a", "b"], normalize="pred", highlight=(0, 1))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1.00", "0.20", "0", "0.80"]  # columns sum to 1
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion(cm, ["a", "b"], normalize="rows")
