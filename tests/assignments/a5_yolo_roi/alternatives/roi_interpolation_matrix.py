"""Correct: roi_align as a matrix product. For each region, the bilinear weights of every sample
are scattered into an [oh * ow, H * W] matrix (the four neighbours of each sample, divided by
the number of samples per bin), then multiplied with the [C, H * W] map: linear in feat, so
autograd differentiates it. yolo_encode fully vectorised with index_put, yolo_decode through
box_convert-style arithmetic on stacked centres and sizes."""

CELLS = {
    "roi_align": """
def _corner_weights(coord, size):
    # indices of the two neighbours and their weights along one axis (torchvision's rules)
    keep = ((coord >= -1) & (coord <= size)).to(coord.dtype)
    c = coord.clamp(min=0)
    lo = torch.clamp(c.floor(), max=size - 1)
    c = torch.where(lo >= size - 1, lo, c)
    hi = torch.clamp(lo + 1, max=size - 1)
    frac = c - lo
    return lo.long(), hi.long(), (1 - frac) * keep, frac * keep


def roi_align(feat, rois, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    N, C, H, W = feat.shape
    out = []
    for index, x1, y1, x2, y2 in rois.tolist():
        off = 0.5 if aligned else 0.0
        x1, y1, x2, y2 = (v * spatial_scale - off for v in (x1, y1, x2, y2))
        rw, rh = (x2 - x1, y2 - y1) if aligned else (max(x2 - x1, 1.0), max(y2 - y1, 1.0))
        gy = sampling_ratio if sampling_ratio > 0 else math.ceil(rh / oh)
        gx = sampling_ratio if sampling_ratio > 0 else math.ceil(rw / ow)
        matrix = torch.zeros(oh * ow, H * W, dtype=feat.dtype)
        if gy > 0 and gx > 0:
            ys = y1 + (torch.arange(oh * gy, dtype=feat.dtype) + 0.5) * (rh / oh / gy)
            xs = x1 + (torch.arange(ow * gx, dtype=feat.dtype) + 0.5) * (rw / ow / gx)
            ylo, yhi, wylo, wyhi = _corner_weights(ys, H)
            xlo, xhi, wxlo, wxhi = _corner_weights(xs, W)
            row_bin, col_bin = torch.arange(oh * gy) // gy, torch.arange(ow * gx) // gx
            bin_of = row_bin[:, None] * ow + col_bin[None, :]
            for yi, wy in ((ylo, wylo), (yhi, wyhi)):
                for xi, wx in ((xlo, wxlo), (xhi, wxhi)):
                    cell = yi[:, None] * W + xi[None, :]
                    weight = wy[:, None] * wx[None, :] / (gy * gx)
                    where = (bin_of.flatten(), cell.flatten())
                    matrix.index_put_(where, weight.flatten(), accumulate=True)
        pooled = feat[int(index)].reshape(C, H * W) @ matrix.T  # [C, oh * ow]
        out.append(pooled.reshape(C, oh, ow))
    return torch.stack(out) if out else feat.new_zeros(0, C, oh, ow)
""",
    "yolo_encode": """
def yolo_encode(boxes, labels, anchors, S, img_size, C):
    A = len(anchors)
    cell = img_size / S
    anchors = anchors.to(boxes.dtype)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 / cell  # [M, 2] in grid units: (x, y)
    size = boxes[:, 2:] - boxes[:, :2]  # [M, 2] in pixels
    ij = centre.floor()
    overlap = torch.min(size[:, None, :], anchors[None, :, :]).prod(-1)  # [M, A]
    iou = overlap / (size.prod(-1, keepdim=True) + anchors.prod(-1)[None, :] - overlap)
    a = iou.argmax(-1)
    t = torch.cat([centre - ij, (size / anchors[a]).log(), torch.ones_like(centre[:, :1]),
                   torch.nn.functional.one_hot(labels, C).to(boxes.dtype)], dim=1)
    target = boxes.new_zeros(S, S, A, 5 + C)
    target.index_put_((ij[:, 1].long(), ij[:, 0].long(), a), t)
    return target
""",
    "yolo_decode": """
def yolo_decode(pred, anchors, img_size):
    N, S, S2, A, D = pred.shape
    stride = img_size / S
    # [S, S, 2]: (x, y) = (column, row) of each cell
    offsets = torch.stack(torch.meshgrid(torch.arange(S), torch.arange(S), indexing="xy"), dim=-1)
    centre = (pred[..., :2].sigmoid() + offsets[:, :, None, :].to(pred.dtype)) * stride
    size = anchors.to(pred.dtype) * pred[..., 2:4].exp()
    boxes = torch.cat([centre - size / 2, centre + size / 2], dim=-1)
    return (boxes.reshape(N, -1, 4), pred[..., 4].sigmoid().reshape(N, -1),
            pred[..., 5:].softmax(dim=-1).reshape(N, -1, D - 5))
""",
}
