"""Mistake: the Dice coefficient returned as the loss (it must be 1 - D: lower is better)."""

NAMES = "returns D instead of 1 - D"
LOSES = ["test_dice_loss"]
CELLS = {
    "dice_loss": """
def dice_loss(logits, target, eps=1e-6):
    p = logits.softmax(dim=1)
    g = one_hot_mask(target, logits.shape[1]).to(p.dtype)
    inter = (p * g).sum(dim=(2, 3))
    denominator = (p * p).sum(dim=(2, 3)) + (g * g).sum(dim=(2, 3))
    return ((2 * inter + eps) / (denominator + eps)).mean()
"""
}
