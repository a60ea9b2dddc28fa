"""Mistake: class-agnostic batched NMS: idxs is ignored, so a box suppresses boxes of other
categories."""

NAMES = "class-agnostic"
LOSES = ["test_batched_nms_slides", "test_batched_nms_edges", "test_batched_nms_random"]
CELLS = {
    "batched_nms": """
import torch


def batched_nms(boxes, scores, idxs, iou_threshold):
    return nms(boxes, scores, iou_threshold)  # the mistake: the categories are never used
"""
}
