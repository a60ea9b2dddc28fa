"""Mistake: a match needs IoU > threshold; COCO (and the notebook) ask IoU >= threshold, so a
prediction with IoU exactly the threshold is lost."""

NAMES = "IoU > threshold instead of IoU >= threshold"
LOSES = ["test_match_detections_rules", "test_match_detections_random"]
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    is_tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(pred_boxes, gt_boxes)
    matched = torch.zeros(len(gt_boxes), dtype=torch.bool)
    for p in torch.sort(pred_scores, descending=True, stable=True).indices.tolist():
        best_iou, best = iou[p].masked_fill(matched, -1.0).max(0)
        if best_iou > iou_threshold:  # the mistake: > instead of >=
            matched[best] = True
            is_tp[p] = True
    return is_tp
"""
}
