"""Mistake: the mAP uses all-point AP (the default method) instead of COCO's 101-point AP, so it
differs from pycocotools."""

NAMES = "all-point AP instead of COCO's 101-point AP"
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
            aps.append(average_precision(torch.cat(scores), torch.cat(flags), num_gt))
        return sum(aps) / len(aps)

    per_threshold = {t: map_at(t) for t in iou_thresholds}
    return {
        "map": sum(per_threshold.values()) / len(per_threshold),
        "map_50": per_threshold[0.5] if 0.5 in per_threshold else map_at(0.5),
        "map_75": per_threshold[0.75] if 0.75 in per_threshold else map_at(0.75),
    }
"""
}
