"""Mistake (delegation): F.conv2d gives exactly the right values, but the assignment asks for
the computation itself; the grader's scan refuses it, and every conv2d cell is lost."""

NAMES = "uses torch.nn.functional.conv2d"
LOSES = [
    "test_conv2d_sum",
    "test_conv2d_bias",
    "test_conv2d_stride_padding_dilation",
    "test_conv2d_groups",
    "test_conv2d_random",
    "test_conv2d_speed",
]
CELLS = {
    "conv2d": """
import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    return F.conv2d(x, w, b, stride, padding, dilation, groups)
""",
}
