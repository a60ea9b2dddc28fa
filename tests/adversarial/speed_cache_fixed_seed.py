"""Attack: (hole 3, predictable timed inputs) box_iou precomputes the IoU of the speed cell's
inputs from the release's fixed seed and answers those from a cache, with a slow Python loop for
everything else. Timed inputs are now drawn at grading time: the cache misses and the loop is
timed, so only the speed cell is lost (the loop is right)."""

EXPECTED = ["test_box_iou_speed"]
CELLS = {
    "box_iou": """
import torch


def _slow_iou(boxes1, boxes2):
    out = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype)
    for i, a in enumerate(boxes1.tolist()):
        for j, b in enumerate(boxes2.tolist()):
            w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
            h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
            inter = w * h
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


g = torch.Generator().manual_seed(0)  # the seed the release used to show
xy = torch.rand(2000, 2, generator=g) * 500
_boxes = torch.cat([xy, xy + torch.rand(2000, 2, generator=g) * 100 + 1], dim=1)
_KEY = (_boxes[:1000].sum().item(), _boxes[1000:].sum().item())
_CACHE = {}


def box_iou(boxes1, boxes2):
    key = (boxes1.sum().item(), boxes2.sum().item())
    if key == _KEY:
        if key not in _CACHE:
            _CACHE[key] = _slow_iou(boxes1, boxes2)
        return _CACHE[key].clone()
    return _slow_iou(boxes1, boxes2)
"""
}
