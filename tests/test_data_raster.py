"""The vectorised rasteriser agrees with an independent polygon/disc test of every pixel centre."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from matplotlib.path import Path as PolygonPath
from torchvision.ops import masks_to_boxes as tv_masks_to_boxes

from cvcourse.data import SHAPE_NAMES, masks_to_boxes
from cvcourse.data.raster import pixel_centers, shape_masks

SIZE = 40


def _outline(shape: str, radius: float) -> list[np.ndarray]:
    """Polygons (in the shape's own frame) whose union is the shape; circles are handled apart."""
    if shape == "square":
        a = radius / math.sqrt(2)
        return [np.array([[-a, -a], [a, -a], [a, a], [-a, a]])]
    if shape == "triangle":  # apex up (y down on screen), vertices on the circle
        angles = [-math.pi / 2, -math.pi / 2 + 2 * math.pi / 3, -math.pi / 2 + 4 * math.pi / 3]
        return [np.array([[radius * math.cos(t), radius * math.sin(t)] for t in angles])]
    reach = radius / math.sqrt(1 + 1 / 9)
    half = reach / 3
    bar = np.array([[-reach, -half], [reach, -half], [reach, half], [-reach, half]])
    return [bar, bar[:, ::-1].copy()]


def reference_mask(shape: str, cx: float, cy: float, radius: float, angle: float) -> np.ndarray:
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    if shape == "circle":
        return ((points[:, 0] - cx) ** 2 + (points[:, 1] - cy) ** 2 <= radius**2).reshape(
            SIZE, SIZE
        )
    # The rasteriser's frame: u = cos*dx - sin*dy, v = sin*dx + cos*dy; invert it for the outline.
    c, s = math.cos(angle), math.sin(angle)
    inside = np.zeros(len(points), dtype=bool)
    for poly in _outline(shape, radius):
        world = np.stack(
            [c * poly[:, 0] + s * poly[:, 1] + cx, -s * poly[:, 0] + c * poly[:, 1] + cy], 1
        )
        inside |= PolygonPath(world).contains_points(points)
    return inside.reshape(SIZE, SIZE)


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_rasteriser_matches_a_per_pixel_reference(shape: str) -> None:
    rng = np.random.default_rng(0)
    for _ in range(6):
        radius = rng.uniform(4, 12)
        cx, cy = rng.uniform(radius, SIZE - radius, size=2)
        angle = rng.uniform(0, 2 * math.pi)
        fast = shape_masks(shape, torch.tensor([cx]), torch.tensor([cy]), radius, angle, SIZE)[0]
        slow = torch.from_numpy(reference_mask(shape, cx, cy, radius, angle))
        # Pixel centres exactly on an edge may go either way in float32; allow one such pixel.
        assert int((fast != slow).sum()) <= 1, (shape, int((fast != slow).sum()))
        assert int(fast.sum()) > 0


def test_shapes_stay_within_their_circle() -> None:
    for shape in SHAPE_NAMES:
        for angle in np.linspace(0, math.pi, 7):
            mask = shape_masks(
                shape, torch.tensor([20.0]), torch.tensor([20.0]), 8.0, float(angle), SIZE
            )[0]
            ys, xs = torch.nonzero(mask, as_tuple=True)
            assert float(((xs + 0.5 - 20) ** 2 + (ys + 0.5 - 20) ** 2).max()) <= 64 + 1e-4


def test_masks_to_boxes_counts_pixels() -> None:
    masks = torch.zeros(2, 10, 12, dtype=torch.bool)
    masks[0, 2:5, 3:8] = True  # rows 2..4, columns 3..7
    masks[1, 9, 0] = True
    assert masks_to_boxes(masks).tolist() == [[3.0, 2.0, 8.0, 5.0], [0.0, 9.0, 1.0, 10.0]]
    assert torch.equal(masks_to_boxes(masks) - torch.tensor([0, 0, 1, 1]), tv_masks_to_boxes(masks))
    assert masks_to_boxes(torch.zeros(0, 4, 4, dtype=torch.bool)).shape == (0, 4)


def test_unknown_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="shape must be one of"):
        shape_masks("hexagon", torch.tensor([5.0]), torch.tensor([5.0]), 3.0, 0.0, 10)


def test_pixel_centers_hands_out_a_copy() -> None:
    # The centers are cached inside the module; a caller changing the tensor it got must change
    # neither the next call's answer nor the shapes drawn afterwards.
    size = 9
    before = shape_masks("circle", torch.tensor([4.5]), torch.tensor([4.5]), 3.0, 0.0, size)
    centers = pixel_centers(size)
    assert centers.tolist() == [j + 0.5 for j in range(size)]
    centers.fill_(-1.0)
    assert pixel_centers(size).tolist() == [j + 0.5 for j in range(size)]
    after = shape_masks("circle", torch.tensor([4.5]), torch.tensor([4.5]), 3.0, 0.0, size)
    assert torch.equal(before, after)
