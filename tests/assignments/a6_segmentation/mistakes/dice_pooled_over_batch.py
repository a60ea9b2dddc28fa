"""Mistake: Dice summed over the batch as well (one D per class), not per (image, class)."""

NAMES = "Dice pooled over the batch"
LOSES = ["test_dice_loss"]
CELLS = {
    "dice_loss": """
def dice_loss(logits, target, eps=1e-6):
    p = logits.softmax(dim=1)
    g = one_hot_mask(target, logits.shape[1]).to(p.dtype)
    inter = (p * g).sum(dim=(0, 2, 3))
    denominator = (p * p).sum(dim=(0, 2, 3)) + (g * g).sum(dim=(0, 2, 3))
    return 1 - ((2 * inter + eps) / (denominator + eps)).mean()
"""
}
