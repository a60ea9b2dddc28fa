"""Mistake: box_iou as a Python loop over all pairs of boxes. The values are right, but it is
thousands of times slower than broadcasting and fails the speed test against torchvision."""

NAMES = "Python loop"
LOSES = ["test_box_iou_speed"]
CELLS = {
    "box_iou": """
import torch


def box_iou(boxes1, boxes2):
    iou = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype, device=boxes1.device)
    for i in range(len(boxes1)):
        for j in range(len(boxes2)):
            a, b = boxes1[i], boxes2[j]
            width = (torch.min(a[2], b[2]) - torch.max(a[0], b[0])).clamp(min=0)
            height = (torch.min(a[3], b[3]) - torch.max(a[1], b[1])).clamp(min=0)
            inter = width * height
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            iou[i, j] = inter / union if union > 0 else 0.0
    return iou
"""
}
