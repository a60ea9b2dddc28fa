"""Mistake: 'map' is the mAP at the first IoU threshold only, not the mean over iou_thresholds
(COCO's mAP@[.5:.95] becomes mAP@.5)."""

NAMES = "at the first threshold only"
LOSES = ["test_mean_average_precision_rules", "test_mean_average_precision_coco"]
CELLS = {
    "mean_average_precision": """
def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    classes = sorted({int(c) for target in targets for c in target["labels"].tolist()})

    def map_at(t):
        if not classes:
            return float("nan")
        aps = []
        for c in classes:
            scores, flags, num_gt = [], [], 0
            for pred, target in zip(preds, targets):
                mine = pred["labels"] == c
                gt = target["boxes"][target["labels"] == c]
                num_gt += len(gt)
                scores.append(pred["scores"][mine])
                flags.append(match_detections(pred["boxes"][mine], pred["scores"][mine], gt, t))
            aps.append(average_precision(torch.cat(scores), torch.cat(flags), num_gt, "coco101"))
        return sum(aps) / len(aps)
    # the mistake: the first threshold only
    return {"map": map_at(iou_thresholds[0]), "map_50": map_at(0.5), "map_75": map_at(0.75)}
"""
}
