"""Mistake: alpha weighs the negatives and 1 - alpha the positives."""

NAMES = "alpha applied to negatives"
LOSES = ["test_focal_loss"]
CELLS = {
    "focal_loss": """
def focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = ((1 - alpha) * targets + alpha * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]
"""
}
