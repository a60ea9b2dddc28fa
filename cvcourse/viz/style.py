"""Diagrams of the style-transfer chapter: the Gatys optimisation loop and fast CIN transfer.

Like every ``show_*`` of :mod:`cvcourse.viz`, each function returns a ``Figure`` built without
``pyplot``.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

__all__ = ["show_fast_transfer", "show_gatys_loop"]

_IMAGE, _NET, _LOSS = "#cfe2f3", "#eeeeee", "#fce5cd"


def _box(ax: Axes, x: float, y: float, text: str, color: str, width: float = 1.7) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - 0.3), width, 0.6, boxstyle="round,pad=0.04", fc=color, ec="0.3"
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], **style) -> None:
    props = {"arrowstyle": "->", "color": "0.3"} | style
    ax.annotate("", end, start, arrowprops=props)


def show_gatys_loop() -> Figure:
    """The optimisation of Gatys et al.: a frozen network, two losses, gradients into the image.

    Returns:
        Figure: content, generated and style images (blue) pass the same frozen feature network
        (gray); the content loss compares feature maps, the style loss compares Gram matrices
        (orange); the gradient of the total flows back into the generated image's pixels (red).
    """
    fig = Figure(figsize=(8.6, 3.6), layout="constrained")
    ax = fig.subplots()
    rows = {"content image c": 2.0, "generated image x": 1.0, "style image s": 0.0}
    for text, y in rows.items():
        _box(ax, 0.9, y, text, _IMAGE)
        _box(ax, 3.2, y, "frozen CNN\n(same weights)", _NET)
        _arrow(ax, (1.8, y), (2.3, y))
    _box(ax, 5.6, 2.0, "features F_l(c)", _LOSS)
    _box(ax, 5.6, 1.0, "F_l(x), G(F_l(x))", _LOSS)
    _box(ax, 5.6, 0.0, "Gram G(F_l(s))", _LOSS)
    for y in rows.values():
        _arrow(ax, (4.1, y), (4.7, y))
    _box(ax, 8.0, 1.6, "content loss\nmean (F(x) − F(c))²", _LOSS, width=1.9)
    _box(ax, 8.0, 0.4, "style loss Σ_l w_l ·\nmean (G_x − G_s)²", _LOSS, width=1.9)
    _arrow(ax, (6.5, 2.0), (7.0, 1.7))
    _arrow(ax, (6.5, 1.0), (7.0, 1.5))
    _arrow(ax, (6.5, 1.0), (7.0, 0.5))
    _arrow(ax, (6.5, 0.0), (7.0, 0.3))
    ax.text(8.0, -0.45, "total = α·content + β·style", ha="center", fontsize=8.5)
    _arrow(ax, (7.0, 1.0), (1.8, 1.15), color="#c0392b", connectionstyle="arc3,rad=0.25")
    ax.text(3.8, 1.45, "∂ total / ∂ x: update the pixels", color="#c0392b", fontsize=8.5)
    ax.set_xlim(-0.1, 9.1)
    ax.set_ylim(-0.7, 2.5)
    ax.set_axis_off()
    return fig


def show_fast_transfer() -> Figure:
    """Fast style transfer with conditional instance norm: train once, then one forward pass.

    Returns:
        Figure: top, training (the transform network's output goes through the frozen loss
        network and the Gatys losses; the gradient updates the *network's* weights); bottom,
        use (one forward pass, the style chosen by the CIN parameters, mixable).
    """
    fig = Figure(figsize=(8.6, 3.2), layout="constrained")
    ax = fig.subplots()
    _box(ax, 0.9, 1.5, "photo x\n(any content)", _IMAGE)
    _box(ax, 3.2, 1.5, "transform net T\nconvs shared,\nCIN (γ_s, β_s) per style", _NET, width=2.0)
    _box(ax, 5.6, 1.5, "T(x, s)", _IMAGE)
    _box(ax, 7.9, 1.5, "frozen loss CNN\n+ Gatys losses", _LOSS, width=1.9)
    _arrow(ax, (1.8, 1.5), (2.2, 1.5))
    _arrow(ax, (4.2, 1.5), (4.7, 1.5))
    _arrow(ax, (6.5, 1.5), (6.9, 1.5))
    _arrow(ax, (7.9, 1.85), (3.2, 1.95), color="#c0392b", connectionstyle="arc3,rad=0.2")
    ax.text(
        5.6, 2.35, "training: ∂ loss / ∂ weights of T", color="#c0392b", ha="center", fontsize=8.5
    )
    _box(ax, 0.9, 0.2, "new photo", _IMAGE)
    _box(ax, 3.2, 0.2, "T with γ = (1−t)γ_a + tγ_b\nβ = (1−t)β_a + tβ_b", _NET, width=2.6)
    _box(ax, 5.9, 0.2, "stylised in one pass", _IMAGE, width=1.9)
    _arrow(ax, (1.8, 0.2), (1.9, 0.2))
    _arrow(ax, (4.5, 0.2), (4.95, 0.2))
    ax.text(0.0, -0.35, "use: no optimisation, milliseconds per image", fontsize=8.5, color="0.3")
    ax.set_xlim(-0.1, 9.0)
    ax.set_ylim(-0.5, 2.6)
    ax.set_axis_off()
    return fig
