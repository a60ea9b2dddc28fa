"""Mistake: predictions are visited in index order, not by decreasing score, so a worse
prediction can take an object from a better one."""

NAMES = "no sort by score"
LOSES = ["test_match_detections_rules", "test_match_detections_random"]
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    is_tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(pred_boxes, gt_boxes)
    matched = torch.zeros(len(gt_boxes), dtype=torch.bool)
    for p in range(len(pred_boxes)):  # the mistake: no sort by score
        best_iou, best = iou[p].masked_fill(matched, -1.0).max(0)
        if best_iou >= iou_threshold:
            matched[best] = True
            is_tp[p] = True
    return is_tp
"""
}
