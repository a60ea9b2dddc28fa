"""Mistake: suppressing boxes whose IoU is >= the threshold instead of > the threshold, so a box
exactly at the threshold is wrongly removed."""

NAMES = ">= threshold instead of IoU > threshold"
LOSES = ["test_nms_edges", "test_nms_random"]
CELLS = {
    "nms": """
import torch


def nms(boxes, scores, iou_threshold):
    order = torch.sort(scores, descending=True, stable=True).indices
    overlaps = box_iou(boxes, boxes) >= iou_threshold  # the mistake: >= instead of >
    suppressed = torch.zeros(len(scores), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= overlaps[i]
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)
"""
}
