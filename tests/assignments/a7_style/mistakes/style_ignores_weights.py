"""Mistake: the layer weights are ignored (every layer counts once)."""

NAMES = "the layer weights ignored"
LOSES = ["test_style_loss"]
CELLS = {
    "style_loss": """
def style_loss(fxs, grams, weights):
    return sum(((gram_matrix(f) - g.detach()) ** 2).mean() for f, g in zip(fxs, grams))
"""
}
