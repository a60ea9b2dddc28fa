"""Alternative: conv2d as a loop over the groups and the kernel offsets, with tensordot and a
zero canvas instead of F.pad, sizes counted with range(); max_pool2d with Tensor.unfold on a
-inf canvas and argmax; conv_output_size as the number of window starts. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    # One output per window start 0, s, 2s, ... while the dilated kernel still fits.
    return len(range(0, size + 2 * p - d * (k - 1), s))
""",
    "conv2d": """
import torch


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    n, cin, h, width = x.shape
    cout, cin_g, kh, kw = w.shape
    canvas = torch.zeros(n, cin, h + 2 * ph, width + 2 * pw, dtype=x.dtype, device=x.device)
    canvas[:, :, ph: ph + h, pw: pw + width] = x
    ho = len(range(0, h + 2 * ph - dh * (kh - 1), sh))
    wo = len(range(0, width + 2 * pw - dw * (kw - 1), sw))
    cout_g = cout // groups
    outputs = []
    for gi in range(groups):
        xs = canvas[:, gi * cin_g: (gi + 1) * cin_g]
        ws = w[gi * cout_g: (gi + 1) * cout_g]
        acc = torch.zeros(n, ho, wo, cout_g, dtype=x.dtype, device=x.device)
        for a in range(kh):
            for e in range(kw):
                rows = xs[:, :, a * dh:][:, :, : (ho - 1) * sh + 1: sh]
                shifted = rows[..., e * dw:][..., : (wo - 1) * sw + 1: sw]
                acc = acc + torch.tensordot(shifted.permute(0, 2, 3, 1), ws[:, :, a, e].t(), dims=1)
        outputs.append(acc.permute(0, 3, 1, 2))
    out = torch.cat(outputs, dim=1)
    if b is not None:
        out = out + b.reshape(-1, 1, 1)
    return out
""",
    "max_pool2d": """
import torch


def max_pool2d(x, k, stride=None, padding=0, return_indices=False):
    kh, kw = (k, k) if isinstance(k, int) else k
    stride = k if stride is None else stride
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    n, c, h, width = x.shape
    canvas = torch.full(
        (n, c, h + 2 * ph, width + 2 * pw), float("-inf"), dtype=x.dtype, device=x.device
    )
    canvas[:, :, ph: ph + h, pw: pw + width] = x
    # Positions travel with the values: a second canvas holds each pixel's flat index.
    index = torch.full((h + 2 * ph, width + 2 * pw), -1, dtype=torch.int64, device=x.device)
    index[ph: ph + h, pw: pw + width] = torch.arange(h * width, device=x.device).view(h, width)
    windows = canvas.unfold(2, kh, sh).unfold(3, kw, sw)  # [N, C, Ho, Wo, kh, kw]
    ho, wo = windows.shape[2], windows.shape[3]
    flat = windows.reshape(n, c, ho, wo, kh * kw)
    pick = flat.argmax(dim=-1)
    values = flat.gather(-1, pick[..., None])[..., 0]
    if not return_indices:
        return values
    positions = index.unfold(0, kh, sh).unfold(1, kw, sw).reshape(ho, wo, kh * kw)
    return values, positions.expand(n, c, ho, wo, kh * kw).gather(-1, pick[..., None])[..., 0]
""",
}
