"""Alternative: conv2d as one einsum over an as_strided view of every window (no Python loop);
max_pool2d as a loop over the window offsets keeping a running maximum and its position
(strictly greater replaces, so ties keep the first); conv_output_size with int() of a
true division (the numerator is never negative). Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    return int((size + 2 * p - d * (k - 1) - 1) / s) + 1
""",
    "conv2d": """
import torch
import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    xp = F.pad(x, (pw, pw, ph, ph)).contiguous()
    n, cin, hp, wp = xp.shape
    cout, cin_g, kh, kw = w.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    s_n, s_c, s_h, s_w = xp.stride()
    windows = xp.as_strided(
        (n, groups, cin_g, ho, wo, kh, kw),
        (s_n, cin_g * s_c, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw),
    )
    kernels = w.view(groups, cout // groups, cin_g, kh, kw)
    out = torch.einsum("ngchwab,gocab->ngohw", windows, kernels)
    out = out.reshape(n, cout, ho, wo)
    return out if b is None else out + b.view(1, -1, 1, 1)
""",
    "max_pool2d": """
import torch
import torch.nn.functional as F


def max_pool2d(x, k, stride=None, padding=0, return_indices=False):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (kh, kw), (ph, pw) = pair(k), pair(padding)
    sh, sw = pair(k if stride is None else stride)
    n, c, h, width = x.shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(width, kw, sw, pw)
    xp = F.pad(x, (pw, pw, ph, ph), value=float("-inf"))
    best = torch.full((n, c, ho, wo), float("-inf"), dtype=x.dtype)
    where = torch.zeros((n, c, ho, wo), dtype=torch.int64)
    rows0 = (torch.arange(ho) * sh - ph).view(ho, 1)
    cols0 = (torch.arange(wo) * sw - pw).view(1, wo)
    for a in range(kh):
        for e in range(kw):
            v = xp[:, :, a: a + (ho - 1) * sh + 1: sh, e: e + (wo - 1) * sw + 1: sw]
            better = v > best
            if a == 0 and e == 0:
                better = torch.ones_like(better)
            best = torch.where(better, v, best)
            where = torch.where(better, (rows0 + a) * width + cols0 + e, where)
    return (best, where) if return_indices else best
""",
}
