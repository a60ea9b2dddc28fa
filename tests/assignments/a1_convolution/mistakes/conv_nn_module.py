"""Mistake (delegation): an nn.Conv2d layer with the given weights; refused by the scan."""

NAMES = "uses torch.nn.Conv2d"
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
import torch
from torch import nn


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    cin, cout, size = x.shape[1], w.shape[0], tuple(w.shape[-2:])
    layer = nn.Conv2d(cin, cout, size, stride, padding, dilation, groups, bias=b is not None)
    layer = layer.to(x.dtype)
    with torch.no_grad():
        layer.weight.copy_(w)
        if b is not None:
            layer.bias.copy_(b)
        return layer(x)
""",
}
