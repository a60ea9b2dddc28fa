"""Figures for the chapter on images, features and backprop.

- :func:`show_task_zoo`: one Shapes scene and what each of the five vision tasks asks of it.
- :func:`show_graph`: a computational graph (:class:`cvcourse.compgraph.Graph`) with forward
  values (green, above each node) and gradients (red, below).
- :func:`show_histograms`: the per-channel colour histograms of
  :func:`cvcourse.features.color_histogram`.

Like the rest of :mod:`cvcourse.viz`, each returns the ``Figure`` it drew on and builds new figures
without ``pyplot``, so a cell that returns one shows it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Patch
from torch import Tensor

from cvcourse.compgraph import OPS, Graph
from cvcourse.viz.detection import colorize_semantic, palette, show_detections

__all__ = ["graph_layout", "show_graph", "show_histograms", "show_task_zoo"]


def _figure_of(ax: Axes) -> Figure:
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    return figure


def show_task_zoo(sample: Mapping, class_names: Sequence[str]) -> Figure:
    """The five tasks on one Shapes scene: classification (single- and multi-label), detection,
    semantic segmentation, matching (the same objects in a second view turned by 180 degrees) and
    captioning.

    Args:
        sample (Mapping): a :class:`cvcourse.data.Shapes` sample (``image``, ``boxes``,
            ``labels``, ``masks``, ``semantic``, ``caption``).
        class_names (Sequence[str]): ``Shapes.classes`` (index 0 is the background).

    Returns:
        Figure: five panels, the first three tasks above, matching and captioning below.
    """
    image, boxes, labels = sample["image"], sample["boxes"], sample["labels"]
    fig = Figure(figsize=(9, 6.6), layout="constrained")
    grid = fig.add_gridspec(2, 3)
    axes = [fig.add_subplot(grid[0, k]) for k in range(3)]
    axes += [fig.add_subplot(grid[1, :2]), fig.add_subplot(grid[1, 2])]
    hwc = image.permute(1, 2, 0).clamp(0, 1).numpy()

    # Classification: the class of the largest object (single label) and the set (multi-label).
    areas = sample["masks"].flatten(1).sum(dim=1)
    main = class_names[int(labels[int(areas.argmax())])]
    present = sorted({class_names[int(label)] for label in labels})
    axes[0].imshow(hwc, interpolation="nearest")
    axes[0].set_title("1. classification", fontsize=9)
    axes[0].set_xlabel(f"single label: {main}\nmulti-label: {{{', '.join(present)}}}", fontsize=8)

    show_detections(image, boxes, labels, class_names=class_names, ax=axes[1])
    axes[1].set_title("2. detection", fontsize=9)

    num_classes = len(class_names)
    axes[2].imshow(colorize_semantic(sample["semantic"], num_classes).permute(1, 2, 0).numpy())
    axes[2].set_title("3. segmentation (a class per pixel)", fontsize=9)
    colors = torch.cat([torch.zeros(1, 3), palette(num_classes - 1)])  # as colorize_semantic
    present_ids = sorted({int(label) for label in labels})
    axes[2].legend(
        handles=[Patch(color=tuple(colors[c].tolist()), label=class_names[c]) for c in present_ids],
        fontsize=7,
        loc="lower right",
    )

    # Matching: a second view (the scene turned by 180 degrees), and a line between the two views
    # of each object.
    height, width = image.shape[-2:]
    gap = torch.ones(3, height, width // 8)
    pair = torch.cat([image, gap, image.flip(-1, -2)], dim=-1)
    axes[3].imshow(pair.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
    centers = (boxes[:, :2] + boxes[:, 2:]) / 2 - 0.5  # imshow centres pixel j on j
    for color, (cx, cy) in zip(palette(len(boxes)), centers.tolist(), strict=True):
        turned = ((width - 1 - cx) + width + gap.shape[-1], height - 1 - cy)
        axes[3].plot([cx, turned[0]], [cy, turned[1]], "-o", color=tuple(color.tolist()), ms=4)
    axes[3].set_title("4. matching (the same objects in a second view, turned)", fontsize=9)

    axes[4].imshow(hwc, interpolation="nearest")
    axes[4].set_title("5. captioning", fontsize=9)
    axes[4].set_xlabel(f'"{sample["caption"]}"', fontsize=8, wrap=True)

    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def graph_layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions for :func:`show_graph`: x = depth (leaves at 0), y = leaves in order, top down;
    an operation sits at the mean height of its inputs."""
    depth: dict[str, int] = {}
    height: dict[str, float] = {}
    leaf = 0
    for node in graph.nodes:
        if not node.inputs:
            depth[node.name], height[node.name] = 0, float(leaf)
            leaf += 1
        else:
            depth[node.name] = 1 + max(depth[name] for name in node.inputs)
            height[node.name] = sum(height[name] for name in node.inputs) / len(node.inputs)
    return {name: (float(depth[name]), -height[name]) for name in depth}


def _short(x: float) -> str:
    return f"{x:.3g}" if x != int(x) else str(int(x))


def show_graph(
    graph: Graph,
    values: Mapping[str, float] | None = None,
    grads: Mapping[str, float] | None = None,
    highlight: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw ``graph``: inputs on the left, the output on the right, an arrow per use.

    Args:
        graph (Graph): the graph to draw.
        values (Mapping[str, float] | None): forward values to write above nodes (green).
        grads (Mapping[str, float] | None): gradients df/dnode to write below nodes (red).
        highlight (str | None): a node to ring in orange (the stepper's current node).
        title (str | None): a title.
        ax (Axes | None): where to draw; a new figure by default.

    Returns:
        Figure: the figure holding the drawing.
    """
    positions = graph_layout(graph)
    if ax is None:
        depth = max(x for x, _ in positions.values())
        rows = -min(y for _, y in positions.values())
        ax = Figure(figsize=(1.6 * depth + 2.2, 0.9 * rows + 1.8), layout="constrained").subplots()
    values, grads = values or {}, grads or {}
    radius = 0.24
    for node in graph.nodes:
        x, y = positions[node.name]
        for name in node.inputs:
            x0, y0 = positions[name]
            ax.annotate(
                "",
                xy=(x, y),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": "0.45", "shrinkA": 13, "shrinkB": 13},
            )
        leaf = node.op in ("input", "const")
        face = "#dbe9f6" if node.op == "input" else "0.92" if leaf else "white"
        ring = "tab:orange" if node.name == highlight else "0.25"
        ax.add_patch(
            Circle((x, y), radius, fc=face, ec=ring, lw=3 if node.name == highlight else 1.2)
        )
        symbol = (
            node.name if node.op == "input" else _short(node.value) if leaf else OPS[node.op][1]
        )
        ax.text(x, y, symbol, ha="center", va="center", fontsize=10 if len(symbol) < 4 else 7)
        if not leaf:
            ax.text(
                x, y + radius + 0.06, node.name, ha="center", va="bottom", fontsize=8, color="0.3"
            )
        if node.name in values:
            ax.text(
                x - radius - 0.04,
                y + 0.12,
                _short(values[node.name]),
                ha="right",
                va="bottom",
                fontsize=9,
                color="tab:green",
                fontweight="bold",
            )
        if node.name in grads and node.op != "const":
            ax.text(
                x - radius - 0.04,
                y - 0.12,
                _short(grads[node.name]),
                ha="right",
                va="top",
                fontsize=9,
                color="tab:red",
                fontweight="bold",
            )
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(
        title or "values (green, forward) and gradients df/dnode (red, backward)", fontsize=9
    )
    return _figure_of(ax)


def show_histograms(
    histogram: Tensor, channels: int, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Plot a concatenated per-channel histogram (``Tensor[channels * bins]``) as lines.

    Colour images are drawn red, green, blue; a gray one in black. The x axis is the 8-bit level.
    """
    if ax is None:
        ax = Figure(figsize=(4, 2.6), layout="constrained").subplots()
    per_channel = histogram.reshape(channels, -1).float()
    bins = per_channel.shape[1]
    edges = torch.arange(bins) * (256 / bins)  # the first 8-bit level of each bin
    colors = ["tab:red", "tab:green", "tab:blue"] if channels == 3 else ["black"]
    for color, counts in zip(colors, per_channel, strict=True):
        ax.step(edges.numpy(), counts.numpy(), where="post", color=color, lw=1.2)
    ax.set_xlim(0, 256)
    ax.set_xlabel("8-bit level")
    ax.set_ylabel("pixels")
    ax.set_title(title or f"{channels} x {bins} = {channels * bins} bins", fontsize=9)
    return _figure_of(ax)
