"""cvcourse.data.leaderboards: every published number carries its benchmark and source."""

from __future__ import annotations

import pytest

from cvcourse.data.leaderboards import (
    COCO_SPEED,
    VOC2012_CLASSES,
    VOC2012_LEADERBOARD,
    VOC_SPEED,
)


def test_leaderboard_rows_have_twenty_classes_and_consistent_means() -> None:
    assert len(VOC2012_CLASSES) == 20 and len(VOC2012_LEADERBOARD) == 16
    for entry in VOC2012_LEADERBOARD:
        assert len(entry.per_class) == 20
        assert entry.mean == pytest.approx(sum(entry.per_class) / 20, abs=0.05), entry.method


def test_speed_entries_name_their_benchmark_and_source() -> None:
    for entry in VOC_SPEED + COCO_SPEED:
        assert entry.benchmark.startswith(("VOC 2007", "VOC 2012", "COCO")), entry
        assert entry.metric in ("mAP@0.5", "AP50") and entry.source and entry.train_data
        assert 0 < entry.ap < 100
    faster = next(e for e in VOC_SPEED if e.method == "Faster R-CNN (VGG-16)")
    assert faster.ms_per_image == pytest.approx(142.857, abs=1e-3)
    assert any(e.fps is None and e.ms_per_image is None for e in VOC_SPEED)
    # R-FCN reports 170 ms per image (Dai et al. 2016, abstract).
    rfcn = next(e for e in VOC_SPEED if e.method.startswith("R-FCN"))
    assert rfcn.ms_per_image == pytest.approx(170.0)
