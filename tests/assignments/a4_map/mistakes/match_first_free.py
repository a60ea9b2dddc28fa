"""Mistake: a prediction takes the first free ground-truth box (in index order) whose IoU reaches
the threshold, not the free box it overlaps most, and may steal the object of a later prediction."""

NAMES = "the first free box that reaches the threshold"
LOSES = ["test_match_detections_rules", "test_match_detections_random"]
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    is_tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(pred_boxes, gt_boxes)
    matched = [False] * len(gt_boxes)
    for p in torch.sort(pred_scores, descending=True, stable=True).indices.tolist():
        for g in range(len(gt_boxes)):  # the mistake: the first box that is good enough
            if not matched[g] and iou[p, g] >= iou_threshold:
                matched[g] = True
                is_tp[p] = True
                break
    return is_tp
"""
}
