"""Mistake: the predictions and ground-truth boxes of a class are pooled over all images before
matching, so a prediction can be matched to an object of another image."""

NAMES = "matching across images"
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
            # the mistake: one big image
            boxes = torch.cat([p["boxes"][p["labels"] == c] for p in preds])
            scores = torch.cat([p["scores"][p["labels"] == c] for p in preds])
            gt = torch.cat([tg["boxes"][tg["labels"] == c] for tg in targets])
            flags = match_detections(boxes, scores, gt, t)
            aps.append(average_precision(scores, flags, len(gt), "coco101"))
        return sum(aps) / len(aps)

    per_threshold = {t: map_at(t) for t in iou_thresholds}
    return {
        "map": sum(per_threshold.values()) / len(per_threshold),
        "map_50": per_threshold[0.5] if 0.5 in per_threshold else map_at(0.5),
        "map_75": per_threshold[0.75] if 0.75 in per_threshold else map_at(0.75),
    }
"""
}
