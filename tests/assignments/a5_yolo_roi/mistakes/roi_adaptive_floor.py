"""roi_align: adaptive sampling with floor instead of ceil."""

NAMES = "adaptive sampling with floor instead of ceil"
LOSES = [
    "test_roi_align_chapter",
    "test_roi_align_random",
    "test_roi_align_edges",
]
CELLS = {
    "roi_align": """
def roi_align(feat, rois, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    '''ROI Align with average pooling, as torchvision.ops.roi_align.

    Args:
        feat (Tensor[N, C, H, W]): the feature maps.
        rois (Tensor[K, 5]): (batch index, x1, y1, x2, y2) in image pixels.
        output_size (int or (int, int)): (oh, ow), the bins per region.
        spatial_scale (float): feature cells per image pixel (1 / stride).
        sampling_ratio (int): samples per bin along each axis; <= 0: ceil(size / output size).
        aligned (bool): shift the scaled region by -0.5 cell (pixel centres).

    Returns:
        Tensor[K, C, oh, ow]: the pooled regions, dtype of ``feat``.
    '''
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    _, C, H, W = feat.shape
    shift = 0.5 if aligned else 0.0
    pooled = []
    for k in range(len(rois)):
        x1, y1, x2, y2 = (float(v) * spatial_scale - shift for v in rois[k, 1:])
        roi_w, roi_h = x2 - x1, y2 - y1
        if not aligned:  # the original Mask R-CNN code widens tiny regions to one cell
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        gh = sampling_ratio if sampling_ratio > 0 else math.floor(roi_h / oh)
        gw = sampling_ratio if sampling_ratio > 0 else math.floor(roi_w / ow)
        # Sample coordinates: bin start + sub-bin centres, [oh, gh] and [ow, gw].
        bins_y = torch.arange(oh, dtype=feat.dtype, device=feat.device)[:, None]
        bins_x = torch.arange(ow, dtype=feat.dtype, device=feat.device)[:, None]
        sub_y = (torch.arange(gh, dtype=feat.dtype, device=feat.device) + 0.5) / gh
        sub_x = (torch.arange(gw, dtype=feat.dtype, device=feat.device) + 0.5) / gw
        y = (y1 + (bins_y + sub_y) * roi_h / oh).reshape(-1)  # [oh * gh]
        x = (x1 + (bins_x + sub_x) * roi_w / ow).reshape(-1)  # [ow * gw]
        values = _bilinear(feat[int(rois[k, 0])], y, x)  # [C, oh * gh, ow * gw]
        total = values.reshape(C, oh, gh, ow, gw).sum(dim=(2, 4))
        pooled.append(total / max(gh * gw, 1))
    if not pooled:
        return feat.new_zeros(0, C, oh, ow)
    return torch.stack(pooled)


def _axis(coord, size):
    '''Low and high neighbour indices, the weight of the high one, and validity, along one axis.'''
    valid = (coord >= -1.0) & (coord <= size)
    coord = coord.clamp(min=0)
    low = coord.floor().long().clamp(max=size - 1)
    coord = torch.where(low >= size - 1, low.to(coord.dtype), coord)  # the last row/column
    high = (low + 1).clamp(max=size - 1)
    return low, high, coord - low, valid


def _bilinear(image, y, x):
    '''image [C, H, W] at every (y[i], x[j]): [C, len(y), len(x)], 0 far outside the map.'''
    y0, y1, ly, vy = _axis(y, image.shape[1])
    x0, x1, lx, vx = _axis(x, image.shape[2])
    ly, lx = ly[:, None], lx[None, :]
    top = image[:, y0][:, :, x0] * (1 - lx) + image[:, y0][:, :, x1] * lx
    bottom = image[:, y1][:, :, x0] * (1 - lx) + image[:, y1][:, :, x1] * lx
    value = top * (1 - ly) + bottom * ly
    return value * (vy[:, None] & vx[None, :]).to(image.dtype)
""",
}
