"""cvcourse.seg_metrics against hand counts and scikit-learn."""

from __future__ import annotations

import math

import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import jaccard_score

from cvcourse.seg_metrics import (
    binary_dice_iou,
    confusion_matrix,
    iou_per_class,
    mean_iou,
    pixel_accuracy,
)


def test_confusion_matrix_by_hand() -> None:
    target = torch.tensor([[0, 0, 1], [1, 2, 2]])
    pred = torch.tensor([[0, 1, 1], [1, 2, 0]])
    cm = confusion_matrix(pred, target, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert pixel_accuracy(cm) == pytest.approx(4 / 6)
    # IoU: class 0: 1 / (2 + 2 - 1); class 1: 2 / (3 + 2 - 2); class 2: 1 / (1 + 2 - 1)
    torch.testing.assert_close(iou_per_class(cm), torch.tensor([1 / 3, 2 / 3, 1 / 2]).double())
    assert mean_iou(cm) == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)


def test_agrees_with_sklearn() -> None:
    g = torch.Generator().manual_seed(0)
    target = torch.randint(0, 4, (5, 9, 9), generator=g)
    pred = torch.where(
        torch.rand(5, 9, 9, generator=g) < 0.7, target, torch.randint(0, 4, (5, 9, 9), generator=g)
    )
    cm = confusion_matrix(pred, target, 4)
    assert (
        cm.tolist()
        == sk_confusion_matrix(target.flatten(), pred.flatten(), labels=range(4)).tolist()
    )
    sk = jaccard_score(target.flatten(), pred.flatten(), average=None)
    torch.testing.assert_close(iou_per_class(cm), torch.tensor(sk, dtype=torch.float64))


def test_absent_class_is_nan_and_left_out_of_the_mean() -> None:
    cm = confusion_matrix(torch.tensor([0, 0, 1]), torch.tensor([0, 0, 1]), 3)
    assert math.isnan(iou_per_class(cm)[2].item())
    assert mean_iou(cm) == 1.0


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix(torch.zeros(2, dtype=torch.long), torch.zeros(3, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(torch.tensor([2]), torch.tensor([0]), 2)


def test_binary_dice_iou() -> None:
    a = torch.tensor([1, 1, 1, 0], dtype=torch.bool)
    b = torch.tensor([0, 1, 1, 1], dtype=torch.bool)
    dice, iou = binary_dice_iou(a, b)
    assert dice == pytest.approx(2 * 2 / 6) and iou == pytest.approx(2 / 4)
    assert dice == pytest.approx(2 * iou / (1 + iou))  # the identity between them
    assert binary_dice_iou(torch.zeros(3, dtype=torch.bool), torch.zeros(3, dtype=torch.bool)) == (
        1.0,
        1.0,
    )
