"""Mistake: the loss is overwritten in the loop, not accumulated: only the last layer counts."""

NAMES = "only the last layer counted"
LOSES = ["test_style_loss", "test_style_loss_gradient"]
CELLS = {
    "style_loss": """
def style_loss(fxs, grams, weights):
    for f, target, weight in zip(fxs, grams, weights):
        total = weight * ((gram_matrix(f) - target.detach()) ** 2).mean()
    return total
"""
}
