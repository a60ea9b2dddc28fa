"""Mistake: -log p_t computed as log(sigmoid(x)): p = 1.0 in float32 at x = 30 gives log(0)."""

NAMES = "log(sigmoid(x)) computed directly"
LOSES = ["test_focal_loss"]
CELLS = {
    "focal_loss": """
def focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    p = torch.sigmoid(logits)
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = -torch.log(p_t) * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]
"""
}
