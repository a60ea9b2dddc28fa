"""Mistake: the gradient of the loss 1 - D instead of the coefficient D (the sign is flipped)."""

NAMES = "sign flipped"
LOSES = ["test_dice_grad"]
CELLS = {
    "dice_grad": """
def dice_grad(p, g):
    g = g.to(p.dtype)
    s = (p * p).sum() + (g * g).sum()
    return -2 * (g * s - 2 * p * (p * g).sum()) / s**2
"""
}
