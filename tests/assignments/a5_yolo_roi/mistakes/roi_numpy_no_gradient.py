"""roi_align: the right forward pass computed in numpy, so no gradient reaches feat
(a detector could not train through it). Only the gradient test fails."""

NAMES = "no gradient reaches feat"
LOSES = [
    "test_roi_align_gradient",
]
CELLS = {
    "roi_align": """
import numpy

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
        gh = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / oh)
        gw = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / ow)
        # Sample coordinates: bin start + sub-bin centres, [oh, gh] and [ow, gw].
        bins_y = torch.arange(oh, dtype=feat.dtype, device=feat.device)[:, None]
        bins_x = torch.arange(ow, dtype=feat.dtype, device=feat.device)[:, None]
        sub_y = (torch.arange(gh, dtype=feat.dtype, device=feat.device) + 0.5) / gh
        sub_x = (torch.arange(gw, dtype=feat.dtype, device=feat.device) + 0.5) / gw
        y = (y1 + (bins_y + sub_y) * roi_h / oh).reshape(-1)  # [oh * gh]
        x = (x1 + (bins_x + sub_x) * roi_w / ow).reshape(-1)  # [ow * gw]
        image = feat[int(rois[k, 0])].detach().numpy()
        values = _bilinear(image, y.numpy(), x.numpy())
        values = torch.from_numpy(values).to(feat.dtype)
        total = values.reshape(C, oh, gh, ow, gw).sum(dim=(2, 4))
        pooled.append(total / max(gh * gw, 1))
    if not pooled:
        return feat.new_zeros(0, C, oh, ow)
    return torch.stack(pooled)


def _axis(coord, size):
    '''Low and high neighbour indices, the weight of the high one, and validity, along one axis.'''
    valid = (coord >= -1.0) & (coord <= size)
    coord = numpy.clip(coord, 0, None)
    low = numpy.minimum(numpy.floor(coord).astype(numpy.int64), size - 1)
    coord = numpy.where(low >= size - 1, low.astype(coord.dtype), coord)  # the last row/column
    high = numpy.minimum(low + 1, size - 1)
    return low, high, coord - low.astype(coord.dtype), valid


def _bilinear(image, y, x):
    '''image [C, H, W] at every (y[i], x[j]): [C, len(y), len(x)], 0 far outside the map.'''
    y0, y1, ly, vy = _axis(y, image.shape[1])
    x0, x1, lx, vx = _axis(x, image.shape[2])
    ly, lx = ly[:, None], lx[None, :]
    top = image[:, y0][:, :, x0] * (1 - lx) + image[:, y0][:, :, x1] * lx
    bottom = image[:, y1][:, :, x0] * (1 - lx) + image[:, y1][:, :, x1] * lx
    value = top * (1 - ly) + bottom * ly
    return value * (vy[:, None] & vx[None, :]).astype(image.dtype)
""",
}
