"""Mistake: PASCAL VOC's rule instead of COCO's: a prediction looks only at the ground-truth box
it overlaps most; if that box is taken it is a duplicate, even when another free box overlaps it
enough (the chapter's objects A and B)."""

NAMES = "VOC's rule"
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
        best_iou, best = iou[p].max(0)  # the mistake: the best box overall, taken or not
        if best_iou >= iou_threshold and not matched[best]:
            matched[best] = True
            is_tp[p] = True
    return is_tp
"""
}
