"""Mistake: both sides detached: the value is right, but no gradient reaches the image."""

NAMES = "backward through content_loss works"
LOSES = ["test_content_loss_gradient"]
CELLS = {
    "content_loss": """
def content_loss(fx, fc):
    return ((fx.detach() - fc.detach()) ** 2).mean()
"""
}
