"""cvcourse.viz.detection: mask overlays, semantic colouring, labelled boxes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cvcourse.data import Shapes
from cvcourse.viz.detection import colorize_semantic, overlay_masks, palette, show_detections


def test_overlay_tints_only_masked_pixels() -> None:
    image = torch.zeros(3, 4, 4)
    masks = torch.zeros(2, 4, 4, dtype=torch.bool)
    masks[0, 0, 0] = True
    masks[1, 3, 3] = True
    colors = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    out = overlay_masks(image, masks, colors, alpha=0.5)
    assert out[:, 0, 0].tolist() == [0.5, 0.0, 0.0] and out[:, 3, 3].tolist() == [0.0, 0.0, 0.5]
    assert float(out.sum()) == 1.0
    assert float(image.sum()) == 0.0  # the input is not modified
    with pytest.raises(ValueError, match="alpha"):
        overlay_masks(image, masks, colors, alpha=2.0)
    with pytest.raises(ValueError, match="masks"):
        overlay_masks(image, masks[:, :2], colors)


def test_colorize_semantic_uses_black_background_and_one_colour_per_class() -> None:
    semantic = torch.tensor([[0, 1], [2, 1]])
    rgb = colorize_semantic(semantic, num_classes=3)
    assert rgb.shape == (3, 2, 2)
    assert rgb[:, 0, 0].tolist() == [0.0, 0.0, 0.0]
    assert torch.equal(rgb[:, 0, 1], rgb[:, 1, 1]) and torch.equal(rgb[:, 0, 1], palette(2)[0])
    assert not torch.equal(rgb[:, 1, 0], rgb[:, 0, 1])
    with pytest.raises(ValueError, match="semantic"):
        colorize_semantic(semantic, num_classes=2)


def test_show_detections_draws_one_labelled_box_per_object() -> None:
    ds = Shapes(n=1, seed=0, min_objects=3, max_objects=3)
    s = ds[0]
    fig, ax = plt.subplots()
    returned = show_detections(
        s["image"],
        s["boxes"],
        s["labels"],
        torch.tensor([0.9, 0.5, 0.25]),
        s["masks"],
        ds.classes,
        ax=ax,
    )
    assert returned is fig  # like every show_* of cvcourse.viz: the Figure, not the Axes
    rectangles = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rectangles) == 3
    x1, y1, x2, y2 = s["boxes"][0].tolist()
    assert rectangles[0].get_xy() == (x1 - 0.5, y1 - 0.5) and rectangles[0].get_width() == x2 - x1
    texts = [t.get_text() for t in ax.texts]
    assert texts == [
        f"{ds.classes[int(l)]} {p:.2f}" for l, p in zip(s["labels"], [0.9, 0.5, 0.25], strict=True)
    ]
    plt.close(fig)


def test_show_detections_returns_a_figure_without_pyplot() -> None:
    # The same return type as cvcourse.viz.images.show_images, and not registered with pyplot, so
    # a notebook cell that ends with it shows the drawing once.
    s = Shapes(n=1, seed=0)[0]
    before = plt.get_fignums()
    fig = show_detections(s["image"], s["boxes"], s["labels"])
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert plt.get_fignums() == before
