"""Mistake: the brevity penalty written exp(1 - c/r) instead of exp(1 - r/c)."""

NAMES = "brevity penalty exp(1 - c/r)"
LOSES = ["test_bleu_examples", "test_bleu_random"]
CELLS = {
    "bleu": """
def bleu(references, hypothesis, max_n=4):
    c = len(hypothesis)
    log_sum = 0.0
    for n in range(1, max_n + 1):
        counts = Counter(tuple(hypothesis[i:i + n]) for i in range(c - n + 1))
        most = Counter()
        for reference in references:
            most |= Counter(tuple(reference[i:i + n]) for i in range(len(reference) - n + 1))
        matches = sum(min(k, most[g]) for g, k in counts.items())
        if matches == 0:
            return 0.0
        log_sum += math.log(matches / max(1, sum(counts.values())))
    r = min((len(x) for x in references), key=lambda length: (abs(length - c), length))
    penalty = 1.0 if c > r else math.exp(1 - c / r)  # the mistake: c/r instead of r/c
    return penalty * math.exp(log_sum / max_n)
"""
}
