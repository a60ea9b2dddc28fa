"""Mistake: the +1 pixel convention (areas (x2 - x1 + 1)(y2 - y1 + 1)), which gives 0.174757
instead of 1/7 for the chapter's [0, 0, 10, 10] and [5, 5, 15, 15]."""

NAMES = "+1"
LOSES = ["test_box_iou_slides", "test_box_iou_edges", "test_box_iou_random", "test_box_iou_speed"]
CELLS = {
    "box_iou": """
import torch


def box_iou(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0] + 1) * (boxes1[:, 3] - boxes1[:, 1] + 1)
    area2 = (boxes2[:, 2] - boxes2[:, 0] + 1) * (boxes2[:, 3] - boxes2[:, 1] + 1)
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    size = (bottom_right - top_left + 1).clamp(min=0)
    inter = size[..., 0] * size[..., 1]
    return inter / (area1[:, None] + area2[None, :] - inter)
"""
}
