"""Correct: recall levels written as exact decimals i / 100 and i / 10 instead of numpy's
i * 0.01 (they differ in the last bit at ten of the 101 levels); the tests avoid recalls exactly on
those levels, as the notebook says, so this is right too. The mAP keeps one running sum per
threshold instead of a dict."""

LOSES: list[str] = []
CELLS = {
    "average_precision": """
def average_precision(scores, is_tp, num_gt, method="all"):
    if method not in ("all", "voc11", "coco101"):
        raise ValueError(method)
    order = torch.sort(scores.double(), descending=True, stable=True).indices
    flags = is_tp[order].tolist()
    tp, points = 0, []
    for k, f in enumerate(flags, start=1):
        tp += f
        points.append((tp / num_gt, tp / k))  # (recall, precision)
    best, envelope = 0.0, []
    for r, p in reversed(points):
        best = max(best, p)
        envelope.append((r, best))
    envelope.reverse()
    if method == "all":
        previous = [0.0] + [r for r, _ in envelope[:-1]]
        return sum((r - q) * p for q, (r, p) in zip(previous, envelope))
    n = 10 if method == "voc11" else 100
    levels = [i / n for i in range(n + 1)]
    return sum(next((p for r, p in envelope if r >= level), 0.0) for level in levels) / (n + 1)
""",
    "mean_average_precision": """
def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    labels = [t["labels"] for t in targets]
    classes = sorted(set(torch.cat(labels).tolist())) if labels else []
    if not classes:
        return {"map": float("nan"), "map_50": float("nan"), "map_75": float("nan")}

    def ap_of(c, t):
        scores, flags = [], []
        for pred, target in zip(preds, targets):
            keep = (pred["labels"] == c).nonzero().flatten()
            scores.append(pred["scores"][keep])
            flags.append(match_detections(pred["boxes"][keep], pred["scores"][keep],
                                          target["boxes"][target["labels"] == c], t))
        num_gt = sum(int((target["labels"] == c).sum()) for target in targets)
        return average_precision(torch.cat(scores), torch.cat(flags), num_gt, "coco101")

    def map_at(t):
        return sum(ap_of(c, t) for c in classes) / len(classes)

    running = 0.0
    for t in iou_thresholds:
        running += map_at(t)
    return {"map": running / len(iou_thresholds), "map_50": map_at(0.5), "map_75": map_at(0.75)}
""",
}
