"""Correct: plain Python lists and loops everywhere (own pair IoU, the envelope by a backward
loop, the recall levels by a forward scan), with the ground truth grouped per (image, class) in a
dictionary first."""

LOSES: list[str] = []
CELLS = {
    "match_detections": """
def _pair_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    preds, gts, scores = pred_boxes.tolist(), gt_boxes.tolist(), pred_scores.tolist()
    flags = [False] * len(preds)
    taken = [False] * len(gts)
    for i in sorted(range(len(preds)), key=lambda i: (-scores[i], i)):
        best, best_iou = None, -1.0
        for j, g in enumerate(gts):
            if not taken[j]:
                v = _pair_iou(preds[i], g)
                if v > best_iou:
                    best, best_iou = j, v
        if best is not None and best_iou >= iou_threshold:
            taken[best] = True
            flags[i] = True
    return torch.tensor(flags, dtype=torch.bool)
""",
    "average_precision": """
def average_precision(scores, is_tp, num_gt, method="all"):
    s, f = scores.tolist(), is_tp.tolist()
    order = sorted(range(len(s)), key=lambda i: -s[i])  # sorted() is stable
    precision, recall, tp = [], [], 0
    for k, i in enumerate(order, start=1):
        tp += bool(f[i])
        precision.append(tp / k)
        recall.append(tp / num_gt)
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    if method == "all":
        area, previous = 0.0, 0.0
        for r, p in zip(recall, precision):
            area += (r - previous) * p
            previous = r
        return area
    n = 11 if method == "voc11" else 101
    step = 1.0 / (n - 1)
    total = 0.0
    for level in range(n):
        r = level * step  # what np.linspace computes
        total += next((p for q, p in zip(recall, precision) if q >= r), 0.0)
    return total / n
""",
    "mean_average_precision": """
def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    gt = {}  # (image, class) -> list of boxes
    for i, target in enumerate(targets):
        for box, label in zip(target["boxes"].tolist(), target["labels"].tolist()):
            gt.setdefault((i, label), []).append(box)
    classes = sorted({c for _, c in gt})

    def map_at(t):
        if not classes:
            return float("nan")
        total = 0.0
        for c in classes:
            scores, flags, num_gt = [], [], 0
            for i, pred in enumerate(preds):
                mine = [k for k, label in enumerate(pred["labels"].tolist()) if label == c]
                boxes = gt.get((i, c), [])
                num_gt += len(boxes)
                if not mine:
                    continue
                s = pred["scores"][mine]
                scores += s.tolist()
                gt_boxes = torch.tensor(boxes).view(-1, 4)
                flags += match_detections(pred["boxes"][mine], s, gt_boxes, t).tolist()
            s = torch.tensor(scores, dtype=torch.float64)
            f = torch.tensor(flags, dtype=torch.bool)
            total += average_precision(s, f, num_gt, "coco101")
        return total / len(classes)

    values = [map_at(t) for t in iou_thresholds]
    return {"map": sum(values) / len(values), "map_50": map_at(0.5), "map_75": map_at(0.75)}
""",
}
