"""Mistake: stride=None taken as stride 1 (overlapping windows) instead of the kernel size."""

NAMES = "stride=None taken as 1"
LOSES = [
    "test_max_pool2d_basic",
    "test_max_pool2d_indices",
    "test_max_pool2d_random",
]
CELLS = {
    "max_pool2d": """
def max_pool2d(x, k, stride=None, padding=0, return_indices=False):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (kh, kw), (ph, pw) = pair(k), pair(padding)
    sh, sw = pair(1 if stride is None else stride)  # the mistake
    n, c, h, width = x.shape
    ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(width, kw, sw, pw)
    # -inf padding: a border never wins. After the input, pad exactly what the last window reaches.
    need_h, need_w = (ho - 1) * sh + kh, (wo - 1) * sw + kw
    xp = F.pad(x, (pw, need_w - width - pw, ph, need_h - h - ph), value=float("-inf"))
    windows = xp.unfold(2, kh, sh).unfold(3, kw, sw)  # [N,C,Ho,Wo,kH,kW]
    values, where = windows.reshape(n, c, ho, wo, kh * kw).max(dim=-1)  # first maximum on ties
    if not return_indices:
        return values
    rows = torch.arange(ho, device=x.device).view(ho, 1) * sh - ph + where // kw  # [N,C,Ho,Wo]
    cols = torch.arange(wo, device=x.device).view(1, wo) * sw - pw + where % kw
    return values, (rows * width + cols).to(torch.int64)
""",
}
