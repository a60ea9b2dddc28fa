"""Correct: vectorised torch: the AP with cumsum, a flipped cummax and torch.searchsorted against
levels made with torch.linspace in float64 (which rounds some levels differently from numpy; the
tests avoid recalls exactly on those); the mAP sorts each image's predictions by score first and
groups classes with torch.unique; the matching masks matched boxes with -inf."""

LOSES: list[str] = []
CELLS = {
    "match_detections": """
def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    flags = torch.zeros(pred_boxes.shape[0], dtype=torch.bool, device=pred_boxes.device)
    if pred_boxes.shape[0] == 0 or gt_boxes.shape[0] == 0:
        return flags
    iou = box_iou(pred_boxes.double(), gt_boxes.double())
    order = pred_scores.argsort(descending=True, stable=True)
    for i in order.tolist():
        row = iou[i]
        best = int(row.argmax())
        if row[best] >= iou_threshold:
            flags[i] = True
            iou[:, best] = -float("inf")  # this box is out of reach from now on
    return flags
""",
    "average_precision": """
def average_precision(scores, is_tp, num_gt, method="all"):
    if scores.numel() == 0:
        return 0.0
    ranked = is_tp[scores.argsort(descending=True, stable=True)].double()
    tp = ranked.cumsum(0)
    precision = tp / (tp + (1 - ranked).cumsum(0))
    recall = tp / num_gt
    envelope = precision.flip(0).cummax(0)[0].flip(0)
    if method == "all":
        recall_before = torch.cat([recall.new_zeros(1), recall[:-1]])
        return ((recall - recall_before) * envelope).sum().item()
    levels = torch.linspace(0, 1, 11 if method == "voc11" else 101, dtype=torch.float64)
    index = torch.searchsorted(recall, levels)
    found = envelope[index.clamp(max=len(envelope) - 1)]
    return torch.where(index < len(envelope), found, 0.0).mean().item()
""",
    "mean_average_precision": """
def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    all_labels = torch.cat([t["labels"] for t in targets] + [torch.zeros(0, dtype=torch.int64)])
    classes = torch.unique(all_labels).tolist()
    nan = float("nan")
    # Sort each image's predictions by score once (stable, as COCO does).
    ranked = []
    for p in preds:
        order = p["scores"].argsort(descending=True, stable=True)
        ranked.append((p["boxes"][order], p["scores"][order], p["labels"][order]))

    def map_at(t):
        aps = torch.tensor([
            average_precision(
                torch.cat([s[l == c] for b, s, l in ranked]),
                torch.cat([match_detections(b[l == c], s[l == c], tg["boxes"][tg["labels"] == c], t)
                           for (b, s, l), tg in zip(ranked, targets)]),
                int((all_labels == c).sum()), "coco101")
            for c in classes], dtype=torch.float64)
        return aps.mean().item() if len(classes) else nan

    per = torch.tensor([map_at(t) for t in iou_thresholds], dtype=torch.float64)
    return {"map": per.mean().item(), "map_50": map_at(0.5), "map_75": map_at(0.75)}
""",
}
