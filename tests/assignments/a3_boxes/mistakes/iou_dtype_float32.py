"""Mistake: the dtype is not preserved: the IoU matrix is allocated with torch.zeros(N, M), which
is float32, and filled by broadcasting, so float64 boxes give a float32 result."""

NAMES = "dtype"
LOSES = ["test_box_iou_slides", "test_box_iou_random"]
CELLS = {
    "box_iou": """
import torch


def box_iou(boxes1, boxes2):
    iou = torch.zeros(len(boxes1), len(boxes2))  # the mistake: float32 whatever the input
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    size = (bottom_right - top_left).clamp(min=0)
    inter = size[..., 0] * size[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    iou[:] = inter / torch.where(union > 0, union, torch.ones_like(union))
    return iou
"""
}
