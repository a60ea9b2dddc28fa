"""cvcourse.cls_metrics against the chapter's worked example and scikit-learn."""

from __future__ import annotations

import math

import pytest
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from cvcourse.cls_metrics import (
    accuracy,
    confusion_matrix,
    multilabel_counts,
    precision_recall_f1,
    prf_from_counts,
    subset_accuracy,
)


def test_the_cat_and_dog_example() -> None:
    cat, dog = 0, 1
    pred = torch.tensor([cat, cat, dog, cat])
    gold = torch.tensor([dog, cat, dog, dog])
    cm = confusion_matrix(pred, gold, 2)
    assert cm.tolist() == [[1, 0], [2, 1]]  # rows true: one cat (found); three dogs, two missed
    assert accuracy(cm) == 0.5
    precision, recall, f1 = precision_recall_f1(cm)
    torch.testing.assert_close(precision, torch.tensor([1 / 3, 1.0], dtype=torch.float64))
    torch.testing.assert_close(recall, torch.tensor([1.0, 1 / 3], dtype=torch.float64))
    torch.testing.assert_close(f1, torch.tensor([0.5, 0.5], dtype=torch.float64))


def test_single_label_matches_sklearn() -> None:
    g = torch.Generator().manual_seed(0)
    for k in (2, 3, 7):
        gold = torch.randint(0, k, (200,), generator=g)
        # right two thirds of the time, so the matrix has a strong diagonal and errors
        pred = torch.where(
            torch.rand(200, generator=g) < 0.66, gold, torch.randint(0, k, (200,), generator=g)
        )
        cm = confusion_matrix(pred, gold, k)
        p, r, f, _ = precision_recall_fscore_support(
            gold.numpy(), pred.numpy(), labels=list(range(k)), zero_division=0
        )
        ours = precision_recall_f1(cm)
        for mine, theirs in zip(ours, (p, r, f), strict=True):
            torch.testing.assert_close(mine, torch.from_numpy(theirs).double())
        assert accuracy(cm) == pytest.approx(accuracy_score(gold.numpy(), pred.numpy()))


def test_a_class_never_predicted_has_zero_precision_not_nan() -> None:
    cm = confusion_matrix(torch.tensor([0, 0, 0]), torch.tensor([0, 1, 2]), 3)
    precision, recall, f1 = precision_recall_f1(cm)
    assert precision.tolist() == [1 / 3, 0.0, 0.0]
    assert recall.tolist() == [1.0, 0.0, 0.0]
    assert f1.tolist() == [0.5, 0.0, 0.0]
    assert not torch.isnan(f1).any()
    with pytest.raises(ValueError, match="square"):
        precision_recall_f1(torch.zeros(2, 3, dtype=torch.long))
    assert math.isnan(accuracy(torch.zeros(2, 2, dtype=torch.long)))  # no samples: undefined


def test_multilabel_matches_sklearn() -> None:
    g = torch.Generator().manual_seed(1)
    target = torch.rand(100, 4, generator=g) < 0.4
    flip = torch.rand(100, 4, generator=g) < 0.2
    pred = target ^ flip
    tp, fp, fn = multilabel_counts(pred, target)
    assert (tp + fn).tolist() == target.sum(0).tolist()
    assert (tp + fp).tolist() == pred.sum(0).tolist()
    p, r, f, _ = precision_recall_fscore_support(target.numpy(), pred.numpy(), zero_division=0)
    for mine, theirs in zip(prf_from_counts(tp, fp, fn), (p, r, f), strict=True):
        torch.testing.assert_close(mine, torch.from_numpy(theirs).double())
    # sklearn's accuracy_score on label-indicator matrices is the subset (exact-match) accuracy
    assert subset_accuracy(pred, target) == pytest.approx(
        accuracy_score(target.numpy(), pred.numpy())
    )
    with pytest.raises(ValueError, match=r"\[N, L\]"):
        subset_accuracy(pred[:, :3], target)
