"""Mistake: the squared Gram differences are summed, not averaged, per layer."""

NAMES = "sum of squares instead of the mean"
LOSES = ["test_style_loss"]
CELLS = {
    "style_loss": """
def style_loss(fxs, grams, weights):
    total = 0.0
    for f, target, weight in zip(fxs, grams, weights):
        total = total + weight * ((gram_matrix(f) - target.detach()) ** 2).sum()
    return total
"""
}
