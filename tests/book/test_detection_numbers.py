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
        ("coco_objects_per_image", 7.27),
        ("ms_at_7fps", 142.9),
        ("rfcn_fps", 5.9),
        ("ilsvrc_error", 0.5),
        ("focal_factor", 100),
        ("giou_disjoint", -1 / 3),
        ("match_iou_pa", 0.905),
        ("match_iou_pb", 0.739),
        ("ex_iou", 1 / 3),
        ("ex_ap", 0.55),
    ],
)
def test_scalar_values(name: str, expected: float) -> None:
    assert value(name) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # VOC looks only at the best-overlapping object (taken: a duplicate); COCO at the best free.
        ("match_voc", [True, False]),
        ("match_coco", [True, True]),
        ("ex_voc_swapped", [True, False]),
        ("ex_coco_swapped", [True, True]),
        ("ssd_boxes", 8732),
        ("yolo3_channels", 255),
        ("yolo3_boxes", 10647),
        ("ex_rpn_anchors", 21600),
        ("ex_roundtrip_ok", True),
    ],
)
def test_matching_and_architecture_values(name: str, expected) -> None:
    assert value(name) == expected


def test_box_regression_targets_and_the_exercise_solution() -> None:
    expected = [0.25, -0.25, 0.223144, 0.405465]  # 10/40, -5/20, ln 1.25, ln 1.5
    assert value("box_targets") == pytest.approx(expected, abs=1e-6)
    # Exercise 5's code solution reproduces the worked example from xyxy boxes.
    assert value("ex_encode_example") == pytest.approx(expected, abs=1e-5)


def test_rpn_anchor_labels_partition_the_anchors() -> None:
    assert value("rpn_anchors") == 16 * 16 * 9
    assert value("rpn_pos") + value("rpn_neg") + value("rpn_ign") == value("rpn_anchors")
    assert value("rpn_pos") >= value("rpn_objects") == 3  # every object has an anchor
    assert value("rpn_neg") > value("rpn_anchors") / 2  # mostly background


def test_roi_align_shift_then_clamp() -> None:
    # aligned=True moves every sample half a cell up-left: values drop by 0.5 + 4 * 0.5 = 2.5 ...
    shifted = value("roi_shift_only")
    assert [v for row in shifted for v in row] == pytest.approx([1.25, 2.75, 7.25, 8.75])
    # ... and clamping the samples before the first cell raises them to roi_align's output.
    clamped = [v for row in value("roi_with_clamp") for v in row]
    assert clamped == pytest.approx([v for row in value("roi_align_sr2_aligned") for v in row])
    assert all(c >= s for c, s in zip(clamped, [v for row in shifted for v in row], strict=True))


def test_inside_the_detector_targets_and_loss() -> None:
    assert value("inside_peaks") == value("inside_objects") == 3  # one target peak per object
    assert value("inside_box_cells") >= value("inside_objects")
    before, after = value("inside_untrained"), value("inside_trained")
    for losses in (before, after):
        assert losses["loss"] == pytest.approx(losses["heatmap"] + 2 * losses["box"], abs=2e-3)
    assert after["heatmap"] < before["heatmap"] and after["box"] < before["box"]
    for stage, losses in (("untrained", before), ("trained", after)):  # the numbers in the prose
        for term in ("heatmap", "box"):
            assert value(f"inside_{stage}_{term}") == losses[term]


def test_map_against_the_iou_threshold_exercise() -> None:
    # Exercise 6: the shipped checkpoint's mAP at each COCO threshold (deterministic).
    curve = value("ex_map_curve")
    assert len(curve) == 10 and curve[0] == pytest.approx(value("ckpt_map50"), abs=1e-3)
    assert all(a >= b for a, b in zip(curve, curve[1:], strict=False))
    assert sum(curve) / 10 == pytest.approx(value("ckpt_map"), abs=2e-3)
    assert value("ex_map_below_half") == 0.95


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
