"""cvcourse.viz.diagrams: the detection chapter's diagrams, and ROI Align's sample points."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torchvision.ops as ops
from matplotlib.figure import Figure

from cvcourse.data import Shapes
from cvcourse.viz.diagrams import (
    roi_align_sample_points,
    show_rcnn_family,
    show_roi_align_samples,
    show_yolo_grid,
)


def _bilinear(feature: torch.Tensor, x: float, y: float) -> float:
    """torchvision's bilinear read: 0 beyond one cell outside, else clamped to the border."""
    height, width = feature.shape
    if y < -1 or y > height or x < -1 or x > width:
        return 0.0
    x, y = min(max(x, 0.0), width - 1), min(max(y, 0.0), height - 1)
    x0, y0 = int(x), int(y)
    x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
    fx, fy = x - x0, y - y0
    top = feature[y0, x0] * (1 - fx) + feature[y0, x1] * fx
    bottom = feature[y1, x0] * (1 - fx) + feature[y1, x1] * fx
    return float(top * (1 - fy) + bottom * fy)


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("roi", [(0.0, 0.0, 3.0, 3.0), (0.3, 1.2, 2.9, 3.7), (-1.0, 0.5, 2.0, 2.0)])
def test_sample_points_reproduce_torchvision_roi_align(aligned: bool, roi: tuple) -> None:
    feature = torch.arange(16.0).view(4, 4) ** 1.5  # not linear, so the points really matter
    points = roi_align_sample_points(roi, 2, sampling_ratio=2, aligned=aligned)
    ours = torch.tensor(
        [
            [
                sum(_bilinear(feature, x, y) for x, y in points[ph, pw].reshape(-1, 2).tolist()) / 4
                for pw in range(2)
            ]
            for ph in range(2)
        ]
    )
    reference = ops.roi_align(feature[None, None], torch.tensor([[0.0, *roi]]), 2, 1.0, 2, aligned)[
        0, 0
    ]
    assert torch.allclose(ours, reference.double().float(), atol=1e-5)


def test_aligned_shifts_the_samples_by_half_a_cell() -> None:
    plain = roi_align_sample_points((0, 0, 3, 3), 2, sampling_ratio=2, aligned=False)
    shifted = roi_align_sample_points((0, 0, 3, 3), 2, sampling_ratio=2, aligned=True)
    assert torch.allclose(shifted, plain - 0.5)
    assert plain[0, 0, 0, 0].tolist() == [0.375, 0.375]
    with pytest.raises(ValueError, match="sampling_ratio"):
        roi_align_sample_points((0, 0, 3, 3), 2, sampling_ratio=0, aligned=True)


def test_diagrams_are_figures() -> None:
    fig = show_roi_align_samples(torch.arange(16.0).view(4, 4), (0, 0, 3, 3))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "aligned=True" in fig.axes[1].get_title()
    assert isinstance(show_rcnn_family(), Figure)
    sample = Shapes(n=1, seed=0)[0]
    fig = show_yolo_grid(sample["image"], sample["boxes"], sample["labels"], grid=4)
    assert isinstance(fig, Figure) and "S = 4" in fig.axes[0].get_title()
