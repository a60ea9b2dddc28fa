"""Mistake: the classes are those of the predictions and the targets together, and a class without
any ground-truth box gets AP 0 instead of being skipped, which pulls the mAP down."""

NAMES = "classes without ground truth counted"
LOSES = ["test_mean_average_precision_rules", "test_mean_average_precision_coco"]
CELLS = {
    "mean_average_precision": """
def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    # the mistake: classes of the predictions too
    classes = sorted({int(c) for d in list(targets) + list(preds) for c in d["labels"].tolist()})
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
            if num_gt == 0:
                aps.append(0.0)
                continue
            aps.append(average_precision(torch.cat(scores), torch.cat(flags), num_gt, "coco101"))
        return sum(aps) / len(aps)

    per_threshold = {t: map_at(t) for t in iou_thresholds}
    return {
        "map": sum(per_threshold.values()) / len(per_threshold),
        "map_50": per_threshold[0.5] if 0.5 in per_threshold else map_at(0.5),
        "map_75": per_threshold[0.75] if 0.75 in per_threshold else map_at(0.75),
    }
"""
}
