"""Mistake: 'map_50' and 'map_75' are returned only when 0.5 and 0.75 are among
iou_thresholds; the notebook asks for them always (the COCO thresholds include both, so only the
rules test sees it)."""

NAMES = "no key 'map_75'"
LOSES = ["test_mean_average_precision_rules"]
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

    per_threshold = {t: map_at(t) for t in iou_thresholds}
    result = {"map": sum(per_threshold.values()) / len(per_threshold)}
    for key, t in (("map_50", 0.5), ("map_75", 0.75)):
        if t in per_threshold:  # the mistake: left out otherwise
            result[key] = per_threshold[t]
    return result
"""
}
