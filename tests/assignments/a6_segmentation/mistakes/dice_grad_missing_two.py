"""Mistake: d(sum p^2)/dp_j taken as p_j instead of 2 p_j."""

NAMES = "instead of 2 p_j"
LOSES = ["test_dice_grad"]
CELLS = {
    "dice_grad": """
def dice_grad(p, g):
    g = g.to(p.dtype)
    s = (p * p).sum() + (g * g).sum()
    return 2 * (g * s - p * (p * g).sum()) / s**2
"""
}
