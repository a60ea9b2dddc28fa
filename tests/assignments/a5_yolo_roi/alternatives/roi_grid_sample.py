"""Correct: roi_align through torch.nn.functional.grid_sample (bilinear, border padding, which
is ROI Align's clamping for samples in [-1, 0] and [H - 1, H]), with the samples further outside
masked to 0; all bins and samples of a region in one call, differentiable. kmeans_anchors with
the 1 - IoU matrix and scatter-add means."""

CELLS = {
    "roi_align": """
import torch.nn.functional as F


def roi_align(feat, rois, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    oh, ow = output_size
    N, C, H, W = feat.shape
    results = []
    for roi in rois:
        n = int(roi[0])
        x1, y1, x2, y2 = [float(v) * spatial_scale - (0.5 if aligned else 0.0) for v in roi[1:]]
        w, h = x2 - x1, y2 - y1
        if not aligned:
            w, h = max(w, 1.0), max(h, 1.0)
        sy = sampling_ratio if sampling_ratio > 0 else int(math.ceil(h / oh))
        sx = sampling_ratio if sampling_ratio > 0 else int(math.ceil(w / ow))
        if sy * sx == 0:
            results.append(feat.new_zeros(C, oh, ow))
            continue
        ys = y1 + (torch.arange(oh * sy, dtype=feat.dtype) + 0.5) * h / (oh * sy)
        xs = x1 + (torch.arange(ow * sx, dtype=feat.dtype) + 0.5) * w / (ow * sx)
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        # grid_sample's align_corners=True: -1 is cell 0 and +1 is cell size - 1.
        grid = torch.stack([2 * xx / max(W - 1, 1) - 1, 2 * yy / max(H - 1, 1) - 1], dim=-1)
        sampled = F.grid_sample(feat[n:n + 1], grid[None], mode="bilinear", padding_mode="border",
                                align_corners=True)[0]  # [C, oh * sy, ow * sx]
        inside = ((yy >= -1) & (yy <= H) & (xx >= -1) & (xx <= W)).to(feat.dtype)
        sampled = sampled * inside
        results.append(sampled.view(C, oh, sy, ow, sx).mean(dim=(2, 4)))
    if len(results) == 0:
        return feat.new_zeros((0, C, oh, ow))
    return torch.stack(results)
""",
    "kmeans_anchors": """
def kmeans_anchors(wh, k, iters=100, seed=0):
    order = torch.randperm(wh.shape[0], generator=torch.Generator().manual_seed(seed))
    centres = wh[order[:k]].clone()
    previous = None
    for step in range(iters):
        inter = torch.min(wh[:, None], centres[None]).prod(dim=2)
        union = wh[:, 0:1] * wh[:, 1:2] + (centres[:, 0] * centres[:, 1])[None] - inter
        distance = 1 - inter / union
        nearest = distance.argmin(dim=1)
        if previous is not None and bool((nearest == previous).all()):
            break
        previous = nearest
        sums = torch.zeros_like(centres).index_add_(0, nearest, wh)
        counts = torch.bincount(nearest, minlength=k).to(wh.dtype)[:, None]
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)
    return centres[(centres[:, 0] * centres[:, 1]).argsort(stable=True)]
""",
}
