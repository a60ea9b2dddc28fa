"""Mistake: the sum of squared differences instead of their mean."""

NAMES = "sum of squares instead of the mean"
LOSES = ["test_content_loss", "test_content_loss_gradient"]
CELLS = {
    "content_loss": """
def content_loss(fx, fc):
    return ((fx - fc.detach()) ** 2).sum()
"""
}
