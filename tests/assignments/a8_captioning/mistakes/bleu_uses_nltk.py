"""Mistake: bleu delegates to nltk's sentence_bleu. The sandbox cannot import nltk and the
grader's scan refuses it (the notebook's forbidden_calls), so every bleu cell is lost."""

NAMES = "uses nltk"
LOSES = ["test_bleu_examples", "test_bleu_random"]
CELLS = {
    "bleu": """
import nltk


def bleu(references, hypothesis, max_n=4):
    weights = (1 / max_n,) * max_n
    return nltk.translate.bleu_score.sentence_bleu(references, hypothesis, weights=weights)
"""
}
