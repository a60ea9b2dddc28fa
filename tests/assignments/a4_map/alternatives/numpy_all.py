"""Correct: all three functions in numpy (own IoU, np.maximum.accumulate for the envelope,
np.searchsorted for the recall levels, a boolean mask per image and class), converted back to
torch only for the flags."""

LOSES: list[str] = []
CELLS = {
    "match_detections": """
import numpy as np


def _iou_np(a, b):
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match_detections(pred_boxes, pred_scores, gt_boxes, iou_threshold=0.5):
    p = pred_boxes.detach().cpu().numpy().astype(np.float64)
    g = gt_boxes.detach().cpu().numpy().astype(np.float64)
    flags = np.zeros(len(p), dtype=bool)
    if len(p) and len(g):
        iou = _iou_np(p, g)
        free = np.ones(len(g), dtype=bool)
        for i in np.argsort(-pred_scores.detach().cpu().numpy(), kind="stable"):
            candidates = np.where(free, iou[i], -1.0)
            best = int(np.argmax(candidates))
            if candidates[best] >= iou_threshold:
                free[best] = False
                flags[i] = True
    return torch.from_numpy(flags)
""",
    "average_precision": """
import numpy as np


def average_precision(scores, is_tp, num_gt, method="all"):
    s = scores.detach().cpu().numpy()
    if s.size == 0:
        return 0.0
    order = np.argsort(-s, kind="stable")
    tp = np.cumsum(is_tp.cpu().numpy()[order].astype(np.float64))
    precision = tp / np.arange(1, len(tp) + 1)
    recall = tp / num_gt
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    if method == "all":
        return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * envelope))
    levels = np.linspace(0, 1, 11 if method == "voc11" else 101)
    first = np.searchsorted(recall, levels, side="left")
    return float(np.mean(np.append(envelope, 0.0)[first]))
""",
    "mean_average_precision": """
import numpy as np


def mean_average_precision(preds, targets, iou_thresholds=(0.5,)):
    labels = [t["labels"].cpu().numpy() for t in targets]
    classes = np.unique(np.concatenate(labels)) if labels else np.array([])

    def map_at(t):
        aps = []
        for c in classes:
            scores, flags = [], []
            for pred, target in zip(preds, targets):
                mine = (pred["labels"] == int(c)).cpu().numpy()
                gt = target["boxes"][torch.from_numpy(target["labels"].cpu().numpy() == c)]
                idx = torch.from_numpy(np.flatnonzero(mine))
                scores.append(pred["scores"][idx])
                flags.append(match_detections(pred["boxes"][idx], pred["scores"][idx], gt, t))
            num_gt = int(sum((lab == c).sum() for lab in labels))
            aps.append(average_precision(torch.cat(scores), torch.cat(flags), num_gt, "coco101"))
        return float(np.mean(aps)) if aps else float("nan")

    return {"map": float(np.mean([map_at(t) for t in iou_thresholds])),
            "map_50": map_at(0.5), "map_75": map_at(0.75)}
""",
}
