"""The worked numbers of the detection chapter, as the chapter glued them (CURRICULUM Ch 5)."""

from __future__ import annotations

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "detection"


def value(name: str):
    return glued_value(CHAPTER, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("iou_self", 1.0),
        ("iou_shifted", 0.142857),
        ("iou_touching", 0.0),
        ("iou_disjoint", 0.0),
        ("iou_half", 0.5),
        ("iou_plus1", 0.174757),
        ("nms_iou01", 0.68067),
        ("ap_all", 0.56667),
        ("ap_voc11", 0.56364),
        ("ap_coco101", 0.57096),
        ("voc_objects_per_image", 2.38),
        ("coco_objects_per_image", 7.70),
        ("ms_at_7fps", 142.9),
        ("ms_at_6fps", 166.7),
        ("ilsvrc_error", 0.5),
        ("focal_factor", 100),
    ],
)
def test_scalar_values(name: str, expected: float) -> None:
    assert value(name) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nms_05", [3, 2]),
        ("nms_07", [3, 1, 2]),
        ("batched_nms_05", [3, 0, 2]),
        ("yolo1_shape", [7, 7, 30]),
        ("yolo2_shape", [13, 13, 125]),
        ("coco_thresholds", 10),
        ("voc_rows", 16),
    ],
)
def test_exact_values(name: str, expected) -> None:
    assert value(name) == expected


def test_yolo_decode_example() -> None:
    assert value("yolo_decode") == pytest.approx([3.5, 4.5, 1.5, 4.0], abs=1e-6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("roi_pool", [[5.0, 7.0], [13.0, 15.0]]),
        ("roi_align_sr1", [[3.75, 5.25], [9.75, 11.25]]),
        ("roi_align_sr2_aligned", [[1.5625, 3.0], [7.3125, 8.75]]),
    ],
)
def test_roi_values(name: str, expected: list) -> None:
    got = value(name)
    assert [v for row in got for v in row] == pytest.approx(
        [v for row in expected for v in row], abs=1e-6
    )


def test_voc_leaderboard_means_match_their_rows() -> None:
    assert 0 <= value("voc_mean_max_deviation") <= 0.05


def test_detector_trained_in_the_chapter() -> None:
    # Training has a 70 s time budget, so how far it gets depends on the machine: on an idle
    # 2-core machine it reaches mAP@0.5 > 0.9, on one shared with other jobs (about 470 steps
    # instead of 2000) about 0.79. The bound guards against a broken model or training loop;
    # the goal (>= 0.8 whatever the load) is met by the shipped checkpoint, tested below.
    assert value("train_seconds") <= 90
    assert value("train_steps") >= 100
    assert value("detector_parameters") * 4 < 2e6  # float32 bytes: the model is under 2 MB
    assert value("det_map50") >= 0.7
    assert 0.3 <= value("det_map") <= value("det_map50")


def test_shipped_checkpoint_in_the_chapter() -> None:
    # Deterministic: the checkpoint and the test split are fixed (0.960 / 0.790 when shipped).
    assert value("ckpt_map50") == pytest.approx(0.960, abs=0.01)
    assert value("ckpt_map") == pytest.approx(0.790, abs=0.01)
    assert value("ckpt_kb") < 2048
