"""Mistake: the flags are collected while walking the predictions by score and returned in that
order, so flag i no longer belongs to prediction i."""

NAMES = "flags returned in score order"
LOSES = ["test_match_detections_rules", "test_match_detections_random"]
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    is_tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(pred_boxes, gt_boxes)
    matched = torch.zeros(len(gt_boxes), dtype=torch.bool)
    flags = []
    for p in torch.sort(pred_scores, descending=True, stable=True).indices.tolist():
        best_iou, best = iou[p].masked_fill(matched, -1.0).max(0)
        hit = bool(best_iou >= iou_threshold)
        if hit:
            matched[best] = True
        flags.append(hit)
    return torch.tensor(flags, dtype=torch.bool)  # the mistake: in score order
"""
}
