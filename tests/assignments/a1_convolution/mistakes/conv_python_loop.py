"""Mistake (speed): six nested Python loops (image, filter, output row, output column, kernel
row, kernel column), vectorized only over the input channels of a group. The values are
right; the speed test stops it far over its allowance."""

NAMES = "too slow"
LOSES = [
    "test_conv2d_speed",
]
CELLS = {
    "conv2d": """
import torch
import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    n, cin, h, width = x.shape
    cout, cin_g, kh, kw = w.shape
    ho, wo = conv_output_size(h, kh, sh, ph, dh), conv_output_size(width, kw, sw, pw, dw)
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(n, cout, ho, wo)
    cout_g = cout // groups
    for img in range(n):
        for o in range(cout):
            block = xp[img, (o // cout_g) * cin_g: (o // cout_g + 1) * cin_g]
            for i in range(ho):
                for j in range(wo):
                    total = 0.0
                    for a in range(kh):
                        for e in range(kw):
                            pixels = block[:, i * sh + a * dh, j * sw + e * dw]
                            total += (pixels * w[o, :, a, e]).sum()
                    out[img, o, i, j] = total + (0.0 if b is None else b[o])
    return out
""",
}
