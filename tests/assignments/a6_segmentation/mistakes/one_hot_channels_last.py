"""Mistake: F.one_hot's [N, H, W, K] layout returned without moving the class axis to dim 1."""

NAMES = "class axis last"
LOSES = ["test_one_hot_mask"]
CELLS = {
    "one_hot_mask": """
def one_hot_mask(labels, K):
    return F.one_hot(labels, K).float()
"""
}
