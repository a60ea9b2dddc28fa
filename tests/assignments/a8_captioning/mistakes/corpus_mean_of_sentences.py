"""Mistake: corpus BLEU computed as the mean of the sentences' BLEU (with the student's own,
correct, bleu)."""

NAMES = "corpus BLEU as the mean of sentence BLEUs"
LOSES = ["test_corpus_bleu_examples", "test_corpus_bleu_random"]
CELLS = {
    "corpus_bleu": """
def corpus_bleu(list_of_references, hypotheses, max_n=4):
    scores = [bleu(r, h, max_n) for r, h in zip(list_of_references, hypotheses)]
    return sum(scores) / len(scores)  # the mistake: a mean of ratios, not a ratio of sums
"""
}
