"""Three explorers for the captioning chapter.

- :class:`BeamExplorer`: a beam-width slider (and a length penalty) over a step function; draws
  the search tree with summed log-probabilities and lists the finished hypotheses.
- :class:`NgramHighlighter`: a hypothesis and its references; colours the hypothesis n-grams that
  match (clipped) for the chosen n and prints each p_n, the brevity penalty and BLEU.
- :class:`CaptionBrowser`: a slider over test scenes with the generated caption (greedy and beam)
  and the attention map of each word.

Each keeps its state in plain Python (tests drive ``set``/``select``); ``.widget`` is the
ipywidgets view and ``.figure()`` draws the current state for readers of the static HTML book.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure
from torch import Tensor

from cvcourse.bleu import brevity_penalty, closest_ref_length, corpus_bleu, modified_precision
from cvcourse.data import Vocabulary, tokenize
from cvcourse.models.captioner import Captioner, StepFn
from cvcourse.models.decoding import BeamNode, beam_search
from cvcourse.viz.captioning import attention_caption, draw_beam_tree, show_attention
from cvcourse.widgets.display import SetsSeveralControls, figure_png

__all__ = ["BeamExplorer", "CaptionBrowser", "NgramHighlighter", "clipped_matches"]


class BeamExplorer(SetsSeveralControls):
    """Beam search on one step function, with the tree of kept extensions.

    Args:
        step_fn, h0 (Tensor[1, ...]), bos, eos, max_len: as for
            :func:`cvcourse.models.decoding.beam_search`.
        itos: token id -> word, for the drawing.
        beam_width: 1..5 at the start; length_penalty: 0..1.

    Attributes:
        tree (list[BeamNode]); hypotheses (list[(tokens, score)]) best first.
    """

    def __init__(
        self,
        step_fn: StepFn,
        h0: Tensor,
        bos: int,
        eos: int,
        itos: Sequence[str],
        max_len: int = 12,
        beam_width: int = 2,
        length_penalty: float = 0.0,
    ) -> None:
        self.step_fn, self.h0, self.bos, self.eos = step_fn, h0, bos, eos
        self.itos, self.max_len = list(itos), max_len
        self.width = widgets.IntSlider(value=1, min=1, max=5, description="beam width")
        self.penalty = widgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.1, description="length pen."
        )
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        for w in (self.width, self.penalty):
            w.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.width, self.penalty]), self.label, self.view]
        )
        self.tree: list[BeamNode] = []
        self.hypotheses: list[tuple[list[int], float]] = []
        self.set(beam_width=beam_width, length_penalty=length_penalty)

    def set(self, beam_width: int | None = None, length_penalty: float | None = None) -> None:
        """Change the beam width (1..5) and/or the length penalty (0..1), then search again."""
        if beam_width is not None and not 1 <= beam_width <= 5:
            raise ValueError(f"beam_width must be in [1, 5], got {beam_width}")
        if length_penalty is not None and not 0.0 <= length_penalty <= 1.0:
            raise ValueError(f"length_penalty must be in [0, 1], got {length_penalty}")
        with self._setting():
            if beam_width is not None:
                self.width.value = beam_width
            if length_penalty is not None:
                self.penalty.value = length_penalty

    def _words(self, tokens: Sequence[int]) -> str:
        return " ".join(self.itos[t] for t in tokens)

    def _update(self) -> None:
        self.tree = []
        self.hypotheses = beam_search(
            self.step_fn,
            self.h0,
            self.bos,
            self.eos,
            int(self.width.value),
            self.max_len,
            float(self.penalty.value),
            tree=self.tree,
        )
        rows = "".join(
            f"<li>{html.escape(self._words(t))} &nbsp; score {s:.3f}</li>"
            for t, s in self.hypotheses[:5]
        )
        self.label.value = f"<ol>{rows}</ol>"
        fig = self.figure()
        self.view.value = figure_png(fig)

    def best(self) -> str:
        """The best hypothesis, as words (``<eos>`` included)."""
        return self._words(self.hypotheses[0][0])

    def figure(self) -> Figure:
        fig = Figure(figsize=(11, 0.9 + 0.55 * max(2, self.width.value * 2)), layout="constrained")
        ax = fig.subplots()
        draw_beam_tree(self.tree, self.itos, self.hypotheses[0][0], ax=ax)
        ax.set_title(
            f"beam width {self.width.value}, length penalty {self.penalty.value:.1f}: "
            f"best = '{self.best()}' (score {self.hypotheses[0][1]:.3f})",
            fontsize=9,
        )
        return fig


def clipped_matches(
    references: Sequence[Sequence[str]], hypothesis: Sequence[str], n: int
) -> list[bool]:
    """For each n-gram of the hypothesis (in order), whether it counts as a match after clipping:
    the k-th occurrence of an n-gram matches if some reference holds it at least k times."""
    best: Counter[tuple[str, ...]] = Counter()
    for ref in references:
        best |= Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
    seen: Counter[tuple[str, ...]] = Counter()
    out = []
    for i in range(len(hypothesis) - n + 1):
        gram = tuple(hypothesis[i : i + n])
        seen[gram] += 1
        out.append(seen[gram] <= best[gram])
    return out


class NgramHighlighter(SetsSeveralControls):
    """Which n-grams of a hypothesis match its references, and the BLEU that follows.

    Args:
        references (list[str]); hypothesis (str); n: the n-gram order shown (1..4).
    """

    def __init__(self, references: Sequence[str], hypothesis: str, n: int = 1) -> None:
        self.refs_box = widgets.Textarea(
            value="\n".join(references), description="references", layout={"width": "60%"}
        )
        self.hyp_box = widgets.Text(
            value=hypothesis, description="hypothesis", layout={"width": "60%"}
        )
        self.order = widgets.IntSlider(value=n, min=1, max=4, description="n")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        for w in (self.refs_box, self.hyp_box, self.order):
            w.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.refs_box, self.hyp_box, self.order, self.label, self.view])
        self._update()

    def set(
        self,
        references: Sequence[str] | None = None,
        hypothesis: str | None = None,
        n: int | None = None,
    ) -> None:
        """Change any of the references, the hypothesis and the order n (1..4)."""
        if n is not None and not 1 <= n <= 4:
            raise ValueError(f"n must be in [1, 4], got {n}")
        with self._setting():
            if references is not None:
                self.refs_box.value = "\n".join(references)
            if hypothesis is not None:
                self.hyp_box.value = hypothesis
            if n is not None:
                self.order.value = n

    @property
    def references(self) -> list[list[str]]:
        refs = [tokenize(line) for line in self.refs_box.value.splitlines()]
        return [r for r in refs if r] or [[]]

    @property
    def hypothesis(self) -> list[str]:
        return tokenize(self.hyp_box.value)

    def precisions(self) -> list[tuple[int, int]]:
        """``(clipped matches, hypothesis n-grams)`` for n = 1..4."""
        return [modified_precision(self.references, self.hypothesis, n) for n in range(1, 5)]

    def brevity(self) -> float:
        hyp = self.hypothesis
        return brevity_penalty(closest_ref_length(self.references, len(hyp)), len(hyp))

    def bleu(self) -> float:
        return corpus_bleu([self.references], [self.hypothesis])

    def _update(self) -> None:
        parts = ", ".join(f"p{n} = {m}/{t}" for n, (m, t) in enumerate(self.precisions(), 1))
        self.label.value = html.escape(
            f"{parts}; brevity penalty {self.brevity():.4f}; BLEU-4 {self.bleu():.4f}"
        )
        self.view.value = figure_png(self.figure())

    def figure(self) -> Figure:
        """The hypothesis's words, with each n-gram of order n drawn as a bar: green if it
        matches a reference after clipping, red if not."""
        n, hyp = int(self.order.value), self.hypothesis
        fig = Figure(figsize=(max(5.0, 0.75 * len(hyp) + 1), 2.4), layout="constrained")
        ax = fig.subplots()
        for i, word in enumerate(hyp):
            ax.text(i, 0, word, ha="center", va="center", fontsize=10)
        for i, ok in enumerate(clipped_matches(self.references, hyp, n)):
            y = -0.35 - 0.22 * (i % 3)
            color = "tab:green" if ok else "tab:red"
            ax.plot([i - 0.35, i + n - 1 + 0.35], [y, y], color=color, lw=5, solid_capstyle="butt")
        m, t = self.precisions()[n - 1]
        ax.set_title(
            f"{n}-grams: {m} of {t} match (clipped); BP {self.brevity():.3f}, "
            f"BLEU-4 {self.bleu():.3f}",
            fontsize=9,
        )
        ax.set_xlim(-0.7, max(len(hyp), n) - 0.3)
        ax.set_ylim(-1.0, 0.4)
        ax.axis("off")
        return fig


class CaptionBrowser:
    """Test scenes one at a time: greedy and beam captions, and where the model looked.

    Args:
        model (Captioner); images (Tensor[N, 3, S, S]); references (list[list[str]]) per image.
    """

    def __init__(
        self,
        model: Captioner,
        images: Tensor,
        references: Sequence[Sequence[str]],
        index: int = 0,
        beam_width: int = 3,
    ) -> None:
        self.model, self.images, self.references = model, images, references
        self.vocab = Vocabulary.for_shapes()
        self.beam_width = beam_width
        self.slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="scene")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.slider, self.label, self.view])
        self.select(index)

    def select(self, index: int) -> None:
        """Show scene ``index``."""
        if not 0 <= index < len(self.images):
            raise ValueError(f"index must be in [0, {len(self.images) - 1}], got {index}")
        if self.slider.value != index:
            self.slider.value = index  # redraws through _on_change
        else:
            self._update()

    def _on_change(self, change: dict) -> None:
        self._update()

    @property
    def index(self) -> int:
        return int(self.slider.value)

    def _update(self) -> None:
        from cvcourse.models.train_captioner import generate  # avoids an import cycle

        image = self.images[self.index]
        self.words, self.alphas = attention_caption(self.model, image, self.vocab)
        self.greedy = " ".join(self.words)
        self.beam = generate(self.model, image[None], beam_width=self.beam_width)[0]
        refs = [tokenize(r) for r in self.references[self.index]]
        self.greedy_bleu = corpus_bleu([refs], [self.greedy.split()])
        self.label.value = html.escape(
            f"greedy: {self.greedy} (BLEU-4 {self.greedy_bleu:.3f}) | beam "
            f"{self.beam_width}: {self.beam} | reference: {self.references[self.index][0]}"
        )
        self.view.value = figure_png(self.figure())

    def figure(self) -> Figure:
        truth = self.references[self.index][0]
        return show_attention(
            self.images[self.index],
            self.words,
            self.alphas,
            columns=6,
            title=f"scene {self.index}: '{self.greedy}' (a reference: '{truth}')",
        )
