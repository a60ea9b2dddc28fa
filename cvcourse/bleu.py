"""BLEU (Papineni et al. 2002): clipped n-gram precision with a brevity penalty.

The numbers agree with ``nltk.translate.bleu_score`` (``sentence_bleu`` and ``corpus_bleu`` with
uniform weights and no smoothing) to within 1e-9; the tests check that on random corpora.

* Clipping: a hypothesis n-gram counts as matched at most as often as it occurs in the one
  reference that has it most often, so "a a a a" cannot score by repeating a common word.
* Brevity penalty: precision alone rewards short outputs, so a hypothesis of total length ``c``
  shorter than its references' ``r`` is multiplied by ``exp(1 - r / c)``. Per sentence, ``r`` is
  the reference length closest to the hypothesis length (the shorter one on a tie).
* Corpus BLEU pools the clipped counts, the n-gram totals and the lengths over all sentences before
  taking the ratios: it is *not* the mean of sentence BLEUs.

When some precision is 0 (no matching 4-gram, say) BLEU is 0: nltk then returns a number below
1e-70 and warns, which this module does not repeat.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["bleu", "brevity_penalty", "closest_ref_length", "corpus_bleu", "modified_precision"]


def ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """How often each n-gram (a tuple of ``n`` words) occurs in ``words``."""
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def modified_precision(
    references: Sequence[Sequence[str]], hypothesis: Sequence[str], n: int
) -> tuple[int, int]:
    """Clipped n-gram matches and the number of hypothesis n-grams (at least 1, as nltk).

    Returns:
        ``(clipped, total)``: ``sum over n-grams g of min(count_hyp(g), max_ref count_ref(g))``
        and ``max(1, number of n-grams of the hypothesis)``.
    """
    counts = ngrams(hypothesis, n)
    max_ref: Counter[tuple[str, ...]] = Counter()
    for reference in references:
        max_ref |= ngrams(reference, n)  # | keeps the larger count of each n-gram
    clipped = sum(min(count, max_ref[gram]) for gram, count in counts.items())
    return clipped, max(1, sum(counts.values()))


def closest_ref_length(references: Sequence[Sequence[str]], hyp_len: int) -> int:
    """The reference length closest to ``hyp_len``; the shorter one on a tie."""
    return min((len(r) for r in references), key=lambda length: (abs(length - hyp_len), length))


def brevity_penalty(ref_len: int, hyp_len: int) -> float:
    """1 if ``hyp_len > ref_len``, 0 if ``hyp_len == 0``, else ``exp(1 - ref_len / hyp_len)``."""
    if hyp_len > ref_len:
        return 1.0
    if hyp_len == 0:
        return 0.0
    return math.exp(1 - ref_len / hyp_len)


def corpus_bleu(
    list_of_references: Sequence[Sequence[Sequence[str]]],
    hypotheses: Sequence[Sequence[str]],
    max_n: int = 4,
) -> float:
    """Corpus BLEU with uniform weights ``1 / max_n`` and no smoothing.

    Args:
        list_of_references: for each sentence, its references, each a list of words.
        hypotheses: for each sentence, the hypothesis, a list of words.
        max_n: the longest n-gram (4 for BLEU-4).

    Returns:
        ``BP * exp(sum_n log(p_n) / max_n)`` with ``p_n`` = pooled clipped matches / pooled
        n-grams, in [0, 1].
    """
    if len(list_of_references) != len(hypotheses):
        raise ValueError(
            f"{len(list_of_references)} sets of references but {len(hypotheses)} hypotheses"
        )
    if max_n < 1:
        raise ValueError(f"max_n must be >= 1, got {max_n}")
    matches, totals = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for references, hypothesis in zip(list_of_references, hypotheses, strict=True):
        if not references:
            raise ValueError("every hypothesis needs at least one reference")
        for n in range(1, max_n + 1):
            clipped, total = modified_precision(references, hypothesis, n)
            matches[n - 1] += clipped
            totals[n - 1] += total
        hyp_len += len(hypothesis)
        ref_len += closest_ref_length(references, len(hypothesis))
    if min(matches) == 0:
        return 0.0
    log_precision = math.fsum(math.log(m / t) for m, t in zip(matches, totals, strict=True))
    return brevity_penalty(ref_len, hyp_len) * math.exp(log_precision / max_n)


def bleu(references: Sequence[Sequence[str]], hypothesis: Sequence[str], max_n: int = 4) -> float:
    """Sentence BLEU: :func:`corpus_bleu` of a corpus of one sentence (as nltk computes it).

    >>> ref = "a red circle and a green square".split()
    >>> round(bleu([ref], "a red circle and a blue square".split()), 5)
    0.64346
    """
    return corpus_bleu([references], [hypothesis], max_n=max_n)
