"""BLEU agrees with nltk (sentence and corpus, uniform weights, no smoothing) to within 1e-9."""

from __future__ import annotations

import random
import warnings

import pytest
from nltk.translate import bleu_score as nltk_bleu

from cvcourse.bleu import brevity_penalty, closest_ref_length, modified_precision
from cvcourse.metrics import bleu, corpus_bleu

REF = "a red circle and a green square".split()


def nltk_sentence(references, hypothesis, max_n=4):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when some n-gram order has no match
        return nltk_bleu.sentence_bleu(references, hypothesis, weights=(1 / max_n,) * max_n)


def nltk_corpus(list_of_references, hypotheses, max_n=4):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nltk_bleu.corpus_bleu(list_of_references, hypotheses, weights=(1 / max_n,) * max_n)


def random_sentence(
    rng: random.Random, words: list[str], low: int = 0, high: int = 12
) -> list[str]:
    return [rng.choice(words) for _ in range(rng.randint(low, high))]


def test_worked_examples() -> None:
    # p_n = 6/7, 4/6, 3/5, 2/4 and no brevity penalty: (6/7 * 4/6 * 3/5 * 2/4) ** (1/4).
    hyp = "a red circle and a blue square".split()
    assert bleu([REF], hyp) == pytest.approx((6 / 7 * 4 / 6 * 3 / 5 * 2 / 4) ** 0.25, abs=1e-12)
    assert round(bleu([REF], hyp), 5) == 0.64346
    # "a a a a": clipped p1 = 2/4, brevity penalty exp(1 - 7/4).
    assert bleu([REF], ["a"] * 4, max_n=1) == pytest.approx(0.5 * 2.718281828459045**-0.75)
    assert round(bleu([REF], ["a"] * 4, max_n=1), 5) == 0.23618


def test_parts() -> None:
    assert modified_precision([REF], ["a"] * 4, 1) == (2, 4)
    assert modified_precision([REF], [], 2) == (0, 1)  # nltk's denominator is at least 1
    assert closest_ref_length([["x"] * 3, ["x"] * 5], 4) == 3  # a tie goes to the shorter
    assert brevity_penalty(5, 6) == 1.0 and brevity_penalty(5, 0) == 0.0
    assert brevity_penalty(7, 4) == pytest.approx(2.718281828459045**-0.75)


def test_identity_and_no_match() -> None:
    assert bleu([REF], REF) == 1.0
    assert bleu([REF], "no shapes here at all".split()) == 0.0
    assert corpus_bleu([[REF]], [[]]) == 0.0


def test_multiple_references_take_the_best_count() -> None:
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    hyp = "the the the the the the the".split()
    assert modified_precision(refs, hyp, 1) == (2, 7)
    assert bleu(refs, hyp) == pytest.approx(nltk_sentence(refs, hyp), abs=1e-9)


@pytest.mark.parametrize("max_n", [1, 2, 3, 4])
def test_sentence_bleu_matches_nltk(max_n: int) -> None:
    rng = random.Random(max_n)
    words = "a b c d e f".split()  # a small vocabulary, so that n-grams repeat and match
    for _ in range(300):
        refs = [random_sentence(rng, words, 1) for _ in range(rng.randint(1, 4))]
        hyp = random_sentence(rng, words)
        assert bleu(refs, hyp, max_n) == pytest.approx(nltk_sentence(refs, hyp, max_n), abs=1e-9)


def test_corpus_bleu_matches_nltk_and_is_not_the_mean() -> None:
    rng = random.Random(0)
    words = "a b c d".split()
    differs = 0
    for _ in range(100):
        size = rng.randint(2, 8)
        refs = [
            [random_sentence(rng, words, 1) for _ in range(rng.randint(1, 3))] for _ in range(size)
        ]
        hyps = [random_sentence(rng, words, 2) for _ in range(size)]
        got = corpus_bleu(refs, hyps)
        assert got == pytest.approx(nltk_corpus(refs, hyps), abs=1e-9)
        mean = sum(bleu(r, h) for r, h in zip(refs, hyps, strict=True)) / size
        differs += abs(got - mean) > 1e-6
    assert differs > 20  # pooled counts are not a mean of ratios


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="hypotheses"):
        corpus_bleu([[REF]], [])
    with pytest.raises(ValueError, match="reference"):
        corpus_bleu([[]], [REF])
