"""Mistake: only the first reference is used (for the counts and the length)."""

NAMES = "only the first reference used"
LOSES = ["test_bleu_examples", "test_bleu_random"]
CELLS = {
    "bleu": """
def bleu(references, hypothesis, max_n=4):
    reference = references[0]  # the mistake: the other references are ignored
    c, r = len(hypothesis), len(reference)
    log_sum = 0.0
    for n in range(1, max_n + 1):
        counts = Counter(tuple(hypothesis[i:i + n]) for i in range(c - n + 1))
        ref_counts = Counter(tuple(reference[i:i + n]) for i in range(r - n + 1))
        matches = sum(min(k, ref_counts[g]) for g, k in counts.items())
        if matches == 0:
            return 0.0
        log_sum += math.log(matches / max(1, sum(counts.values())))
    return (1.0 if c > r else math.exp(1 - r / c)) * math.exp(log_sum / max_n)
"""
}
