"""Mistake: the coordinate-offset trick applied in place (boxes += offsets), which moves the
caller's boxes; the kept indices are right, the input is destroyed."""

NAMES = "must not modify"
LOSES = ["test_batched_nms_edges"]
CELLS = {
    "batched_nms": """
import torch


def batched_nms(boxes, scores, idxs, iou_threshold):
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.int64, device=boxes.device)
    extent = boxes.max() - boxes.min() + 1
    boxes += (idxs.to(boxes.dtype) * extent)[:, None]  # the mistake: in place
    return nms(boxes, scores, iou_threshold)
"""
}
