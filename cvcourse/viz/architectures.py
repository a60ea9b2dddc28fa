"""Diagrams of the architecture chapter: LeNet-5, the VGG block, Inception, residual blocks.

Every ``show_*`` returns a ``Figure`` built without ``pyplot``. Layers are boxes, data flows
downwards along arrows, and branches sit side by side; a box's text is the layer as the papers
write it (``3×3, 64`` is a 3×3 convolution with 64 filters). :func:`show_lenet5` draws the shapes
of a :class:`cvcourse.summary.Summary`, so the picture and the table come from the same pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from cvcourse.summary import Summary

__all__ = [
    "show_inception_module",
    "show_lenet5",
    "show_mobilenet_block",
    "show_residual_blocks",
    "show_resnext_block",
    "show_vgg_block",
]

# One colour per kind of layer, the same in every diagram.
COLORS = {
    "conv": "#cfe2f3",
    "conv1": "#d9ead3",  # 1x1 convolutions
    "dw": "#fff2cc",  # depthwise
    "pool": "#f4cccc",
    "fc": "#e6d5f0",
    "io": "#eeeeee",
    "add": "#ffffff",
}
BOX_W, BOX_H = 1.9, 0.5


def _box(ax: Axes, x: float, y: float, text: str, kind: str = "conv", width: float = BOX_W) -> None:
    """A rounded box centred at (x, y)."""
    patch = FancyBboxPatch(
        (x - width / 2, y - BOX_H / 2),
        width,
        BOX_H,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=COLORS[kind],
        edgecolor="0.3",
        linewidth=0.8,
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], **style: object) -> None:
    props = {"arrowstyle": "-|>", "color": "0.25", "lw": 0.9, "shrinkA": 0, "shrinkB": 0}
    props.update(style)
    ax.annotate("", xy=end, xytext=start, arrowprops=props)


def _chain(
    ax: Axes,
    x: float,
    top: float,
    layers: Sequence[tuple[str, str]],
    step: float = 0.9,
    width: float = BOX_W,
) -> float:
    """Boxes ``(text, kind)`` from ``top`` downwards at ``x``, joined by arrows; the last y."""
    y = top
    for i, (text, kind) in enumerate(layers):
        _box(ax, x, y, text, kind, width=width)
        if i + 1 < len(layers):
            _arrow(ax, (x, y - BOX_H / 2), (x, y - step + BOX_H / 2))
        y -= step
    return y + step


def _add(ax: Axes, x: float, y: float) -> None:
    """The ⊕ of a residual connection."""
    ax.add_patch(FancyBboxPatch((x - 0.17, y - 0.17), 0.34, 0.34, boxstyle="circle,pad=0",
                                facecolor="white", edgecolor="0.25"))  # fmt: skip
    ax.text(x, y, "+", ha="center", va="center", fontsize=11)


def _frame(fig: Figure, ax: Axes, width: float, height: float, title: str = "") -> None:
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def _residual(
    ax: Axes, x: float, top: float, layers: Sequence[tuple[str, str]], shortcut: str = "identity"
) -> None:
    """A residual block: input, the layers (ReLUs between them implied), ⊕, ReLU."""
    _box(ax, x, top, "x", "io", width=0.8)
    _arrow(ax, (x, top - BOX_H / 2), (x, top - 0.9 + BOX_H / 2))
    last = _chain(ax, x, top - 0.9, layers)
    add_y = last - 0.8
    _arrow(ax, (x, last - BOX_H / 2), (x, add_y + 0.17))
    _add(ax, x, add_y)
    # the identity path: out of x, down the right side, into the ⊕
    side = x + BOX_W / 2 + 0.45
    ax.plot([x + 0.4, side, side], [top, top, add_y], color="C3", lw=1.2)
    _arrow(ax, (side, add_y), (x + 0.17, add_y), color="C3", lw=1.2)
    ax.text(
        side + 0.08, (top + add_y) / 2, shortcut, rotation=90, va="center", fontsize=8, color="C3"
    )
    _arrow(ax, (x, add_y - 0.17), (x, add_y - 0.55))
    ax.text(x, add_y - 0.75, "ReLU", ha="center", va="center", fontsize=8.5)


def show_lenet5(table: Summary) -> Figure:
    """The slides' LeNet-5 as a row of layers with the output shape of each (from ``table``)."""
    fig = Figure(figsize=(9.5, 2.6), layout="constrained")
    ax = fig.subplots()
    kinds = {"Conv2d": "conv", "MaxPool2d": "pool", "Linear": "fc", "Flatten": "io"}
    shown = [r for r in table.rows if r.kind in kinds]
    x = 0.9
    for i, row in enumerate(shown):
        shape = "×".join(str(n) for n in row.output_shape[1:])
        name = {"Conv2d": "conv 5×5", "MaxPool2d": "max pool 2×2", "Linear": "linear"}.get(
            row.kind, "flatten"
        )
        _box(ax, x, 1.2, name, kinds[row.kind], width=1.35)
        ax.text(x, 0.65, shape, ha="center", fontsize=8)
        if row.params:
            ax.text(x, 1.65, f"{row.params:,} params", ha="center", fontsize=7.5, color="0.35")
        if i + 1 < len(shown):
            _arrow(ax, (x + 0.68, 1.2), (x + 1.5 - 0.68, 1.2))
        x += 1.5
    ax.text(
        0.9,
        0.2,
        "ReLU after each convolution and after the first linear layer",
        fontsize=8,
        color="0.35",
    )
    _frame(fig, ax, x - 0.5, 2.0, "LeNet-5 of the slides (input 1×28×28)")
    return fig


def show_vgg_block() -> Figure:
    """A 5×5 convolution beside the two stacked 3×3 convolutions that see the same 5×5 window."""
    fig = Figure(figsize=(7.5, 3.4), layout="constrained")
    ax = fig.subplots()
    _chain(
        ax,
        1.6,
        3.6,
        [("input, C channels", "io"), ("5×5, C", "conv"), ("output, C channels", "io")],
        step=1.35,
    )
    ax.text(1.6, -0.25, "25·C² weights\nreceptive field 5×5", ha="center", fontsize=8.5)
    _chain(
        ax,
        5.2,
        3.6,
        [
            ("input, C channels", "io"),
            ("3×3, C  + ReLU", "conv"),
            ("3×3, C  + ReLU", "conv"),
            ("output, C channels", "io"),
        ],
    )
    ax.text(
        5.2, -0.25, "2 · 9·C² = 18·C² weights\nreceptive field 3 + 2 = 5", ha="center", fontsize=8.5
    )
    _frame(fig, ax, 7.0, 4.0, "Why VGG stacks 3×3 convolutions")
    ax.set_ylim(-0.6, 4.0)
    return fig


def show_inception_module() -> Figure:
    """GoogLeNet's Inception module with its 1×1 reductions (Szegedy et al. 2014, Figure 2b)."""
    fig = Figure(figsize=(8.5, 3.8), layout="constrained")
    ax = fig.subplots()
    _box(ax, 4.6, 3.7, "previous layer", "io", width=2.4)
    branches = [
        [("1×1", "conv1")],
        [("1×1 (reduce)", "conv1"), ("3×3", "conv")],
        [("1×1 (reduce)", "conv1"), ("5×5", "conv")],
        [("3×3 max pool", "pool"), ("1×1 (project)", "conv1")],
    ]
    for i, layers in enumerate(branches):
        x = 1.3 + 2.2 * i
        _arrow(ax, (4.6, 3.7 - BOX_H / 2), (x, 2.8 + BOX_H / 2))
        bottom = _chain(ax, x, 2.8, layers)
        _arrow(ax, (x, bottom - BOX_H / 2), (4.6, 0.55 + BOX_H / 2))
    _box(ax, 4.6, 0.55, "concatenate channels", "io", width=2.4)
    _frame(fig, ax, 9.2, 4.1, "Inception module (1×1 convolutions reduce the channels first)")
    return fig


def show_residual_blocks() -> Figure:
    """ResNet's basic block (ResNet-18/34) beside its bottleneck block (ResNet-50 and deeper)."""
    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.subplots()
    _residual(ax, 1.6, 4.6, [("3×3, 64", "conv"), ("3×3, 64", "conv")])
    ax.text(1.6, 0.1, "basic block: 64-d in and out", ha="center", fontsize=8.5)
    _residual(ax, 5.6, 4.6, [("1×1, 64", "conv1"), ("3×3, 64", "conv"), ("1×1, 256", "conv1")])
    ax.text(5.6, -0.1, "bottleneck: 256-d in and out", ha="center", fontsize=8.5)
    _frame(
        fig, ax, 7.8, 5.0, "Residual blocks: y = ReLU(F(x) + x); BatchNorm after every convolution"
    )
    ax.set_ylim(-0.4, 5.0)
    return fig


def show_resnext_block(groups: int = 32) -> Figure:
    """A ResNeXt-50 (32×4d) block: the 3×3 convolution split into ``groups`` paths of 4 channels."""
    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.subplots()
    _residual(
        ax,
        1.9,
        4.6,
        [("1×1, 128", "conv1"), (f"3×3, 128, groups={groups}", "conv"), ("1×1, 256", "conv1")],
    )
    # the same block drawn as paths: each reduces to 4 channels, convolves them, expands again
    x0 = 4.9
    for i, x in enumerate([x0, x0 + 1.0, x0 + 2.5]):
        label = f"path {groups}" if i == 2 else f"path {i + 1}"
        _chain(
            ax, x, 3.6, [("1×1, 4", "conv1"), ("3×3, 4", "conv"), ("1×1, 256", "conv1")], width=0.8
        )
        ax.text(x, 4.05, label, ha="center", fontsize=7.5)
    ax.text(x0 + 1.65, 2.7, "· · ·", ha="center", fontsize=14)
    ax.text(
        x0 + 1.2,
        0.75,
        f"{groups} paths of width {128 // groups}, summed (the paper's form (a)):\n"
        "the same block as the grouped 3×3 on the left",
        ha="center",
        fontsize=8,
    )
    _frame(fig, ax, 8.3, 5.0, "ResNeXt block (cardinality 32, width 4)")
    return fig


def show_mobilenet_block() -> Figure:
    """A standard 3×3 convolution beside MobileNet's depthwise-separable replacement."""
    fig = Figure(figsize=(7.5, 3.8), layout="constrained")
    ax = fig.subplots()
    _chain(
        ax,
        1.6,
        3.5,
        [("input, Cin", "io"), ("3×3, Cout", "conv"), ("BN, ReLU", "io"), ("output, Cout", "io")],
    )
    ax.text(1.6, -0.35, "9·Cin·Cout weights", ha="center", fontsize=8.5)
    _chain(
        ax,
        5.3,
        3.5,
        [
            ("input, Cin", "io"),
            ("3×3 depthwise, Cin", "dw"),
            ("BN, ReLU", "io"),
            ("1×1 pointwise, Cout", "conv1"),
            ("BN, ReLU → Cout", "io"),
        ],
        step=0.75,
    )
    ax.text(5.3, -0.35, "9·Cin + Cin·Cout weights", ha="center", fontsize=8.5)
    _frame(fig, ax, 7.0, 4.0, "Standard vs depthwise-separable convolution (MobileNet)")
    ax.set_ylim(-0.6, 4.0)
    return fig
