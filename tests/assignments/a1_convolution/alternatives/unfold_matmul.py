"""Alternative: conv2d as F.unfold (im2col) and one batched matrix product per group;
max_pool2d as F.unfold of the -inf padded input and a max over each column;
conv_output_size with math.floor. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "conv_output_size": """
import math


def conv_output_size(size, k, s=1, p=0, d=1):
    return math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1
""",
    "conv2d": """
import torch
import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    n, cin, h, width = x.shape
    cout, cin_g, kh, kw = w.shape
    stride, padding, dilation = (
        (v, v) if isinstance(v, int) else tuple(v) for v in (stride, padding, dilation)
    )
    ho = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
    wo = conv_output_size(width, kw, stride[1], padding[1], dilation[1])
    # [N, Cin*kh*kw, L]: one column per output position
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    cols = cols.view(n, groups, cin_g * kh * kw, ho * wo)  # the channels of a group are consecutive
    out = torch.matmul(w.view(groups, cout // groups, cin_g * kh * kw), cols)  # [N, G, Cout/G, L]
    out = out.view(n, cout, ho, wo)
    if b is not None:
        out = out + b[None, :, None, None]
    return out
""",
    "max_pool2d": """
import torch
import torch.nn.functional as F


def max_pool2d(x, k, stride=None, padding=0, return_indices=False):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    kh, kw = pair(k)
    sh, sw = pair(k if stride is None else stride)
    ph, pw = pair(padding)
    n, c, h, width = x.shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(width, kw, sw, pw)
    xp = F.pad(x, (pw, pw, ph, ph), value=float("-inf"))
    cols = F.unfold(xp.reshape(n * c, 1, h + 2 * ph, width + 2 * pw), (kh, kw), stride=(sh, sw))
    values, where = cols.max(dim=1)  # [N*C, L], the first maximum of each window
    values = values.view(n, c, ho, wo)
    if not return_indices:
        return values
    start_r = (torch.arange(ho) * sh - ph).repeat_interleave(wo)  # [L]
    start_c = (torch.arange(wo) * sw - pw).repeat(ho)
    flat = (start_r + where // kw) * width + start_c + where % kw
    return values, flat.view(n, c, ho, wo).to(torch.int64)
""",
}
