"""The captioning chapter's explorers and figures, driven through their setters."""

from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

from cvcourse.data import Vocabulary
from cvcourse.models.captioner import Captioner
from cvcourse.models.decoding import table_step
from cvcourse.models.train_captioner import caption_data
from cvcourse.viz.captioning import draw_attention_model
from cvcourse.widgets.captioning import (
    BeamExplorer,
    CaptionBrowser,
    NgramHighlighter,
    clipped_matches,
)
from tests.test_captioner import TOY


def test_beam_explorer_widths() -> None:
    words = ["<bos>", "<eos>", "A", "B", "C"]
    explorer = BeamExplorer(table_step(TOY.log()), torch.zeros(1, 1), 0, 1, words, max_len=5)
    explorer.set(beam_width=1)
    assert explorer.best() == "A C <eos>"
    explorer.set(beam_width=2)
    assert explorer.best() == "B C <eos>"
    assert len({n.step for n in explorer.tree}) == 3
    assert isinstance(explorer.figure(), Figure) and explorer.view.value
    with pytest.raises(ValueError):
        explorer.set(beam_width=9)


def test_ngram_highlighter() -> None:
    hl = NgramHighlighter(["a red circle and a green square"], "a red circle and a blue square")
    assert hl.precisions() == [(6, 7), (4, 6), (3, 5), (2, 4)]
    assert round(hl.bleu(), 5) == 0.64346
    hl.set(hypothesis="a a a a", n=1)
    assert hl.precisions()[0] == (2, 4) and hl.brevity() == pytest.approx(0.47237, abs=1e-5)
    assert "p1 = 2/4" in hl.label.value
    assert isinstance(hl.figure(), Figure)
    assert clipped_matches([["a", "b"]], ["a", "a", "b"], 1) == [True, False, True]


def test_caption_browser_and_diagram() -> None:
    torch.manual_seed(0)
    data = caption_data(3, "test")
    browser = CaptionBrowser(
        Captioner(len(Vocabulary.for_shapes())).eval(), data.images, data.references, beam_width=2
    )
    browser.select(2)
    assert browser.index == 2 and len(browser.alphas) == len(browser.words)
    assert torch.allclose(browser.alphas.sum(1), torch.ones(len(browser.words)))
    assert isinstance(browser.figure(), Figure) and browser.view.value
    assert isinstance(draw_attention_model(), Figure)
