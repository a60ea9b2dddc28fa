"""cvcourse.metrics: worked AP values, matching rules, argument checks."""

from __future__ import annotations

import math

import pytest
import torch

from cvcourse.metrics import (
    COCO_IOU_THRESHOLDS,
    average_precision,
    mean_average_precision,
    precision_recall_curve,
)

# The curriculum's worked example: ranked TP, FP, TP, FP, TP with 4 ground-truth boxes.
SCORES = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])
IS_TP = torch.tensor([True, False, True, False, True])


@pytest.mark.parametrize(
    ("method", "expected"), [("all", 0.56667), ("voc11", 0.56364), ("coco101", 0.57096)]
)
def test_worked_average_precision(method: str, expected: float) -> None:
    assert average_precision(SCORES, IS_TP, 4, method) == pytest.approx(expected, abs=5e-6)


def test_average_precision_ranks_by_score_not_input_order() -> None:
    permutation = torch.tensor([4, 2, 0, 3, 1])
    for method in ("all", "voc11", "coco101"):
        shuffled = average_precision(SCORES[permutation], IS_TP[permutation], 4, method)
        assert shuffled == pytest.approx(average_precision(SCORES, IS_TP, 4, method))


def test_precision_recall_curve_values() -> None:
    precision, recall = precision_recall_curve(SCORES, IS_TP, 4)
    assert torch.allclose(
        precision, torch.tensor([1, 1 / 2, 2 / 3, 2 / 4, 3 / 5], dtype=torch.float64)
    )
    assert torch.allclose(recall, torch.tensor([0.25, 0.25, 0.5, 0.5, 0.75], dtype=torch.float64))


def test_envelope_is_used() -> None:
    # FP first, then TP: raw precision at the TP is 1/2, and the envelope makes the first
    # point 1/2 too; without the envelope VOC-11 would be (0 + ...) instead of 0.5 at r=0.
    scores = torch.tensor([0.9, 0.8])
    is_tp = torch.tensor([False, True])
    assert average_precision(scores, is_tp, 1, "all") == pytest.approx(0.5)
    assert average_precision(scores, is_tp, 1, "voc11") == pytest.approx(0.5)


def test_perfect_and_empty_detections() -> None:
    assert (
        average_precision(torch.tensor([0.5, 0.4]), torch.tensor([True, True]), 2, "coco101") == 1.0
    )
    assert average_precision(torch.zeros(0), torch.zeros(0, dtype=torch.bool), 3) == 0.0


def test_average_precision_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="method"):
        average_precision(SCORES, IS_TP, 4, "voc12")
    with pytest.raises(ValueError, match="num_gt"):
        average_precision(SCORES, IS_TP, 0)
    with pytest.raises(ValueError, match="num_gt"):
        average_precision(SCORES, IS_TP, 2)  # 3 true positives cannot come from 2 boxes
    with pytest.raises(ValueError, match="same length"):
        average_precision(SCORES, IS_TP[:3], 4)


def _one_image(pred_boxes, scores, labels, gt_boxes, gt_labels):
    preds = [
        {
            "boxes": torch.tensor(pred_boxes, dtype=torch.float32).view(-1, 4),
            "scores": torch.tensor(scores),
            "labels": torch.tensor(labels),
        }
    ]
    targets = [
        {
            "boxes": torch.tensor(gt_boxes, dtype=torch.float32).view(-1, 4),
            "labels": torch.tensor(gt_labels),
        }
    ]
    return preds, targets


def test_each_ground_truth_is_matched_once() -> None:
    # Two identical predictions on one object: the second is a false positive.
    preds, targets = _one_image(
        [[0, 0, 10, 10], [0, 0, 10, 10]], [0.9, 0.8], [1, 1], [[0, 0, 10, 10]], [1]
    )
    result = mean_average_precision(preds, targets, method="all")
    # ranked TP, FP with 1 GT: precision envelope 1 at recall 1 -> AP 1; check the duplicate
    # does not add recall by adding a second object the duplicate could match.
    preds2, targets2 = _one_image(
        [[0, 0, 10, 10], [0, 0, 10, 10]],
        [0.9, 0.8],
        [1, 1],
        [[0, 0, 10, 10], [40, 40, 50, 50]],
        [1, 1],
    )
    assert result["map"] == pytest.approx(1.0)
    assert mean_average_precision(preds2, targets2, method="all")["map"] == pytest.approx(0.5)


def test_match_takes_best_unmatched_ground_truth() -> None:
    # The top prediction overlaps GT a (IoU 1) and GT b a little; the second overlaps only GT b.
    preds, targets = _one_image(
        [[0, 0, 10, 10], [5, 0, 15, 10]],
        [0.9, 0.8],
        [1, 1],
        [[0, 0, 10, 10], [5, 0, 15, 10]],
        [1, 1],
    )
    assert mean_average_precision(preds, targets, method="all")["map"] == pytest.approx(1.0)


def test_no_matching_across_classes_or_images() -> None:
    preds, targets = _one_image([[0, 0, 10, 10]], [0.9], [2], [[0, 0, 10, 10]], [1])
    result = mean_average_precision(preds, targets)
    assert result["ap_per_class"] == {1: 0.0}  # class 2 has no GT: excluded
    # Across images: the prediction is on image 0, the object on image 1.
    preds = [
        {
            "boxes": torch.tensor([[0.0, 0, 10, 10]]),
            "scores": torch.tensor([0.9]),
            "labels": torch.tensor([1]),
        },
        {
            "boxes": torch.zeros(0, 4),
            "scores": torch.zeros(0),
            "labels": torch.zeros(0, dtype=torch.long),
        },
    ]
    targets = [
        {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.long)},
        {"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])},
    ]
    assert mean_average_precision(preds, targets)["map"] == 0.0


def test_iou_threshold_is_inclusive() -> None:
    # IoU exactly 0.5: [0,0,10,10] vs [0,0,5,10]. COCO counts IoU >= t as a match.
    preds, targets = _one_image([[0, 0, 5, 10]], [0.9], [1], [[0, 0, 10, 10]], [1])
    result = mean_average_precision(preds, targets, iou_thresholds=(0.5, 0.55))
    assert result["ap"][0.5][1] == 1.0
    assert result["ap"][0.55][1] == 0.0
    assert result["map"] == pytest.approx(0.5)
    assert result["map_50"] == 1.0


def test_coco_thresholds_give_map_50_95() -> None:
    preds, targets = _one_image([[0, 0, 10, 10]], [0.9], [1], [[0, 0, 10, 10]], [1])
    result = mean_average_precision(preds, targets, iou_thresholds=COCO_IOU_THRESHOLDS)
    assert len(COCO_IOU_THRESHOLDS) == 10
    assert result["map_50_95"] == result["map"] == 1.0
    assert set(result) >= {
        "map",
        "map_50",
        "map_75",
        "map_50_95",
        "ap",
        "ap_per_class",
        "map_per_threshold",
    }


def test_no_ground_truth_at_all_gives_nan() -> None:
    preds, targets = _one_image([[0, 0, 10, 10]], [0.9], [1], [], [])
    assert math.isnan(mean_average_precision(preds, targets)["map"])


def test_max_detections_per_image_and_class() -> None:
    # 3 FPs scored above the TP: with max_detections=2 the TP is cut off.
    boxes = [[30, 30, 40, 40], [30, 30, 41, 41], [31, 31, 40, 40], [0, 0, 10, 10]]
    preds, targets = _one_image(boxes, [0.9, 0.8, 0.7, 0.6], [1] * 4, [[0, 0, 10, 10]], [1])
    assert mean_average_precision(preds, targets, max_detections=2)["map"] == 0.0
    assert mean_average_precision(preds, targets, max_detections=4)["map"] > 0.0


def test_mean_average_precision_rejects_bad_input() -> None:
    preds, targets = _one_image([[0, 0, 10, 10]], [0.9], [1], [[0, 0, 10, 10]], [1])
    with pytest.raises(ValueError, match="same length"):
        mean_average_precision(preds, targets + targets)
    with pytest.raises(KeyError, match="scores"):
        mean_average_precision(
            [{"boxes": preds[0]["boxes"], "labels": preds[0]["labels"]}], targets
        )
    with pytest.raises(ValueError, match="iou_thresholds"):
        mean_average_precision(preds, targets, iou_thresholds=(1.5,))
    with pytest.raises(ValueError, match="method"):
        mean_average_precision(preds, targets, method="area")
