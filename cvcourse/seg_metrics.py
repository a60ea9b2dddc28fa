"""Semantic-segmentation metrics: the confusion matrix and what is read off it.

Every metric here starts from one ``[K, K]`` confusion matrix of pixel counts (rows: true class,
columns: predicted class), so that pixel accuracy, per-class IoU and mIoU agree with each other
by construction. A class that appears neither in the target nor in the prediction has no IoU
(NaN) and is left out of the mean, as in the PASCAL VOC and Cityscapes evaluations.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "binary_dice_iou",
    "confusion_matrix",
    "iou_per_class",
    "mean_iou",
    "pixel_accuracy",
]


def confusion_matrix(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Pixel counts of (true class, predicted class).

    Args:
        pred (LongTensor[...]): predicted class ids in ``[0, num_classes)``, any shape.
        target (LongTensor[...]): true class ids, the same shape.
        num_classes (int): K.

    Returns:
        LongTensor[K, K]: ``cm[t, p]`` = number of pixels of true class t predicted as p.
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have one shape, got {pred.shape} and {target.shape}"
        )
    pred, target = pred.reshape(-1).long(), target.reshape(-1).long()
    for name, ids in (("pred", pred), ("target", target)):
        if ids.numel() and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(f"{name} has class ids outside [0, {num_classes})")
    # One bincount over t * K + p counts every (t, p) pair at once.
    counts = torch.bincount(target * num_classes + pred, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def pixel_accuracy(cm: Tensor) -> float:
    """Fraction of pixels whose class is right: trace / total."""
    total = cm.sum()
    return float(cm.diag().sum() / total) if total > 0 else float("nan")


def iou_per_class(cm: Tensor) -> Tensor:
    """IoU of each class, ``TP / (TP + FP + FN)``; NaN for a class absent from both.

    Returns:
        Tensor[K] float64.
    """
    cm = cm.double()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp  # predicted as k, plus truly k, minus counted twice
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


def mean_iou(cm: Tensor) -> float:
    """Mean of :func:`iou_per_class` over the classes that occur (NaNs skipped)."""
    return float(iou_per_class(cm).nanmean())


def binary_dice_iou(pred: Tensor, target: Tensor) -> tuple[float, float]:
    """Dice ``2|A∩B| / (|A| + |B|)`` and IoU ``|A∩B| / |A∪B|`` of two boolean masks.

    Both are 1 when both masks are empty (nothing to find, nothing found).
    """
    pred, target = pred.bool(), target.bool()
    inter = (pred & target).sum().item()
    sizes = pred.sum().item() + target.sum().item()
    if sizes == 0:
        return 1.0, 1.0
    return 2 * inter / sizes, inter / (sizes - inter)
