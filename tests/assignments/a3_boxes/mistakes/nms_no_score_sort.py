"""Mistake: no sort by score: nms visits the boxes in index order, so a low-scored box listed
first suppresses a better one."""

NAMES = "no sort by score"
LOSES = ["test_nms_slides", "test_nms_edges", "test_nms_random"]
CELLS = {
    "nms": """
import torch


def nms(boxes, scores, iou_threshold):
    overlaps = box_iou(boxes, boxes) > iou_threshold
    suppressed = torch.zeros(len(scores), dtype=torch.bool)
    keep = []
    for i in range(len(scores)):  # the mistake: index order, not decreasing score
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= overlaps[i]
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)
"""
}
