"""Draw detections: boxes with labels and scores, instance masks, semantic masks, over an image.

Boxes are ``(x1, y1, x2, y2)`` in continuous pixel coordinates where pixel ``j`` spans
``[j, j + 1)`` (the convention of ``cvcourse.data`` and torchvision). ``imshow`` centres pixel
``j`` on ``j``, so rectangles are shifted by half a pixel to sit exactly on the pixel edges.

As in :mod:`cvcourse.viz.images`, :func:`show_detections` returns the ``Figure`` it drew on (the one
holding ``ax`` when an ``ax`` is passed) and builds new figures without ``pyplot``, so a cell that
returns one shows it once; names use American spelling (``colors``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

# matplotlib's tab10: ten colours that tell instances apart on dark and light backgrounds alike.
_TAB10 = torch.tensor(
    [
        [0.122, 0.467, 0.706],
        [1.000, 0.498, 0.055],
        [0.173, 0.627, 0.173],
        [0.839, 0.153, 0.157],
        [0.580, 0.404, 0.741],
        [0.549, 0.337, 0.294],
        [0.890, 0.467, 0.761],
        [0.498, 0.498, 0.498],
        [0.737, 0.741, 0.133],
        [0.090, 0.745, 0.812],
    ]
)


def palette(n: int) -> Tensor:
    """``n`` distinct-looking RGB colours (tab10, repeated past ten).

    Returns:
        Tensor[n, 3] float32 in [0, 1].
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return _TAB10[torch.arange(n) % len(_TAB10)].clone()


def overlay_masks(
    image: Tensor, masks: Tensor, colors: Tensor | None = None, alpha: float = 0.5
) -> Tensor:
    """Tint the pixels of each mask with its colour.

    Args:
        image (Tensor[3, H, W] float in [0, 1]).
        masks (Tensor[K, H, W] bool): later masks are drawn over earlier ones.
        colors (Tensor[K, 3] | None): one colour per mask; by default :func:`palette`.
        alpha (float): opacity of the tint, in [0, 1].

    Returns:
        Tensor[3, H, W] float32: a new image.
    """
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be [3, H, W], got {tuple(image.shape)}")
    if masks.dim() != 3 or masks.shape[-2:] != image.shape[-2:]:
        raise ValueError(
            f"masks must be [K, {image.shape[1]}, {image.shape[2]}], got {tuple(masks.shape)}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    colors = palette(len(masks)) if colors is None else colors.to(torch.float32)
    out = image.to(torch.float32).clone()
    for mask, color in zip(masks.to(torch.bool), colors, strict=True):
        tinted = (1 - alpha) * out + alpha * color[:, None, None]
        out = torch.where(mask, tinted, out)
    return out


def colorize_semantic(semantic: Tensor, num_classes: int | None = None) -> Tensor:
    """An RGB picture of a semantic mask: class 0 black, class ``c`` palette colour ``c - 1``.

    Args:
        semantic (Tensor[H, W] int64).
        num_classes (int | None): including background; by default ``semantic.max() + 1``.

    Returns:
        Tensor[3, H, W] float32.
    """
    if semantic.dim() != 2:
        raise ValueError(f"semantic must be [H, W], got {tuple(semantic.shape)}")
    semantic = semantic.to(torch.int64)
    n = int(semantic.max()) + 1 if num_classes is None else num_classes
    if semantic.numel() and (semantic.min() < 0 or semantic.max() >= n):
        raise ValueError(f"semantic values must be in [0, {n - 1}] (num_classes={n})")
    colors = torch.cat([torch.zeros(1, 3), palette(max(n - 1, 0))])  # [n,3]
    return colors[semantic].permute(2, 0, 1).contiguous()


def draw_boxes(
    ax: Axes,
    boxes: Tensor,
    labels: Tensor | None = None,
    scores: Tensor | None = None,
    class_names: Sequence[str] | None = None,
    colors: Tensor | None = None,
    linewidth: float = 1.5,
    fontsize: float = 7,
) -> None:
    """Draw boxes on ``ax`` (already showing the image), each with its class name and score.

    Args:
        boxes (Tensor[K, 4]): ``(x1, y1, x2, y2)`` in pixels.
        labels (Tensor[K] int64 | None): class ids; shown as ``class_names[label]`` if given.
        scores (Tensor[K] | None): confidences, shown with two decimals.
        colors (Tensor[K, 3] | None): one colour per box; by default by label (or by index).
    """
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"boxes must be [K, 4] (x1, y1, x2, y2), got {tuple(boxes.shape)}")
    if colors is None:
        keys = labels.to(torch.int64) if labels is not None else torch.arange(len(boxes))
        colors = palette(int(keys.max()) + 1)[keys] if len(keys) else torch.zeros(0, 3)
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        color = tuple(colors[k].tolist())
        ax.add_patch(
            Rectangle(
                (x1 - 0.5, y1 - 0.5),
                x2 - x1,
                y2 - y1,
                fill=False,
                edgecolor=color,
                linewidth=linewidth,
            )
        )
        parts = []
        if labels is not None:
            label = int(labels[k])
            parts.append(class_names[label] if class_names is not None else str(label))
        if scores is not None:
            parts.append(f"{float(scores[k]):.2f}")
        if parts:
            ax.text(
                x1 - 0.5,
                y1 - 0.5,
                " ".join(parts),
                color="black",
                fontsize=fontsize,
                va="bottom",
                ha="left",
                bbox={"facecolor": color, "edgecolor": "none", "pad": 0.5, "alpha": 0.85},
                clip_on=True,
            )


def show_detections(
    image: Tensor,
    boxes: Tensor | None = None,
    labels: Tensor | None = None,
    scores: Tensor | None = None,
    masks: Tensor | None = None,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    alpha: float = 0.45,
) -> Figure:
    """Show an image with its masks (tinted) and boxes (labelled); return the figure.

    Args:
        image (Tensor[3, H, W] float in [0, 1]).
        boxes (Tensor[K, 4] | None), labels (Tensor[K] | None), scores (Tensor[K] | None).
        masks (Tensor[K, H, W] bool | None): instance masks, tinted with the colour of their box.
        class_names (Sequence[str] | None): names indexed by label, e.g. ``Shapes.classes``.
        ax (Axes | None): where to draw; a new figure by default.
        title (str | None): e.g. the caption.

    Returns:
        Figure: a new 3x3-inch figure, or the figure holding ``ax`` when one is given.
    """
    if ax is None:
        ax = Figure(figsize=(3, 3), layout="constrained").subplots()
    count = len(boxes) if boxes is not None else len(masks) if masks is not None else 0
    colors = palette(count)
    shown = (
        overlay_masks(image, masks, colors, alpha) if masks is not None and len(masks) else image
    )
    ax.imshow(shown.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
    if boxes is not None:
        draw_boxes(ax, boxes, labels, scores, class_names, colors)
    if title is not None:
        ax.set_title(title, fontsize=8, wrap=True)
    ax.set_axis_off()
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    return figure
