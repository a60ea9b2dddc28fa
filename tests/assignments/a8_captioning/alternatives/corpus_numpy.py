"""Alternative: corpus_bleu with numpy arrays of per-sentence statistics (matches and totals per n)
summed over the corpus. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "corpus_bleu": """
import numpy as np


def _stats(references, hypothesis, max_n):
    row = np.zeros((2, max_n), dtype=np.int64)
    for n in range(1, max_n + 1):
        hyp = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1))
        refs = [Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1)) for r in references]
        row[0, n - 1] = sum(min(k, max(ref[g] for ref in refs)) for g, k in hyp.items())
        row[1, n - 1] = max(1, sum(hyp.values()))
    lengths = sorted(len(r) for r in references)
    closest = min(lengths, key=lambda length: abs(length - len(hypothesis)))
    return row, len(hypothesis), closest


def corpus_bleu(list_of_references, hypotheses, max_n=4):
    counts = np.zeros((2, max_n), dtype=np.int64)
    c = r = 0
    for references, hypothesis in zip(list_of_references, hypotheses):
        row, hyp_len, ref_len = _stats(references, hypothesis, max_n)
        counts += row
        c += hyp_len
        r += ref_len
    if (counts[0] == 0).any():
        return 0.0
    bp = 1.0 if c > r else float(np.exp(1 - r / c))
    return bp * float(np.exp(np.log(counts[0] / counts[1]).mean()))
"""
}
