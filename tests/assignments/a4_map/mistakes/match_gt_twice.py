"""Mistake: a ground-truth box is never taken out once matched, so every prediction on an
object is a true positive: duplicates count as found objects."""

NAMES = "matched twice"
LOSES = ["test_match_detections_rules", "test_match_detections_random"]
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    is_tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(pred_boxes, gt_boxes)
    for p in torch.sort(pred_scores, descending=True, stable=True).indices.tolist():
        best_iou, best = iou[p].max(0)  # the mistake: matched boxes stay available
        if best_iou >= iou_threshold:
            is_tp[p] = True
    return is_tp
"""
}
