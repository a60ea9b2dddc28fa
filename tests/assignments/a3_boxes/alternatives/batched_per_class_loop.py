"""Alternative: batched_nms as a loop over the categories present, nms on each, then the kept
indices sorted by decreasing score. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "batched_nms": """
import torch


def batched_nms(boxes, scores, idxs, iou_threshold):
    kept = []
    for category in torch.unique(idxs).tolist():
        members = torch.nonzero(idxs == category).flatten()
        kept.append(members[nms(boxes[members], scores[members], iou_threshold)])
    if not kept:
        return torch.zeros(0, dtype=torch.int64, device=boxes.device)
    kept = torch.cat(kept)
    return kept[torch.sort(scores[kept], descending=True, stable=True).indices]
"""
}
