"""Alternative: nms as a plain Python loop over lists, with its own IoU of two boxes: a box is kept
when its IoU with every box kept so far is at most the threshold. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "nms": """
import torch


def _pair_iou(a, b):
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes, scores, iou_threshold):
    box_list, score_list = boxes.tolist(), scores.tolist()
    order = sorted(range(len(score_list)), key=lambda i: (-score_list[i], i))
    keep = []
    for i in order:
        if all(_pair_iou(box_list[i], box_list[k]) <= iou_threshold for k in keep):
            keep.append(i)
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)
"""
}
