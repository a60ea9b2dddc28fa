"""Pictures of the training chapter: the pipeline, single- vs multi-label heads, learning curves
and confusion matrices.

Every function draws on a matplotlib ``Figure`` made without ``pyplot`` (or on a given ``Axes``)
and returns it, so chapters display it and tests can inspect it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from torch import Tensor

from cvcourse.train import History

__all__ = ["plot_confusion", "plot_curves", "plot_heads", "show_pipeline"]

_STAGES = (
    ("data", "images + labels\n(train / val / test)", "#eeeeee"),
    ("transforms", "to tensor, resize,\naugment (train only)", "#fff2cc"),
    ("model", "layers → scores\n(logits)", "#cfe2f3"),
    ("loss", "cross-entropy (or BCE),\nbackprop → gradients", "#f4cccc"),
    ("optimiser", "update the weights\n(SGD, AdamW, ...)", "#d9ead3"),
)


def _stage(ax: Axes, x: float, y: float, title: str, text: str, color: str) -> None:
    patch = FancyBboxPatch(
        (x - 0.8, y - 0.45),
        1.6,
        0.9,
        boxstyle="round,pad=0.02,rounding_size=0.1",
        facecolor=color,
        edgecolor="0.3",
        linewidth=0.8,
    )
    ax.add_patch(patch)
    ax.text(x, y + 0.2, title, ha="center", va="center", fontsize=9, weight="bold")
    ax.text(x, y - 0.15, text, ha="center", va="center", fontsize=7.5)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], text: str = "") -> None:
    props = {"arrowstyle": "-|>", "color": "0.25", "lw": 0.9, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops=props)
    if text:
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        ax.text(mid[0], mid[1] + 0.12, text, ha="center", va="bottom", fontsize=7, color="0.3")


def show_pipeline() -> Figure:
    """The classification pipeline: the training loop on top, evaluation and inference below."""
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    xs = [1, 3, 5, 7, 9]
    for x, (title, text, color) in zip(xs, _STAGES, strict=True):
        _stage(ax, x, 2.2, title, text, color)
    for left, right in zip(xs[:-1], xs[1:], strict=True):
        _arrow(ax, (left + 0.8, 2.2), (right - 0.8, 2.2))
    # The optimiser changes the model: the loop closes back on it.
    ax.annotate(
        "",
        xy=(5, 2.65),
        xytext=(9, 2.65),
        arrowprops={
            "arrowstyle": "-|>",
            "color": "C2",
            "lw": 1.2,
            "connectionstyle": "arc3,rad=0.35",
        },
    )
    ax.text(
        7, 3.35, "repeat for every batch, epoch after epoch", ha="center", fontsize=8, color="C2"
    )
    _stage(ax, 3, 0.5, "evaluation", "M(predicted, gold) on\nheld-out images, eval mode", "#e6d5f0")
    _stage(
        ax,
        7,
        0.5,
        "inference",
        "one new image: eval mode,\nno gradients, argmax / threshold",
        "#e6d5f0",
    )
    _arrow(ax, (5, 1.75), (3.6, 0.95), "trained model")
    _arrow(ax, (5, 1.75), (6.4, 0.95))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.1, 3.6)
    ax.axis("off")
    return fig


def plot_heads(
    names: Sequence[str],
    softmax_probs: Sequence[float],
    sigmoid_probs: Sequence[float],
    threshold: float = 0.5,
) -> Figure:
    """Two heads on the same classes: softmax probabilities (they sum to 1, pick the largest)
    beside independent sigmoid probabilities (each thresholded on its own)."""
    fig = Figure(figsize=(8, 2.8), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    best = max(range(len(softmax_probs)), key=lambda i: softmax_probs[i])
    left.bar(names, softmax_probs, color=["C0" if i == best else "0.7" for i in range(len(names))])
    left.set_title(f"single label: softmax, sum = {sum(softmax_probs):.2f}", fontsize=9)
    right.bar(names, sigmoid_probs, color=["C1" if p > threshold else "0.7" for p in sigmoid_probs])
    right.axhline(threshold, color="0.3", ls="--", lw=0.8)
    right.set_title(f"multi-label: sigmoids, each > {threshold:g} is present", fontsize=9)
    left.set_ylabel("probability")
    left.set_ylim(0, 1)
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8, rotation=20)
    return fig


def plot_curves(
    histories: Mapping[str, History],
    val_key: str = "val_accuracy",
    val_label: str = "validation accuracy",
) -> Figure:
    """Per-epoch training loss and a validation metric of several runs, one colour per run."""
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    loss_ax, val_ax = fig.subplots(1, 2)
    for i, (name, history) in enumerate(histories.items()):
        epochs = [e + 1 for e in history.series("epoch", per="epoch")]
        loss_ax.plot(epochs, history.series("loss", per="epoch"), color=f"C{i}", label=name)
        if any("val_loss" in r for r in history.epochs):
            val_loss = history.series("val_loss", per="epoch")
            loss_ax.plot(epochs, val_loss, color=f"C{i}", ls="--", lw=0.9)
        val_ax.plot(epochs, history.series(val_key, per="epoch"), color=f"C{i}", label=name)
    loss_ax.set_yscale("log")
    loss_ax.set(xlabel="epoch", ylabel="loss (solid: train, dashed: validation)")
    val_ax.set(xlabel="epoch", ylabel=val_label)
    val_ax.legend(fontsize=8)
    return fig


def plot_confusion(
    cm: Tensor,
    names: Sequence[str],
    ax: Axes | None = None,
    normalize: str = "none",
    highlight: tuple[int, int] | None = None,
) -> Figure:
    """A confusion matrix as a heat map, rows true class, columns predicted class.

    Args:
        cm (LongTensor[K, K]): counts.
        names (Sequence[str]): K class names.
        ax: draw here (a new figure otherwise).
        normalize (str): ``"none"`` (counts), ``"true"`` (each row sums to 1: recall on the
            diagonal) or ``"pred"`` (each column sums to 1: precision on the diagonal).
        highlight ((int, int) | None): a (true, predicted) cell to outline.
    """
    if normalize not in ("none", "true", "pred"):
        raise ValueError(f"normalize must be 'none', 'true' or 'pred', got {normalize!r}")
    if ax is None:
        size = 1.6 + 0.42 * len(names)
        fig = Figure(figsize=(size + 0.8, size), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    values = cm.double()
    if normalize == "true":
        values = values / values.sum(1, keepdim=True).clamp(min=1)
    elif normalize == "pred":
        values = values / values.sum(0, keepdim=True).clamp(min=1)
    ax.imshow(values.numpy(), cmap="Blues", vmin=0)
    k = len(names)
    big = float(values.max()) if values.numel() else 0.0
    for t in range(k):
        for p in range(k):
            v = float(values[t, p])
            text = f"{int(cm[t, p])}" if normalize == "none" else f"{v:.2f}"
            if normalize != "none" and int(cm[t, p]) == 0:
                text = "0"
            ax.text(
                p,
                t,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v > big / 2 else "black",
            )
    if highlight is not None:
        t, p = highlight
        ax.add_patch(Rectangle((p - 0.5, t - 0.5), 1, 1, fill=False, edgecolor="C3", linewidth=2.2))
    ax.set_xticks(range(k), names, fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return fig
