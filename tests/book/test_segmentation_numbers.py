"""The worked numbers of the segmentation chapter, as the chapter glued them (CURRICULUM Ch 4)."""

from __future__ import annotations

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "segmentation"


def value(name: str):
    return glued_value(CHAPTER, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("onehot_ch0", [[0, 0, 1], [1, 0, 0], [0, 0, 0]]),
        ("onehot_counts", [2, 3, 3, 1]),
        ("unpool_pooled", [[6, 8], [3, 4]]),
        ("unpool_indices", [[5, 7], [8, 15]]),
        ("unpool_result", [[0, 0, 0, 0], [0, 6, 0, 8], [3, 0, 0, 0], [0, 0, 0, 4]]),
        ("tsize_k3s2", 5),
        ("tsize_k3s2p1", 3),
        ("tsize_k3s2p1op1", 4),
        ("tsize_k4s2p1", 4),
        ("tsize_k2s2", 4),
        ("overlap_values", [1, 2, 4]),
        ("overlap_k4s2_inner", [4]),
        ("dilated_extents", [3, 5, 9]),
        ("dilated_stack_rf", 15),
        ("ex_tsize", 6),
        ("ex_overlap_values", [1, 2, 4]),
        ("ex_cropped_ring", [1, 2]),
        ("ex_cropped_inside", [4]),
        ("sigmoid_saturates", True),
        ("lr_peak_step", 100),
        ("lr_steps_past_peak", 150),
        ("ex_plain_rf", 7),
        ("ex_dice_matches", True),
        ("ex_adjoint_grad", True),
    ],
)
def test_exact_values(name: str, expected) -> None:
    assert value(name) == expected


@pytest.mark.parametrize(
    ("name", "expected", "tolerance"),
    [
        ("dice_value", 0.97143, 1e-5),
        ("focal_hard_pos", 0.46627, 1e-5),
        ("focal_hard_neg", 1.39882, 1e-5),
        ("focal_easy_factor", 400, 0),
        ("ex_dice_from_iou", 0.6667, 1e-4),
        ("ex_focal_factor", 133.3, 0.05),
    ],
)
def test_scalar_values(name: str, expected: float, tolerance: float) -> None:
    assert value(name) == pytest.approx(expected, abs=tolerance)


def test_transposed_convolution_is_the_adjoint() -> None:
    assert float(value("ex_adjoint_error")) < 1e-10


def test_focal_easy_positive() -> None:
    assert float(value("focal_easy_pos")) == pytest.approx(2.634e-4, rel=1e-3)


def test_dice_gradient_matches_autograd() -> None:
    # 2 [g_j S - 2 p_j I] / S^2 with S = 3.5 and I = 1.7, the lecture's formula
    expected = [
        2 * (g * 3.5 - 2 * p * 1.7) / 3.5**2
        for p, g in zip((0.9, 0.8, 0.1, 0.2), (1, 1, 0, 0), strict=True)
    ]
    assert value("dice_grad") == pytest.approx(expected, abs=1e-5)
    assert value("dice_grad_error") < 1e-12


def test_checkerboard_comparison() -> None:
    assert value("checker_none") == pytest.approx(0.0, abs=1e-6)
    assert value("checker_last_two") > value("checker_last") > 0.1
    # k = s removes the uneven overlap, not the pattern: each phase has its own weight
    assert value("checker_k2s2") == pytest.approx(1.085, abs=1e-3)


def test_class_imbalance_and_the_background_only_baseline() -> None:
    frequencies = value("class_frequencies")
    assert sum(frequencies) == pytest.approx(1.0, abs=1e-3)
    assert value("background_fraction") == pytest.approx(frequencies[0], abs=1e-3)
    assert value("bg_only_accuracy") == pytest.approx(frequencies[0], abs=0.02)  # test vs train
    assert value("bg_only_miou") < 0.25 + 1e-9  # 1 of 4 classes, IoU = background fraction
    weights = value("class_weights")
    assert sum(weights) / len(weights) == pytest.approx(1.0, abs=2e-3)
    assert weights == sorted(weights)  # rarer classes weigh more


def test_unet_trained_in_the_chapter() -> None:
    assert value("unet_parameters") == 29652
    assert value("test_miou") >= 0.9
    # halfway: 150 steps past the learning-rate peak (step 100 of 500), the rate still ~70 % of it
    assert 0 < value("half_miou") < value("test_miou")
    assert value("lr_half_fraction") == pytest.approx(0.69, abs=0.005)
    per_class = value("test_iou_per_class")
    assert sum(per_class) / len(per_class) == pytest.approx(value("test_miou"), abs=2e-3)
    assert value("test_pixel_accuracy") > value("bg_only_accuracy")
    first, last = value("loss_first_last")
    assert last < first / 20
    assert value("confusion_worst_rate") < 0.1
    dice = value("ex_dice_per_class")
    assert all(d >= i - 1e-3 for d, i in zip(dice, per_class, strict=True))  # Dice >= IoU (rounded)
    assert 0 < value("threshold_iou") <= value("threshold_dice") <= 1
    assert value("threshold_dice") <= value("best_threshold_dice") <= 1
    assert 0.05 <= value("best_threshold") <= 0.95
    # the text: the circle pixels lost at 0.5 are mostly taken for another shape, not background
    assert value("threshold_missed_as") in ("square", "triangle")
    assert value("threshold_missed_major") > value("threshold_missed") / 2
