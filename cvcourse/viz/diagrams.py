"""Diagrams of the detection chapter: the R-CNN family, the YOLO grid, ROI Align's sample points.

Like every ``show_*`` of :mod:`cvcourse.viz`, each function returns a ``Figure`` built without
``pyplot``. :func:`roi_align_sample_points` computes where ``torchvision.ops.roi_align`` samples the
feature map, so the drawing and the tests use the same numbers as the operator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from torch import Tensor

from cvcourse.viz.detection import draw_boxes

__all__ = [
    "roi_align_sample_points",
    "show_rcnn_family",
    "show_roi_align_samples",
    "show_yolo_grid",
]


def roi_align_sample_points(
    roi: Sequence[float],
    output_size: int,
    *,
    sampling_ratio: int,
    aligned: bool,
    spatial_scale: float = 1.0,
) -> Tensor:
    """Where ``torchvision.ops.roi_align`` samples the feature map for one region, before clamping.

    Coordinates are in feature-map *index* space: the value of cell ``(i, j)`` sits at ``x = j``,
    ``y = i``. With ``aligned=True`` the region's continuous coordinates (pixel ``j`` covers
    ``[j, j + 1)``) are first shifted by -0.5 to land in that space.

    Args:
        roi (Sequence[float]): ``(x1, y1, x2, y2)`` in input pixels.
        output_size (int): bins per side.
        sampling_ratio (int, keyword-only): sample points per bin and side (> 0).
        aligned (bool, keyword-only): the half-pixel shift of ``roi_align(..., aligned=True)``.
        spatial_scale (float, keyword-only): feature cells per input pixel.

    Returns:
        Tensor[output_size, output_size, s, s, 2]: ``(x, y)`` of sample ``(iy, ix)`` of bin
        ``(ph, pw)``, with ``s = sampling_ratio``. Bilinear interpolation clamps points in
        ``[-1, 0]`` to 0 and beyond the last cell to the last cell (points further out read 0).
    """
    if sampling_ratio < 1:
        raise ValueError(f"sampling_ratio must be >= 1 here, got {sampling_ratio}")
    offset = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (float(v) * spatial_scale - offset for v in roi)
    width, height = x2 - x1, y2 - y1
    if not aligned:  # the legacy behaviour forces regions to be at least one cell
        width, height = max(width, 1.0), max(height, 1.0)
    bin_w, bin_h = width / output_size, height / output_size
    steps = (torch.arange(sampling_ratio, dtype=torch.float64) + 0.5) / sampling_ratio
    bins = torch.arange(output_size, dtype=torch.float64)
    xs = x1 + (bins[:, None] + steps[None, :]) * bin_w  # [pw, ix]
    ys = y1 + (bins[:, None] + steps[None, :]) * bin_h  # [ph, iy]
    grid_x = xs[None, :, None, :].expand(output_size, output_size, sampling_ratio, sampling_ratio)
    grid_y = ys[:, None, :, None].expand(output_size, output_size, sampling_ratio, sampling_ratio)
    return torch.stack([grid_x, grid_y], dim=-1)


def _draw_roi_panel(
    ax: Axes,
    feature: Tensor,
    roi: Sequence[float],
    output_size: int,
    sampling_ratio: int,
    aligned: bool,
) -> None:
    height, width = feature.shape
    ax.imshow(
        feature.numpy(),
        cmap="Greys",
        alpha=0.35,
        extent=(-0.5, width - 0.5, height - 0.5, -0.5),
        interpolation="nearest",
    )
    for (row, col), value in np.ndenumerate(feature.numpy()):
        ax.plot(col, row, "s", color="0.45", markersize=3)
        ax.text(col + 0.08, row - 0.08, f"{value:g}", fontsize=7, color="0.3")
    points = roi_align_sample_points(
        roi, output_size, sampling_ratio=sampling_ratio, aligned=aligned
    )
    start = points[0, 0, 0, 0]
    offset = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (float(v) - offset for v in roi)
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="C0", lw=2))
    for k in range(1, output_size):
        ax.plot([x1 + k * (x2 - x1) / output_size] * 2, [y1, y2], color="C0", lw=1, ls="--")
        ax.plot([x1, x2], [y1 + k * (y2 - y1) / output_size] * 2, color="C0", lw=1, ls="--")
    flat = points.reshape(-1, 2)
    clamped = flat.clone()
    clamped[:, 0] = clamped[:, 0].clamp(0, width - 1)
    clamped[:, 1] = clamped[:, 1].clamp(0, height - 1)
    moved = (clamped != flat).any(-1)
    ax.plot(flat[~moved, 0], flat[~moved, 1], "o", color="C3", markersize=5, label="sample")
    if moved.any():
        ax.plot(
            flat[moved, 0],
            flat[moved, 1],
            "o",
            mfc="none",
            mec="C3",
            markersize=6,
            label="sample outside, clamped to the border",
        )
        for (x, y), (cx, cy) in zip(flat[moved].tolist(), clamped[moved].tolist(), strict=True):
            ax.annotate("", (cx, cy), (x, y), arrowprops={"arrowstyle": "->", "color": "C3"})
    ax.set_xlim(-1.0, width - 0.3)
    ax.set_ylim(height - 0.3, -1.0)
    ax.set_aspect("equal")
    ax.set_xticks(range(width))
    ax.set_yticks(range(height))
    ax.tick_params(labelsize=7)
    ax.set_title(
        f"aligned={aligned}: region [{x1:g}, {x2:g}], first sample at "
        f"({float(start[0]):g}, {float(start[1]):g})",
        fontsize=8,
    )
    ax.legend(fontsize=6, loc="lower left")


def show_roi_align_samples(
    feature: Tensor, roi: Sequence[float], output_size: int = 2, sampling_ratio: int = 2
) -> Figure:
    """Draw ROI Align's bins and sample points over a small feature map, without and with the shift.

    Args:
        feature (Tensor[H, W]): the feature values, drawn at their index positions.
        roi (Sequence[float]): ``(x1, y1, x2, y2)`` with ``spatial_scale = 1``.
        output_size (int): bins per side; sampling_ratio (int): samples per bin and side.

    Returns:
        Figure: two panels, ``aligned=False`` and ``aligned=True``.
    """
    if feature.ndim != 2:
        raise ValueError(f"feature must be [H, W], got {tuple(feature.shape)}")
    fig = Figure(figsize=(8.4, 4.2), layout="constrained")
    for ax, aligned in zip(fig.subplots(1, 2), (False, True), strict=True):
        _draw_roi_panel(ax, feature.float(), roi, output_size, sampling_ratio, aligned)
    return fig


def _stage(ax: Axes, x: float, y: float, text: str, color: str, width: float = 1.8) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y - 0.3),
            width,
            0.6,
            boxstyle="round,pad=0.04",
            fc=color,
            ec="0.3",
            lw=0.8,
        )
    )
    ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=8.5)


def _arrow(ax: Axes, x0: float, x1: float, y: float) -> None:
    ax.annotate("", (x1, y), (x0, y), arrowprops={"arrowstyle": "->", "color": "0.3"})


def show_rcnn_family() -> Figure:
    """R-CNN, Fast R-CNN and Faster R-CNN as pipelines: what runs once and what runs per region.

    Returns:
        Figure: one row per detector; orange stages run once per region, blue ones once per image.
    """
    per_image, per_region, external = "#cfe2f3", "#fce5cd", "#eeeeee"
    rows = [
        (
            "R-CNN (2014)",
            [
                ("image", per_image),
                ("selective search\n~2000 regions", external),
                ("warp each region\nto 227×227", per_region),
                ("CNN features\n(per region)", per_region),
                ("linear SVM per class\n+ box regressor", per_region),
            ],
        ),
        (
            "Fast R-CNN (2015)",
            [
                ("image", per_image),
                ("CNN once:\nfeature map", per_image),
                ("selective search\nregions (ROIs)", external),
                ("ROI Pool 7×7\n(per ROI)", per_region),
                ("FC: softmax classes\n+ box offsets", per_region),
            ],
        ),
        (
            "Faster R-CNN (2015)",
            [
                ("image", per_image),
                ("CNN once:\nfeature map", per_image),
                ("RPN: anchors →\nobjectness + offsets", per_image),
                ("ROI Pool 7×7\n(per proposal)", per_region),
                ("FC: softmax classes\n+ box offsets", per_region),
            ],
        ),
    ]
    fig = Figure(figsize=(8.5, 4.6), layout="constrained")
    ax = fig.subplots()
    step, row_height = 2.1, 1.25
    for r, (name, stages) in enumerate(rows):
        y = row_height * (len(rows) - 1 - r)
        ax.text(0.0, y + 0.45, name, ha="left", va="bottom", fontsize=9.5, weight="bold")
        for s, (text, color) in enumerate(stages):
            _stage(ax, s * step, y, text, color)
            if s:
                _arrow(ax, (s - 1) * step + 1.85, s * step - 0.05, y)
    ax.text(
        0.0,
        -0.65,
        "blue: once per image   orange: once per region   gray: not a network",
        fontsize=8.5,
        color="0.3",
        va="top",
    )
    ax.set_xlim(-0.1, len(rows[0][1]) * step - 0.2)
    ax.set_ylim(-1.0, row_height * (len(rows) - 1) + 0.85)
    ax.set_axis_off()
    return fig


def show_yolo_grid(
    image: Tensor,
    boxes: Tensor,
    labels: Tensor | None = None,
    class_names: Sequence[str] | None = None,
    grid: int = 4,
) -> Figure:
    """An image with YOLO's ``grid x grid`` cells; the cell holding each box center is shaded.

    Args:
        image (Tensor[3, H, W]); boxes (Tensor[K, 4]) xyxy pixels; labels (LongTensor[K]) optional.
        grid (int): S, cells per side.

    Returns:
        Figure: one axes; each object's center is a dot in the cell responsible for it.
    """
    _, height, width = image.shape
    fig = Figure(figsize=(3.6, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
    cell_w, cell_h = width / grid, height / grid
    centers = (boxes[:, :2] + boxes[:, 2:]) / 2
    for cx, cy in centers.tolist():
        col, row = min(int(cx // cell_w), grid - 1), min(int(cy // cell_h), grid - 1)
        ax.add_patch(
            Rectangle(
                (col * cell_w - 0.5, row * cell_h - 0.5), cell_w, cell_h, color="white", alpha=0.3
            )
        )
        ax.plot(cx - 0.5, cy - 0.5, "o", color="white", markersize=4, mec="black")
    for k in range(1, grid):
        ax.axvline(k * cell_w - 0.5, color="white", lw=0.8)
        ax.axhline(k * cell_h - 0.5, color="white", lw=0.8)
    draw_boxes(ax, boxes, labels, None, class_names, linewidth=1.0)
    ax.set_title(f"S = {grid}: the shaded cell holds the box center", fontsize=8)
    ax.set_axis_off()
    return fig
