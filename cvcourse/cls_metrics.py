"""Classification metrics: accuracy, per-class precision, recall and F1, and multi-label scores.

Single-label metrics start from one ``[K, K]`` confusion matrix (rows: true class, columns:
predicted class; :func:`confusion_matrix` is the one of :mod:`cvcourse.seg_metrics`, which counts
pixels or images alike), so accuracy and the per-class numbers agree by construction. Multi-label
metrics start from boolean ``[N, L]`` matrices (image ``n`` has label ``l``). Where a ratio has a
zero denominator (a class never predicted has no precision) it is reported as 0, as scikit-learn's
``precision_recall_fscore_support(..., zero_division=0)`` does, so the numbers agree with it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from cvcourse.seg_metrics import confusion_matrix, pixel_accuracy

__all__ = [
    "accuracy",
    "confusion_matrix",
    "multilabel_counts",
    "precision_recall_f1",
    "prf_from_counts",
    "subset_accuracy",
]


def accuracy(cm: Tensor) -> float:
    """Fraction of samples whose predicted class is the true one: ``trace / total``.

    Args:
        cm (LongTensor[K, K]): a confusion matrix, rows true, columns predicted.
    """
    return pixel_accuracy(cm)  # the same trace / total, NaN for an empty matrix


def _ratio(num: Tensor, den: Tensor) -> Tensor:
    """``num / den`` with 0 where ``den == 0`` (no division by zero, no NaN)."""
    return torch.where(den > 0, num / den.clamp(min=1e-300), torch.zeros_like(num))


def prf_from_counts(tp: Tensor, fp: Tensor, fn: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Precision ``TP/(TP+FP)``, recall ``TP/(TP+FN)`` and F1 (their harmonic mean), elementwise.

    Args:
        tp, fp, fn (Tensor[K]): true positives, false positives and false negatives per class.

    Returns:
        precision, recall, f1 (Tensor[K] float64): 0 where a denominator is 0.
    """
    tp, fp, fn = tp.double(), fp.double(), fn.double()
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    # 2PR/(P+R) = 2TP/(2TP+FP+FN): the second form needs no special case when P = R = 0.
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return precision, recall, f1


def precision_recall_f1(cm: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Per-class precision, recall and F1 of a single-label confusion matrix.

    For class k: TP = ``cm[k, k]``; FP = the rest of column k (other classes predicted as k);
    FN = the rest of row k (class k predicted as something else).

    Args:
        cm (LongTensor[K, K]): rows true class, columns predicted class.

    Returns:
        precision, recall, f1 (Tensor[K] float64); 0 where undefined.
    """
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square [K, K] matrix, got shape {tuple(cm.shape)}")
    tp = cm.diag()
    fp = cm.sum(0) - tp  # column sums: everything predicted as k
    fn = cm.sum(1) - tp  # row sums: everything that truly is k
    return prf_from_counts(tp, fp, fn)


def _check_multilabel(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    if pred.ndim != 2 or pred.shape != target.shape:
        raise ValueError(
            f"pred and target must be [N, L] of one shape, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )
    return pred.bool(), target.bool()


def multilabel_counts(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """True positives, false positives and false negatives of each label.

    Args:
        pred (BoolTensor[N, L]): predicted label sets (a label is present when True).
        target (BoolTensor[N, L]): true label sets.

    Returns:
        tp, fp, fn (LongTensor[L]).
    """
    pred, target = _check_multilabel(pred, target)
    tp = (pred & target).sum(0)
    fp = (pred & ~target).sum(0)
    fn = (~pred & target).sum(0)
    return tp, fp, fn


def subset_accuracy(pred: Tensor, target: Tensor) -> float:
    """Fraction of samples whose predicted label set equals the true one exactly.

    Args:
        pred, target (BoolTensor[N, L]).
    """
    pred, target = _check_multilabel(pred, target)
    if len(pred) == 0:
        return float("nan")
    return float((pred == target).all(1).double().mean())
