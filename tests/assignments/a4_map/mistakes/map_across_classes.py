"""Mistake: the predictions of class c are matched with every ground-truth box of the image,
whatever its class (class-agnostic matching)."""

NAMES = "matching across classes"
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
                num_gt += int((target["labels"] == c).sum())
                scores.append(pred["scores"][mine])
                # the mistake: all the image's boxes, of every class
                boxes, everything = pred["boxes"][mine], target["boxes"]
                flags.append(match_detections(boxes, pred["scores"][mine], everything, t))
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
