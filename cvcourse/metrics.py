"""Detection metrics: precision-recall curves, average precision and COCO-style mAP.

``average_precision`` turns a ranked list of detections (score, true or false positive) into one
number; ``mean_average_precision`` does the matching first (greedy by score, each ground-truth box
used once, never across images or classes) and averages over classes and IoU thresholds. The
conventions follow ``pycocotools.cocoeval.COCOeval`` (area range "all", at most 100 detections per
image and class, 101 recall points), so the numbers agree with it; the tests check that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor
from torchvision.ops import box_iou

__all__ = [
    "AP_METHODS",
    "COCO_IOU_THRESHOLDS",
    "average_precision",
    "mean_average_precision",
    "precision_recall_curve",
]

AP_METHODS = ("all", "voc11", "coco101")

# 0.50, 0.55, ..., 0.95, computed as COCOeval does so that "t == 0.5" comparisons are exact.
COCO_IOU_THRESHOLDS: tuple[float, ...] = tuple(
    float(t) for t in np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1)
)
_COCO_RECALL_POINTS = np.linspace(0.0, 1.0, 101)
_VOC_RECALL_POINTS = np.linspace(0.0, 1.0, 11)


def _check_ranked(scores: Tensor, is_tp: Tensor, num_gt: int) -> None:
    if scores.ndim != 1 or is_tp.ndim != 1 or scores.shape != is_tp.shape:
        raise ValueError(
            f"scores and is_tp must be 1-D of the same length, got {tuple(scores.shape)} "
            f"and {tuple(is_tp.shape)}"
        )
    if num_gt < 0:
        raise ValueError(f"num_gt must be >= 0, got {num_gt}")
    if int(is_tp.sum()) > num_gt:
        raise ValueError(f"is_tp has {int(is_tp.sum())} true positives but num_gt is {num_gt}")


def precision_recall_curve(scores: Tensor, is_tp: Tensor, num_gt: int) -> tuple[Tensor, Tensor]:
    """Precision and recall after each detection, ranked by decreasing score.

    Args:
        scores (Tensor[P]): detection confidences.
        is_tp (BoolTensor[P]): whether each detection matched a ground-truth box.
        num_gt (int): number of ground-truth boxes (the recall denominator), > 0.

    Returns:
        precision (Tensor[P]), recall (Tensor[P]), float64, in ranked order (ties keep input order).
    """
    _check_ranked(scores, is_tp, num_gt)
    if num_gt == 0:
        raise ValueError("num_gt must be > 0 for a precision-recall curve")
    order = torch.sort(scores, descending=True, stable=True).indices
    tp = is_tp[order].to(torch.float64).cumsum(0)
    fp = (~is_tp[order]).to(torch.float64).cumsum(0)
    # COCOeval adds machine epsilon to the denominator; tp + fp >= 1 here, so we need not.
    precision = tp / (tp + fp)
    recall = tp / num_gt
    return precision, recall


def _precision_envelope(precision: Tensor) -> Tensor:
    """Make precision non-increasing in recall: p[i] = max(p[i:]) (the 'interpolated' precision)."""
    return precision.flip(0).cummax(0).values.flip(0)


def average_precision(scores: Tensor, is_tp: Tensor, num_gt: int, method: str = "all") -> float:
    """Area under the interpolated precision-recall curve of one class.

    Args:
        scores (Tensor[P]): detection confidences (any order; they are ranked here).
        is_tp (BoolTensor[P]): whether each detection is a true positive.
        num_gt (int): number of ground-truth boxes of the class, >= 0.
        method (str): ``"all"`` (every recall step, VOC 2010+), ``"voc11"`` (mean interpolated
            precision at recall 0, 0.1, ..., 1, VOC 2007) or ``"coco101"`` (at 0, 0.01, ..., 1).

    Returns:
        float: the AP in [0, 1]; 0.0 when there are no detections. ``num_gt == 0`` raises, since
        AP is undefined for a class without ground truth (mAP excludes such classes).
    """
    if method not in AP_METHODS:
        raise ValueError(f"method must be one of {AP_METHODS}, got {method!r}")
    _check_ranked(scores, is_tp, num_gt)
    if num_gt == 0:
        raise ValueError("num_gt must be > 0: AP is undefined for a class without ground truth")
    if scores.numel() == 0:
        return 0.0
    precision, recall = precision_recall_curve(scores, is_tp, num_gt)
    envelope = _precision_envelope(precision)
    if method == "all":
        # Sum of rectangles: each recall increase times the envelope precision at that point.
        steps = torch.diff(recall, prepend=recall.new_zeros(1))
        return float((steps * envelope).sum())
    points = _VOC_RECALL_POINTS if method == "voc11" else _COCO_RECALL_POINTS
    # For each recall level r: the envelope at the first detection reaching recall >= r
    # (the envelope is non-increasing, so that is the max precision over recall >= r), else 0.
    index = np.searchsorted(recall.numpy(), points, side="left")
    padded = torch.cat([envelope, envelope.new_zeros(1)])
    return float(padded[torch.from_numpy(np.minimum(index, len(envelope)))].mean())


def _match_greedy(pred_boxes: Tensor, gt_boxes: Tensor, iou_thresholds: Sequence[float]) -> Tensor:
    """COCO matching of score-ranked predictions to ground truth of one image and one class.

    Each prediction in turn takes the still unmatched ground-truth box with the highest IoU,
    provided that IoU >= t. Returns BoolTensor[T, P]: true positives per threshold.
    """
    num_pred, num_gt = len(pred_boxes), len(gt_boxes)
    is_tp = torch.zeros(len(iou_thresholds), num_pred, dtype=torch.bool)
    if num_pred == 0 or num_gt == 0:
        return is_tp
    ious = box_iou(pred_boxes.to(torch.float64), gt_boxes.to(torch.float64))  # [P,G]
    for t_index, threshold in enumerate(iou_thresholds):
        gt_taken = torch.zeros(num_gt, dtype=torch.bool)
        # COCOeval caps the threshold just below 1 so that IoU == 1 still matches at t = 1.
        threshold = min(threshold, 1 - 1e-10)
        for p in range(num_pred):
            candidates = ious[p].masked_fill(gt_taken, -1.0)
            best_iou, best_gt = candidates.max(0)
            if best_iou >= threshold:
                gt_taken[best_gt] = True
                is_tp[t_index, p] = True
    return is_tp


def _check_dicts(dicts: Sequence[dict], name: str, keys: tuple[str, ...]) -> None:
    for i, d in enumerate(dicts):
        for key in keys:
            if key not in d:
                raise KeyError(f"{name}[{i}] has no {key!r}; it needs the keys {keys}")
        if d["boxes"].ndim != 2 or d["boxes"].shape[-1] != 4:
            raise ValueError(
                f"{name}[{i}]['boxes'] must be [N, 4] xyxy, got {tuple(d['boxes'].shape)}"
            )


def mean_average_precision(
    preds: Sequence[dict[str, Tensor]],
    targets: Sequence[dict[str, Tensor]],
    iou_thresholds: Sequence[float] = (0.5,),
    method: str = "coco101",
    max_detections: int = 100,
) -> dict:
    """COCO-style mean average precision over images, classes and IoU thresholds.

    Args:
        preds (list[dict]): one dict per image with ``boxes`` (Tensor[P, 4], xyxy),
            ``scores`` (Tensor[P]) and ``labels`` (LongTensor[P]).
        targets (list[dict]): one dict per image, same order, with ``boxes`` (Tensor[G, 4], xyxy)
            and ``labels`` (LongTensor[G]).
        iou_thresholds (sequence of float): a prediction is a true positive at threshold t when
            it is matched to a ground-truth box of its class with IoU >= t. Pass
            ``COCO_IOU_THRESHOLDS`` for mAP@[.5:.95].
        method (str): AP interpolation, see ``average_precision`` (COCO uses ``"coco101"``).
        max_detections (int): keep only the highest-scoring detections per image and class
            (COCOeval's ``maxDets=100``).

    Returns:
        dict with
          - ``"map"``: mean AP over the classes that have ground truth and over all thresholds;
          - ``"map_per_threshold"``: {threshold: mean AP over classes};
          - ``"ap"``: {threshold: {label: AP}};
          - ``"ap_per_class"``: {label: AP averaged over thresholds};
          - ``"map_50"`` / ``"map_75"`` when 0.5 / 0.75 are among the thresholds;
          - ``"map_50_95"`` when the thresholds are exactly ``COCO_IOU_THRESHOLDS``.
        Classes without ground truth are excluded (their false positives do not count anywhere).
        If no class has ground truth, ``"map"`` is NaN.
    """
    if len(preds) != len(targets):
        raise ValueError(
            f"preds and targets must have the same length, got {len(preds)} and {len(targets)}"
        )
    if method not in AP_METHODS:
        raise ValueError(f"method must be one of {AP_METHODS}, got {method!r}")
    thresholds = [float(t) for t in iou_thresholds]
    if not thresholds or any(not 0.0 <= t <= 1.0 for t in thresholds):
        raise ValueError(
            f"iou_thresholds must be a non-empty sequence in [0, 1], got {iou_thresholds}"
        )
    if max_detections < 1:
        raise ValueError(f"max_detections must be >= 1, got {max_detections}")
    _check_dicts(preds, "preds", ("boxes", "scores", "labels"))
    _check_dicts(targets, "targets", ("boxes", "labels"))

    num_gt: dict[int, int] = {}
    for target in targets:
        for label in target["labels"].tolist():
            num_gt[label] = num_gt.get(label, 0) + 1
    classes = sorted(num_gt)

    # Per class: scores and TP flags of all images, concatenated in image order as COCOeval does.
    scores: dict[int, list[Tensor]] = {c: [] for c in classes}
    is_tp: dict[int, list[Tensor]] = {c: [] for c in classes}
    for pred, target in zip(preds, targets, strict=True):
        for c in classes:
            keep = pred["labels"] == c
            pred_scores = pred["scores"][keep]
            order = torch.sort(pred_scores, descending=True, stable=True).indices[:max_detections]
            pred_boxes = pred["boxes"][keep][order]
            gt_boxes = target["boxes"][target["labels"] == c]
            scores[c].append(pred_scores[order])
            is_tp[c].append(_match_greedy(pred_boxes, gt_boxes, thresholds))

    ap: dict[float, dict[int, float]] = {t: {} for t in thresholds}
    for c in classes:
        class_scores = torch.cat(scores[c]) if scores[c] else torch.zeros(0)
        class_tp = (
            torch.cat(is_tp[c], dim=1)
            if is_tp[c]
            else torch.zeros(len(thresholds), 0, dtype=torch.bool)
        )
        for t_index, t in enumerate(thresholds):
            ap[t][c] = average_precision(class_scores, class_tp[t_index], num_gt[c], method)

    def mean(values: Sequence[float]) -> float:
        return float(np.mean(values)) if len(values) else float("nan")

    result: dict = {
        "map": mean([v for t in thresholds for v in ap[t].values()]),
        "map_per_threshold": {t: mean(list(ap[t].values())) for t in thresholds},
        "ap": ap,
        "ap_per_class": {c: mean([ap[t][c] for t in thresholds]) for c in classes},
    }
    for key, wanted in (("map_50", 0.5), ("map_75", 0.75)):
        for t in thresholds:
            if abs(t - wanted) < 1e-9:
                result[key] = result["map_per_threshold"][t]
    if len(thresholds) == len(COCO_IOU_THRESHOLDS) and np.allclose(thresholds, COCO_IOU_THRESHOLDS):
        result["map_50_95"] = result["map"]
    return result


from cvcourse.bleu import bleu, corpus_bleu  # noqa: E402, F401  (BLEU lives in its own module)
