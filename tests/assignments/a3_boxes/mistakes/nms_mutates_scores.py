"""Mistake: nms marks suppressed boxes by writing -inf into the caller's scores (in place), so the
scores passed in are destroyed. batched_nms passes its scores to nms
and inherits the mutation, which is not charged to it."""

NAMES = "must not modify"
LOSES = ["test_nms_edges"]
CELLS = {
    "nms": """
import torch


def nms(boxes, scores, iou_threshold):
    keep = []
    iou = box_iou(boxes, boxes)
    for _ in range(len(scores)):
        i = int(torch.argmax(scores))  # the first maximum: ties go to the lower index
        if scores[i] == float("-inf"):
            break
        keep.append(i)
        scores[iou[i] > iou_threshold] = float("-inf")  # the mistake: writes into the input
        scores[i] = float("-inf")
    return torch.tensor(keep, dtype=torch.int64, device=boxes.device)
"""
}
