"""The captioner, its decoders and its training helpers: shapes, decoding rules, references."""

from __future__ import annotations

import math

import pytest
import torch

from cvcourse.data import Vocabulary
from cvcourse.models.captioner import Captioner
from cvcourse.models.decoding import BeamNode, beam_search, greedy_decode, sample_decode, table_step
from cvcourse.models.train_captioner import (
    CaptionerTrainer,
    caption_data,
    evaluate_bleu,
    generate,
    load_captioner,
    reference_captions,
    save_captioner,
)

# The chapter's toy model: tokens <bos>=0, <eos>=1, A=2, B=3, C=4.
TOY = torch.tensor(
    [
        [0.0, 0.1, 0.5, 0.4, 0.0],
        [0.0, 1.0, 0.0, 0.0, 0.0],
        [0.0, 0.3, 0.0, 0.3, 0.4],
        [0.0, 0.1, 0.0, 0.0, 0.9],
        [0.0, 1.0, 0.0, 0.0, 0.0],
    ]
)


def toy():
    return table_step(TOY.log()), torch.zeros(1, 1)


def test_greedy_vs_beam_on_the_toy() -> None:
    step, h0 = toy()
    assert greedy_decode(step, h0, 0, 1, 5).tolist() == [[2, 4, 1]]  # A C <eos>, p = 0.2
    best, score = beam_search(step, h0, 0, 1, beam_width=2, max_len=5)[0]
    assert best == [3, 4, 1] and math.exp(score) == pytest.approx(0.36)


def test_beam_width_one_is_greedy_and_length_penalty() -> None:
    step, h0 = toy()
    assert beam_search(step, h0, 0, 1, 1, 5)[0][0] == greedy_decode(step, h0, 0, 1, 5)[0].tolist()
    plain = dict((tuple(t), s) for t, s in beam_search(step, h0, 0, 1, 5, 5))
    scaled = dict((tuple(t), s) for t, s in beam_search(step, h0, 0, 1, 5, 5, length_penalty=1.0))
    assert plain[(1,)] == pytest.approx(math.log(0.1))
    assert scaled[(2, 1)] == pytest.approx(math.log(0.15) / 2)  # length counts <eos>, not <bos>
    for hyps in (plain, scaled):  # finished hypotheses are never extended: each ends with <eos>
        assert all(t[-1] == 1 and 1 not in t[:-1] for t in hyps)


def test_beam_tree_and_max_len() -> None:
    step, h0 = toy()
    tree: list[BeamNode] = []
    beam_search(step, h0, 0, 1, 2, 5, tree=tree)
    assert [(n.step, n.token) for n in tree[:2]] == [(1, 2), (1, 3)]
    assert all(n.parent < i for i, n in enumerate(tree))
    cut = beam_search(step, h0, 0, 1, 2, max_len=1)  # alive hypotheses at max_len count too
    assert sorted(t for t, _ in cut) == [[2], [3]]


def test_greedy_stops_when_every_row_is_done() -> None:
    step = table_step(TOY.log())
    out = greedy_decode(step, torch.zeros(3, 1), 0, 1, max_len=10)
    assert out.shape == (3, 3) and (out[:, -1] == 1).all()
    drawn = sample_decode(step, torch.zeros(4, 1), 0, 1, 10, 1.0, torch.Generator().manual_seed(0))
    assert ((drawn == 1).any(dim=1)).all()


def test_reference_captions() -> None:
    refs = reference_captions("a small red circle left of a large blue square")
    assert refs == [
        "a small red circle left of a large blue square",
        "a large blue square right of a small red circle",
    ]
    assert reference_captions("a small red circle") == ["a small red circle"]
    three = reference_captions("a small red circle above a large blue square and a small red cross")
    assert len(three) == 4 and len(set(three)) == 4


def test_model_shapes_training_and_checkpoint(tmp_path) -> None:
    torch.manual_seed(0)
    data = caption_data(16, "train")
    vocab = Vocabulary.for_shapes()
    model = Captioner(len(vocab))
    assert model(data.images, data.tokens).shape == (16, data.tokens.shape[1] - 1, len(vocab))
    features, h0 = model.encode(data.images)
    assert features.shape == (16, 64, 64) and h0.shape == (16, 128)
    trainer = CaptionerTrainer(data, steps=4, batch_size=8)
    trainer.run(2)
    trainer.run()
    assert len(trainer.losses) == 4 and all(math.isfinite(x) for x in trainer.losses)
    captions = generate(trainer.model, data.images[:2], beam_width=2)
    assert len(captions) == 2 and 0.0 <= evaluate_bleu(captions, data.references[:2]) <= 1.0
    save_captioner(trainer.model, tmp_path / "c.pt", steps=4)
    loaded, info = load_captioner(tmp_path / "c.pt")
    assert info == {"steps": 4}
    with torch.no_grad():
        a = loaded.encode(data.images[:2])[1]
        b = trainer.model.encode(data.images[:2])[1]
    assert torch.allclose(a, b, atol=1e-2)  # half-precision weights


def test_beam_search_on_a_model_with_gradients_warns_nothing() -> None:
    import warnings

    torch.manual_seed(0)
    model = Captioner(len(Vocabulary.for_shapes()))
    features, h0 = model.encode(torch.rand(1, 3, 32, 32))  # keeps the autograd graph
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hyps = beam_search(model.step_fn(features), h0, 1, 2, beam_width=2, max_len=3)
    assert hyps and all(isinstance(score, float) for _, score in hyps)
