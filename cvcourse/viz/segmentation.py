"""Diagrams of the segmentation chapter: U-Net with its shapes, FCN-32s/16s/8s, and ASPP.

The U-Net drawing reads its tensor shapes from a real forward pass (hooks on the model), so the
numbers on the page are the ones the code produces.
"""

from __future__ import annotations

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle
from torch import nn

__all__ = ["show_aspp", "show_fcn_variants", "show_unet", "unet_shapes"]


def unet_shapes(model: nn.Module, input_shape: tuple[int, int, int, int]) -> dict[str, tuple]:
    """Output shapes of a :class:`~cvcourse.models.unet.UNet`'s blocks for one input shape.

    Returns:
        dict: ``"encoders.0"``, ..., ``"bottleneck"``, ``"ups.0"``, ..., ``"decoders.0"``, ...,
        ``"head"`` -> the block's output shape ``(N, C, H, W)``, in the order they run.
    """
    shapes: dict[str, tuple] = {}
    hooks = []
    for name, module in model.named_modules():
        if name == "head" or name == "bottleneck" or (name.count(".") == 1 and name[0] in "eud"):
            hooks.append(
                module.register_forward_hook(
                    lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape))
                )
            )
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(input_shape))
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, color: str) -> None:
    ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor="#333333", lw=1))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8)


def _arrow(
    ax: Axes,
    start: tuple,
    end: tuple,
    color: str = "#333333",
    text: str = "",
    connectionstyle: str = "arc3",
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=10,
            color=color,
            connectionstyle=connectionstyle,
        )
    )
    if text:
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        ax.text(mid[0], mid[1] + 0.12, text, ha="center", va="bottom", fontsize=7, color=color)


def _fmt(shape: tuple) -> str:
    return f"{shape[1]}×{shape[2]}×{shape[3]}"


def show_unet(model: nn.Module, size: tuple[int, int] = (48, 48), in_ch: int = 3) -> Figure:
    """The U-Net as boxes at their levels: encoder down the left, decoder up the right,
    skip concatenations across, each box labelled with its output C×H×W."""
    shapes = unet_shapes(model, (1, in_ch, *size))
    depth = sum(1 for k in shapes if k.startswith("encoders."))
    fig = Figure(figsize=(10, 1.6 + 1.3 * depth), layout="constrained")
    ax = fig.subplots()
    top = depth + 0.5
    _box(ax, 0.0, top, 1.6, 0.6, f"input\n{in_ch}×{size[0]}×{size[1]}", "#eeeeee")
    for i in range(depth):
        y = depth - i - 0.5
        _box(
            ax,
            0.3 + 1.2 * i,
            y,
            2.0,
            0.6,
            f"encoders.{i}\n{_fmt(shapes[f'encoders.{i}'])}",
            "#cfe2f3",
        )
        j = depth - 1 - i  # the decoder level that uses this skip
        _box(
            ax,
            8.2 - 1.2 * i,
            y,
            2.0,
            0.6,
            f"decoders.{j}\n{_fmt(shapes[f'decoders.{j}'])}",
            "#d9ead3",
        )
        _box(ax, 5.9 - 1.2 * i, y, 1.8, 0.6, f"ups.{j}\n{_fmt(shapes[f'ups.{j}'])}", "#fff2cc")
        # The skip goes over the transposed convolution into the decoder, whose input is the
        # concatenation [encoder map, upsampled map].
        _arrow(ax, (2.3 + 1.2 * i, y + 0.6), (8.2 - 1.2 * i + 0.3, y + 0.6), "tab:blue",
               "skip: concat [encoder, upsampled]", "arc3,rad=-0.2")  # fmt: skip
        _arrow(ax, (7.7 - 1.2 * i, y + 0.15), (8.2 - 1.2 * i, y + 0.15))
        # The last max-pool feeds the bottleneck; the others the next encoder.
        pool_end = (1.2 * depth + 1.2, 0.0) if i == depth - 1 else (1.5 + 1.2 * i, y - 0.4)
        _arrow(ax, (1.3 + 1.2 * i, y), pool_end, "tab:red", "max-pool 2")
        if i > 0:  # the decoder one level down feeds this level's transposed convolution
            _arrow(ax, (9.2 - 1.2 * i, y + 0.6), (6.8 - 1.2 * (i - 1), y + 1.0), "tab:orange")
    b = shapes["bottleneck"]
    _box(ax, 1.2 * depth + 0.8, -0.6, 2.6, 0.6, f"bottleneck\n{_fmt(b)}", "#f4cccc")
    _arrow(ax, (1.2 * depth + 2.6, 0.0), (5.9 - 1.2 * (depth - 1) + 0.9, 0.5), "tab:orange",
           "transposed conv k2 s2")  # fmt: skip
    head = shapes["head"]
    _box(ax, 9.6, top, 1.9, 0.6, f"head (1×1)\n{_fmt(head)}", "#d9d2e9")
    _arrow(ax, (9.2, depth - 0.5 + 0.6), (10.3, top))
    _arrow(ax, (0.8, top), (1.0, depth - 0.5 + 0.6))
    ax.set_xlim(-0.2, 11.7)
    ax.set_ylim(-0.8, top + 0.8)
    ax.axis("off")
    ax.set_title("U-Net: each box shows its output channels × height × width", fontsize=10)
    return fig


def show_fcn_variants() -> Figure:
    """FCN-32s, -16s and -8s (Long et al., 2015): which pooled maps are fused before upsampling."""
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    stages = [("pool3", 8), ("pool4", 16), ("conv7", 32)]
    for i, (name, stride) in enumerate(stages):
        _box(
            ax,
            0.2 + 1.8 * i,
            2.6,
            1.5,
            0.6,
            f"{name}\nstride {stride} (1/{stride} size)",
            "#cfe2f3",
        )
        if i:
            _arrow(ax, (1.7 + 1.8 * (i - 1), 2.9), (0.2 + 1.8 * i, 2.9))
    rows = [
        ("FCN-32s", "score(conv7) → upsample ×32", 1.7),
        ("FCN-16s", "upsample ×2 score(conv7) + score(pool4) → upsample ×16", 1.0),
        ("FCN-8s", "upsample ×2 (that sum) + score(pool3) → upsample ×8", 0.3),
    ]
    for name, text, y in rows:
        _box(ax, 0.2, y, 1.5, 0.5, name, "#d9ead3")
        ax.text(1.9, y + 0.25, text, va="center", fontsize=9)
    ax.text(6.0, 2.9, "finer maps added = sharper boundaries", fontsize=9, va="center")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 3.4)
    ax.axis("off")
    ax.set_title("FCN: class scores from deep, coarse maps, refined by shallower ones", fontsize=10)
    return fig


def show_aspp(rates: tuple[int, ...] = (6, 12, 18)) -> Figure:
    """DeepLabv3's atrous spatial pyramid pooling (DeepLabv2's ASPP plus an image-pooling branch)
    and the v3+ decoder."""
    fig = Figure(figsize=(10, 4.0), layout="constrained")
    ax = fig.subplots()
    _box(ax, 0.1, 1.7, 1.6, 0.7, "backbone\nfeatures (1/16)", "#cfe2f3")
    branches = ["1×1 conv", *[f"3×3 conv\nrate {r}" for r in rates], "image pooling\n+ 1×1"]
    n = len(branches)
    for i, text in enumerate(branches):
        y = 3.4 - i * 3.4 / (n - 1) - 0.3
        _box(ax, 2.5, y, 1.6, 0.6, text, "#fff2cc")
        _arrow(ax, (1.7, 2.05), (2.5, y + 0.3))
        _arrow(ax, (4.1, y + 0.3), (4.9, 2.05))
    _box(ax, 4.9, 1.7, 1.4, 0.7, "concat\n+ 1×1 conv", "#f4cccc")
    _box(ax, 6.8, 1.7, 1.4, 0.7, "upsample ×4,\nconcat low-level", "#d9ead3")
    _box(ax, 8.6, 1.7, 1.3, 0.7, "3×3 convs,\nupsample ×4", "#d9d2e9")
    _arrow(ax, (6.3, 2.05), (6.8, 2.05))
    _arrow(ax, (8.2, 2.05), (8.6, 2.05))
    ax.text(6.8, 1.3, "DeepLabv3+ decoder", fontsize=8)
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.5, 3.9)
    ax.axis("off")
    ax.set_title(
        "ASPP: parallel dilated convolutions see the same map at several scales", fontsize=10
    )
    return fig
