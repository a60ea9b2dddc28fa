"""Alternative: bleu with explicit helper functions (n-gram counter, clipped counts, closest
reference length) and Python's fractions for the precisions. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "bleu": """
from fractions import Fraction


def _grams(words, n):
    return Counter(zip(*(words[i:] for i in range(n))))


def _clipped(references, hypothesis, n):
    hyp = _grams(hypothesis, n)
    ceiling = {}
    for reference in references:
        for gram, count in _grams(reference, n).items():
            ceiling[gram] = max(ceiling.get(gram, 0), count)
    clipped = sum(min(count, ceiling.get(gram, 0)) for gram, count in hyp.items())
    return clipped, max(1, sum(hyp.values()))


def bleu(references, hypothesis, max_n=4):
    precisions = [Fraction(*_clipped(references, hypothesis, n)) for n in range(1, max_n + 1)]
    if any(p == 0 for p in precisions):
        return 0.0
    c = len(hypothesis)
    r = sorted(len(reference) for reference in references)
    r = min(r, key=lambda length: abs(length - c))  # sorted, so a tie gives the shorter one
    bp = 1.0 if c > r else math.exp(1.0 - r / c)
    return bp * math.exp(sum(math.log(p) for p in precisions) / max_n)
"""
}
