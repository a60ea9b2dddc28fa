"""Mistake: no clamp on the intersection's width and height, so disjoint boxes get a positive
intersection (the chapter's disjoint case gives an intersection of 100 and an IoU of 1).

nms and batched_nms call box_iou; their results are right given this box_iou, so they keep
their points (one bug, charged once)."""

NAMES = "no clamp"
LOSES = ["test_box_iou_slides", "test_box_iou_edges", "test_box_iou_random", "test_box_iou_speed"]
CELLS = {
    "box_iou": """
import torch


def box_iou(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    size = bottom_right - top_left  # the mistake: no .clamp(min=0)
    inter = size[..., 0] * size[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    return inter / torch.where(union != 0, union, torch.ones_like(union))
"""
}
