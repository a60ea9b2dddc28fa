"""cvcourse.widgets.segmentation and cvcourse.viz.segmentation: drive them as a reader would."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cvcourse.models.unet import UNet
from cvcourse.viz.segmentation import show_aspp, show_fcn_variants, show_unet, unet_shapes
from cvcourse.widgets.segmentation import (
    PredictionBrowser,
    ThresholdExplorer,
    TransposedConvStamp,
    overlap_counts,
)


def test_overlap_counts_of_the_lecture() -> None:
    counts = overlap_counts(2, 3, 2)
    assert counts.shape == (5, 5)
    assert sorted(set(counts.flatten().tolist())) == [1, 2, 4]
    assert counts[2, 2] == 4  # the centre is covered by all four stamps
    assert set(overlap_counts(3, 2, 2).flatten().tolist()) == {1}  # k = s: no overlap
    assert set(overlap_counts(3, 4, 2)[2:-2, 2:-2].flatten().tolist()) == {4}  # even inside


def test_stamp_builds_the_transposed_convolution() -> None:
    stamp = TransposedConvStamp(in_size=3, kernel=3, stride=2)
    assert stamp.output_size == 7
    full = F.conv_transpose2d(
        stamp.input[None, None], torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2
    )
    torch.testing.assert_close(stamp.partial_output(), full[0, 0])
    stamp.set(step=1)
    assert stamp.partial_output().sum() == 9  # one stamp of value 1 over 3x3 pixels
    assert "checkerboard" in stamp.label.value
    stamp.set(kernel=2, stride=2, step=9)
    assert stamp.output_size == 6 and "even coverage" in stamp.summary()
    # k a multiple of s: even away from the border, although the border gets fewer stamps
    stamp.set(kernel=4, stride=2)
    assert stamp.interior_counts() == [4]
    assert set(stamp.overlap().flatten().tolist()) == {1, 2, 4}
    assert "even coverage" in stamp.summary() and "checkerboard" not in stamp.summary()
    assert "border only: [1, 2]" in stamp.label.value
    stamp.set(kernel=2, stride=3)  # k < s: pixels between the stamps get none
    assert stamp.interior_counts() == [0, 1] and "gaps" in stamp.summary()
    stamp.set(kernel=3, stride=2)
    assert stamp.interior_counts() == [1, 2, 4] and "checkerboard" in stamp.summary()
    stamp.sliders["kernel"].value = 4  # a reader moving the slider redraws too
    assert "4" in stamp.label.value and stamp.view.value
    assert len(stamp.figure().axes) == 3


def test_stamp_rejects_bad_settings() -> None:
    stamp = TransposedConvStamp()
    with pytest.raises(ValueError):
        stamp.set(stride=9)
    with pytest.raises(KeyError):
        stamp.set(padding=1)
    with pytest.raises(ValueError):
        TransposedConvStamp(in_size=9)


def test_threshold_explorer_scores() -> None:
    prob = torch.tensor([[0.9, 0.6], [0.4, 0.1]])
    target = torch.tensor([[True, True], [False, False]])
    explorer = ThresholdExplorer(prob, target, threshold=0.5)
    assert explorer.scores() == (1.0, 1.0)
    explorer.set(0.3)  # one false positive: Dice 2*2/5, IoU 2/3
    assert explorer.scores() == pytest.approx((0.8, 2 / 3))
    assert "Dice 0.800" in explorer.label.value
    explorer.slider.value = 0.95  # nothing predicted
    assert explorer.scores() == (0.0, 0.0)
    with pytest.raises(ValueError):
        explorer.set(1.5)
    assert len(explorer.figure().axes) == 3


def test_prediction_browser() -> None:
    images = torch.rand(3, 3, 8, 8)
    masks = torch.zeros(3, 8, 8, dtype=torch.long)
    masks[:, 2:5, 2:5] = 1
    preds = masks.clone()
    preds[1, 0, 0] = 1
    browser = PredictionBrowser(images, masks, preds, ["background", "circle"])
    assert browser.scores() == (1.0, 1.0)
    browser.select(1)
    accuracy, miou = browser.scores()
    assert accuracy == pytest.approx(63 / 64) and miou < 1
    assert "scene 1" in browser.label.value
    with pytest.raises(IndexError):
        browser.select(3)
    assert len(browser.figure().axes) == 4


def test_diagrams_read_real_shapes() -> None:
    shapes = unet_shapes(UNet(3, 4, 8, 2), (1, 3, 48, 48))
    assert shapes["bottleneck"] == (1, 32, 12, 12)
    assert shapes["decoders.0"] == (1, 16, 24, 24) and shapes["head"] == (1, 4, 48, 48)
    texts = [t.get_text() for t in show_unet(UNet(3, 4, 8, 2)).axes[0].texts]
    assert any("32×12×12" in t for t in texts)
    assert show_fcn_variants().axes and show_aspp().axes
