"""Mistake: BLEU without clipping: every hypothesis n-gram that occurs in some reference counts,
however often it is repeated."""

NAMES = "no n-gram clipping"
LOSES = ["test_bleu_examples", "test_bleu_random"]
CELLS = {
    "bleu": """
def bleu(references, hypothesis, max_n=4):
    c = len(hypothesis)
    log_sum = 0.0
    for n in range(1, max_n + 1):
        grams = [tuple(hypothesis[i:i + n]) for i in range(c - n + 1)]
        found = {tuple(r[i:i + n]) for r in references for i in range(len(r) - n + 1)}
        matches = sum(g in found for g in grams)  # the mistake: no clipping
        if matches == 0:
            return 0.0
        log_sum += math.log(matches / max(1, len(grams)))
    r = min((len(x) for x in references), key=lambda length: (abs(length - c), length))
    return (1.0 if c > r else math.exp(1 - r / c)) * math.exp(log_sum / max_n)
"""
}
