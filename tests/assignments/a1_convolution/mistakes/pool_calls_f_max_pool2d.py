"""Mistake (delegation): F.max_pool2d; refused by the scan, every max_pool2d cell is lost."""

NAMES = "uses torch.nn.functional.max_pool2d"
LOSES = [
    "test_max_pool2d_basic",
    "test_max_pool2d_padding",
    "test_max_pool2d_indices",
    "test_max_pool2d_random",
]
CELLS = {
    "max_pool2d": """
import torch.nn.functional as F


def max_pool2d(x, k, stride=None, padding=0, return_indices=False):
    return F.max_pool2d(x, k, stride, padding, return_indices=return_indices)
""",
}
