"""Mistake: an AP per image (over the images that have objects of the class), averaged, instead
of one AP per class over the detections of all images ranked together."""

NAMES = "AP averaged over images"
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
            image_aps = []
            for pred, target in zip(preds, targets):
                mine = pred["labels"] == c
                gt = target["boxes"][target["labels"] == c]
                if len(gt):  # the mistake: one AP per image
                    flags = match_detections(pred["boxes"][mine], pred["scores"][mine], gt, t)
                    ap = average_precision(pred["scores"][mine], flags, len(gt), "coco101")
                    image_aps.append(ap)
            aps.append(sum(image_aps) / len(image_aps))
        return sum(aps) / len(aps)

    per_threshold = {t: map_at(t) for t in iou_thresholds}
    return {
        "map": sum(per_threshold.values()) / len(per_threshold),
        "map_50": per_threshold[0.5] if 0.5 in per_threshold else map_at(0.5),
        "map_75": per_threshold[0.75] if 0.75 in per_threshold else map_at(0.75),
    }
"""
}
