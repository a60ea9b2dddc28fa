"""Mistake: the bias is broadcast along the last axis (width) instead of the channels. It
fails (or raises) wherever a bias is given; the visible test has Wo == Cout, where it runs
and is named."""

NAMES = "width axis"
LOSES = [
    "test_conv2d_bias",
    "test_conv2d_stride_padding_dilation",
    "test_conv2d_groups",
    "test_conv2d_random",
    "test_conv2d_speed",
]
CELLS = {
    "conv2d": """
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    n, cin, h, width = x.shape
    cout, cin_g, kh, kw = w.shape
    ho, wo = conv_output_size(h, kh, sh, ph, dh), conv_output_size(width, kw, sw, pw, dw)
    # Pad p before; after, exactly what the last window reaches (a negative pad crops the rows
    # that no window reads, which the floor of the output size dropped).
    need_h, need_w = (ho - 1) * sh + dh * (kh - 1) + 1, (wo - 1) * sw + dw * (kw - 1) + 1
    xp = F.pad(x, (pw, need_w - width - pw, ph, need_h - h - ph))
    xg = xp.reshape(n, groups, cin_g, need_h, need_w)  # consecutive blocks of input channels
    wg = w.reshape(groups, cout // groups, cin_g, kh, kw)  # consecutive blocks of filters
    out = x.new_zeros(n, groups, cout // groups, ho, wo)
    for a in range(kh):  # one kernel offset at a time: every output pixel reads the same shift
        for e in range(kw):
            rows = slice(a * dh, a * dh + (ho - 1) * sh + 1, sh)
            cols = slice(e * dw, e * dw + (wo - 1) * sw + 1, sw)
            shifted = xg[:, :, :, rows, cols]  # [N,G,Cin/g,Ho,Wo]
            out += torch.einsum("ngchw,goc->ngohw", shifted, wg[:, :, :, a, e])
    out = out.reshape(n, cout, ho, wo)
    return out if b is None else out + b.view(1, 1, 1, -1)  # the mistake: the wrong axis
""",
}
