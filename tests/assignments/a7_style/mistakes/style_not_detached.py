"""Mistake: the target Grams are not detached, so a gradient flows into them."""

NAMES = "no gradient reaches the target Grams"
LOSES = ["test_style_loss_gradient"]
CELLS = {
    "style_loss": """
def style_loss(fxs, grams, weights):
    total = 0.0
    for f, target, weight in zip(fxs, grams, weights):
        total = total + weight * ((gram_matrix(f) - target) ** 2).mean()
    return total
"""
}
