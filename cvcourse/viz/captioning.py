"""Pictures for the captioning chapter: the encoder-decoder with attention, a beam search tree, and
attention maps drawn over the image, one per generated word."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import Tensor

from cvcourse.models.decoding import BeamNode, greedy_decode

__all__ = ["attention_caption", "draw_attention_model", "draw_beam_tree", "show_attention"]


def _box(ax: Axes, xy: tuple[float, float], text: str, color: str, w: float = 1.5, h: float = 0.7):
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05", fc=color, ec="0.3", lw=1
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(ax: Axes, a: tuple[float, float], b: tuple[float, float], color: str = "0.3", **kw):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, color=color, **kw))


def draw_attention_model(steps: int = 3) -> Figure:
    """The encoder-decoder with attention, unrolled over ``steps`` words.

    The CNN turns the image into an ``L``-cell feature grid; at every step the attention weights
    ``alpha_t`` (over the grid) come from the grid and the previous state ``h_{t-1}``, their
    average ``z_t`` and the previous word's embedding feed the GRU, which gives ``h_t`` and the
    next word's probabilities.
    """
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.8, 3.2 + 2.6 * steps)
    ax.set_ylim(-0.65, 4.6)
    ax.axis("off")
    _box(ax, (0.3, 0.6), "image\n3×32×32", "#f2f2f2", 1.3)
    _box(ax, (0.3, 2.0), "CNN encoder", "#cfe2f3", 1.3)
    grid = FancyBboxPatch((-0.35, 3.0), 1.3, 1.1, boxstyle="square,pad=0", fc="#d9ead3", ec="0.3")
    ax.add_patch(grid)
    for i in range(1, 8):  # the 8x8 grid of a 32x32 image after two stride-2 convolutions
        ax.plot([-0.35 + 1.3 * i / 8] * 2, [3.0, 4.1], color="0.5", lw=0.4)
        ax.plot([-0.35, 0.95], [3.0 + 1.1 * i / 8] * 2, color="0.5", lw=0.4)
    ax.text(0.3, 4.35, "feature grid: L = 8×8 cells of D numbers", ha="center", fontsize=8)
    _arrow(ax, (0.3, 0.95), (0.3, 1.65))
    _arrow(ax, (0.3, 2.35), (0.3, 2.98))
    _box(ax, (1.75, 1.2), "h₀ = tanh(W·mean)", "#fce5cd", 1.5)
    _arrow(ax, (0.95, 3.2), (1.6, 1.55))
    words = ["<bos>", "a", "small", "red", "circle"]
    prev_h = (2.5, 1.2)
    for t in range(steps):
        x = 3.4 + 2.6 * t
        _box(ax, (x, 3.5), f"attention α{t + 1}\nsoftmax over L", "#fff2cc", 1.7)
        _box(ax, (x, 2.35), f"z{t + 1} = Σ α·f", "#fff2cc", 1.1, 0.55)
        _box(ax, (x, 1.2), "GRU cell", "#fce5cd", 1.3)
        _box(ax, (x, 0.1), f"embed '{words[t]}'", "#ead1dc", 1.4, 0.5)
        _box(ax, (x + 1.3, 0.2), f"p(w{t + 1})\n→ '{words[t + 1]}'", "#f4cccc", 0.95, 0.8)
        _arrow(ax, (0.95, 3.9), (x - 0.85, 3.6), color="#6aa84f", lw=0.8)
        _arrow(ax, prev_h, (x - 0.65, 1.2))
        _arrow(ax, (prev_h[0] - 0.1, prev_h[1] + 0.3), (x - 0.4, 3.15), color="#b45f06", lw=0.8)
        _arrow(ax, (x, 3.15), (x, 2.63))
        _arrow(ax, (x, 2.07), (x, 1.55))
        _arrow(ax, (x, 0.35), (x, 0.85))
        _arrow(ax, (x + 0.5, 0.87), (x + 0.95, 0.62))  # h_t -> p(w_t)
        _arrow(ax, (x + 0.55, 2.2), (x + 1.3, 0.62), color="#bf9000", lw=0.8)  # z_t -> p(w_t)
        prev_h = (x + 0.65, 1.2)
    ax.text(
        3.2 + 1.3 * steps,
        -0.55,
        "teacher forcing: in training the embedded word is the true previous word; "
        "when generating it is the model's own choice",
        ha="center",
        fontsize=8,
        style="italic",
    )
    return fig


def draw_beam_tree(
    tree: Sequence[BeamNode],
    itos: Sequence[str],
    best: Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Figure | None:
    """Draw the kept extensions of a beam search: one column per step, edges to their parents.

    Args:
        tree: nodes from :func:`cvcourse.models.decoding.beam_search` (``tree=`` argument).
        itos: token id -> word.
        best: the tokens of the winning hypothesis, drawn in red.
    """
    fig = None
    if ax is None:
        fig = Figure(figsize=(10, 3.6), layout="constrained")
        ax = fig.subplots()
    rows: dict[int, int] = {}
    position: dict[int, tuple[float, float]] = {-1: (0.0, 0.0)}
    for index, node in enumerate(tree):
        row = rows.get(node.step, 0)
        rows[node.step] = row + 1
        position[index] = (float(node.step), -float(row))
    on_best: set[int] = set()
    if best is not None:
        # Walk back from a node whose path spells `best`.
        for index in range(len(tree)):
            path, j = [], index
            while j != -1:
                path.append(tree[j].token)
                j = tree[j].parent
            if path[::-1] == list(best):
                j = index
                while j != -1:
                    on_best.add(j)
                    j = tree[j].parent
                break
    ax.text(0, 0, "<bos>", ha="center", va="center", fontsize=8, bbox={"fc": "w", "ec": "0.5"})
    for index, node in enumerate(tree):
        x, y = position[index]
        px, py = position[node.parent]
        color = "tab:red" if index in on_best else "0.6"
        ax.plot([px + 0.25, x - 0.3], [py, y], color=color, lw=1.5 if index in on_best else 0.8)
        word = itos[node.token] if 0 <= node.token < len(itos) else str(node.token)
        ax.text(
            x,
            y,
            f"{word}\n{node.logprob:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            bbox={
                "fc": "#f4cccc" if node.finished else "w",
                "ec": color,
                "boxstyle": "round,pad=0.2",
            },
        )
    steps = max((n.step for n in tree), default=1)
    height = max(rows.values(), default=1)
    ax.set_xlim(-0.5, steps + 0.5)
    ax.set_ylim(-height + 0.4, 0.6)
    ax.set_xticks(range(steps + 1))
    ax.set_xlabel("step (summed log-probability under each word; finished hypotheses shaded)")
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig


def show_attention(
    image: Tensor, words: Sequence[str], alphas: Tensor, columns: int = 6, title: str = ""
) -> Figure:
    """The image once per generated word, with that step's attention weights over it.

    Args:
        image (Tensor[3, S, S]); words: the generated words (``<eos>`` included or not);
        alphas (Tensor[T, L]) with ``L = G*G`` and ``T >= len(words)``.
    """
    n = len(words) + 1
    cols = min(columns, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(1.6 * cols, 1.75 * rows + 0.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    size = image.shape[-1]
    grid = int(round(alphas.shape[1] ** 0.5))
    picture = image.permute(1, 2, 0).clamp(0, 1).numpy()
    axes[0].imshow(picture)
    axes[0].set_title("image", fontsize=8)
    for k, word in enumerate(words):
        a = alphas[k].view(1, 1, grid, grid)
        up = F.interpolate(a, size=(size, size), mode="bilinear", align_corners=False)[0, 0]
        ax = axes[k + 1]
        ax.imshow(picture)
        ax.imshow(up.numpy(), cmap="magma", alpha=0.6, vmin=0, vmax=float(alphas[k].max()))
        ax.set_title(word, fontsize=8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def attention_caption(model, image: Tensor, vocab, max_len: int = 12) -> tuple[list[str], Tensor]:
    """Greedy caption of one image with the attention weights of each step.

    Returns:
        words (list[str], ``<eos>`` excluded) and alphas (Tensor[T, L]) for those words.
    """
    with torch.no_grad():
        features, h0 = model.encode(image[None])
        record: list[Tensor] = []
        tokens = greedy_decode(
            model.step_fn(features, record), h0, vocab.bos_id, vocab.eos_id, max_len
        )[0]
    words = vocab.decode(tokens).split()
    return words, torch.cat(record)[: len(words)]
