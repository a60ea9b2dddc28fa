"""Mistake: a loop over the groups that slices the filters (and biases) of group i with the
input block's size, w[i*Cin/g:(i+1)*Cin/g], instead of the output block's, w[i*Cout/g:...].
Right when Cin == Cout, wrong (fewer or more output channels) otherwise, with groups=1 too."""

NAMES = "sliced as w[i*Cin/g"
LOSES = [
    "test_conv2d_sum",
    "test_conv2d_bias",
    "test_conv2d_stride_padding_dilation",
    "test_conv2d_groups",
    "test_conv2d_random",
]
CELLS = {
    "conv2d": """
import torch
import torch.nn.functional as F


def _single(x, w, stride, padding, dilation):
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    kh, kw = w.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    ho = (xp.shape[-2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[-1] - dw * (kw - 1) - 1) // sw + 1
    out = 0
    for a in range(kh):
        for e in range(kw):
            rows = slice(a * dh, a * dh + (ho - 1) * sh + 1, sh)
            cols = slice(e * dw, e * dw + (wo - 1) * sw + 1, sw)
            shifted = xp[:, :, rows, cols]
            out = out + torch.einsum("nchw,oc->nohw", shifted, w[:, :, a, e])
    return out


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    cin_g = x.shape[1] // groups
    parts = []
    for i in range(groups):
        block = slice(i * cin_g, (i + 1) * cin_g)  # the mistake: also used for the filters
        y = _single(x[:, block], w[block], pair(stride), pair(padding), pair(dilation))
        parts.append(y if b is None else y + b[block].view(1, -1, 1, 1))
    return torch.cat(parts, dim=1)
""",
}
