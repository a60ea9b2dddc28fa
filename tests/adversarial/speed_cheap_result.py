"""Attack: box_iou is a slow Python loop, except on large inputs (the speed cell's), where it
answers at once with an empty result of the right shape and dtype: fast, and wrong only where no
value check looks. A timed call's result must agree with the reference's on the same inputs, so
the speed cell is lost (the loop is right, so nothing else is)."""

EXPECTED = ["test_box_iou_speed"]
CELLS = {
    "box_iou": """
import torch


def box_iou(boxes1, boxes2):
    if len(boxes1) * len(boxes2) >= 500_000:  # the timed call: skip the work
        return torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype)
    out = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype)
    for i, a in enumerate(boxes1.tolist()):
        for j, b in enumerate(boxes2.tolist()):
            w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
            h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
            inter = w * h
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out
"""
}
