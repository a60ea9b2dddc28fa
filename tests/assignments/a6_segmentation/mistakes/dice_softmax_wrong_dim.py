"""Mistake: softmax over dim 0 (the images of the batch) instead of dim 1 (the classes)."""

NAMES = "softmax over the wrong dimension"
LOSES = ["test_dice_loss"]
CELLS = {
    "dice_loss": """
def dice_loss(logits, target, eps=1e-6):
    p = logits.softmax(dim=0)
    g = one_hot_mask(target, logits.shape[1]).to(p.dtype)
    inter = (p * g).sum(dim=(2, 3))
    denominator = (p * p).sum(dim=(2, 3)) + (g * g).sum(dim=(2, 3))
    return 1 - ((2 * inter + eps) / (denominator + eps)).mean()
"""
}
