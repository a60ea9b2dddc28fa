"""Mistake: the content target is not detached, so a gradient flows into it."""

NAMES = "no gradient reaches the target fc"
LOSES = ["test_content_loss_gradient"]
CELLS = {
    "content_loss": """
def content_loss(fx, fc):
    return ((fx - fc) ** 2).mean()
"""
}
