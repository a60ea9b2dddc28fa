"""cvcourse.widgets.detection: drive each explorer as a reader would and check what it shows."""

from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

from cvcourse.widgets.detection import (
    IoUExplorer,
    KMeansAnchors,
    NMSExplorer,
    PRCurveBuilder,
    _wh_iou,
)

# ------------------------------------------------------------------------------------------ IoU


def test_iou_explorer_reports_the_worked_cases() -> None:
    explorer = IoUExplorer(box_a=(0, 0, 10, 10), box_b=(5, 5, 15, 15))
    assert explorer.intersection == 25 and explorer.union == 175
    assert explorer.iou == pytest.approx(1 / 7)
    explorer.set_box("b", (10, 0, 20, 10))  # touching
    assert explorer.iou == 0.0 and explorer.intersection == 0
    explorer.set_box("b", (0, 0, 5, 10))
    assert explorer.iou == pytest.approx(0.5)
    assert "0.5000" in explorer.readout.value


def test_iou_explorer_sliders_move_box_b_and_redraw() -> None:
    explorer = IoUExplorer(box_a=(0, 0, 10, 10), box_b=(0, 0, 10, 10))
    assert explorer.iou == pytest.approx(1.0)
    png = explorer.view.value
    explorer.sliders["b_x"].value = 5  # drag box b right by 5
    assert explorer.boxes["b"].tolist() == [5.0, 0.0, 15.0, 10.0]
    assert explorer.iou == pytest.approx(50 / 150)
    assert explorer.view.value != png
    explorer.sliders["b_w"].value = 0  # a zero-width box: IoU 0, no division by zero
    assert explorer.iou == 0.0


def test_iou_explorer_set_box_updates_sliders_and_checks_input() -> None:
    explorer = IoUExplorer()
    explorer.set_box("a", (3, 4, 13, 24))
    assert [explorer.sliders[f"a_{p}"].value for p in "xywh"] == [3, 4, 10, 20]
    with pytest.raises(KeyError, match="'a' or 'b'"):
        explorer.set_box("c", (0, 0, 1, 1))
    with pytest.raises(ValueError, match="x2 >= x1"):
        explorer.set_box("a", (10, 0, 5, 5))
    fig = explorer.figure()
    assert isinstance(fig, Figure) and "IoU" in fig.axes[0].get_title()


# ------------------------------------------------------------------------------------------ NMS

RAW = {
    "boxes": torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]]),
    "scores": torch.tensor([0.9, 0.8, 0.7, 0.95]),
    "labels": torch.tensor([1, 1, 1, 2]),
}
IMAGE = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0))


def test_nms_explorer_reproduces_the_worked_example() -> None:
    explorer = NMSExplorer(IMAGE, RAW, score_threshold=0.0, iou_threshold=0.5)
    assert explorer.candidates.tolist() == [3, 0, 1, 2]  # by decreasing score
    assert explorer.kept.tolist() == [3, 0, 2]  # class-aware: box 3 has its own class
    explorer.set(iou_threshold=0.7)
    assert explorer.kept.tolist() == [3, 0, 1, 2]  # IoU(0, 1) = 0.68 < 0.7


def test_nms_explorer_score_slider_drops_candidates() -> None:
    explorer = NMSExplorer(IMAGE, RAW, score_threshold=0.0, iou_threshold=0.5)
    png = explorer.view.value
    explorer.score_slider.value = 0.85  # as a reader dragging the slider
    assert explorer.candidates.tolist() == [3, 0]
    assert explorer.kept.tolist() == [3, 0]
    assert "2 candidates, 2 kept" in explorer.readout.value
    assert explorer.view.value != png
    assert len(explorer.figure().axes) == 2


def test_nms_explorer_checks_input() -> None:
    with pytest.raises(KeyError, match="scores"):
        NMSExplorer(IMAGE, {"boxes": RAW["boxes"], "labels": RAW["labels"]})
    explorer = NMSExplorer(IMAGE, RAW)
    with pytest.raises(ValueError, match="iou_threshold"):
        explorer.set(iou_threshold=1.5)


# ------------------------------------------------------------------------------------ PR curve

SCORES = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])
IS_TP = torch.tensor([True, False, True, False, True])


def test_pr_builder_shows_the_worked_aps() -> None:
    builder = PRCurveBuilder(SCORES, IS_TP, num_gt=4)
    assert builder.ap["all"] == pytest.approx(0.56667, abs=1e-5)
    assert builder.ap["voc11"] == pytest.approx(0.56364, abs=1e-5)
    assert builder.ap["coco101"] == pytest.approx(0.57096, abs=1e-5)
    precision, recall = builder.curve()
    assert recall.tolist() == [0.25, 0.25, 0.5, 0.5, 0.75]


def test_pr_builder_toggles_and_threshold() -> None:
    builder = PRCurveBuilder(SCORES, IS_TP, num_gt=4)
    png = builder.view.value
    builder.toggles[1].value = True  # the reader marks the second detection as a TP
    # TP, TP, TP, FP, TP: envelope 1 up to recall 0.75, then 0.8 up to 1.
    assert builder.ap["all"] == pytest.approx(0.25 * (1 + 1 + 1 + 0.8), abs=1e-9)
    assert builder.view.value != png
    builder.set_tp(1, False)
    builder.set_threshold(0.75)  # only the two best detections remain: TP, FP
    assert builder.kept.tolist() == [True, True, False, False, False]
    assert builder.ap["all"] == pytest.approx(0.25)


def test_pr_builder_refuses_more_true_positives_than_objects() -> None:
    builder = PRCurveBuilder(SCORES, IS_TP, num_gt=3)
    with pytest.raises(ValueError, match="num_gt"):
        builder.set_tp(1, True)
    builder.toggles[3].value = True  # clicking in the widget is undone instead
    assert builder.toggles[3].value is False
    assert int(builder.is_tp.sum()) == 3


def test_pr_builder_sorts_its_input() -> None:
    builder = PRCurveBuilder(SCORES.flip(0), IS_TP.flip(0), num_gt=4)
    assert builder.scores.tolist() == pytest.approx(SCORES.tolist())
    assert [t.value for t in builder.toggles] == IS_TP.tolist()


# ------------------------------------------------------------------------------------- k-means


def _three_clusters() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[6.0, 6.0], [20.0, 8.0], [10.0, 24.0]])
    return torch.cat([c + torch.randn(40, 2, generator=g) * 0.5 for c in centres])


def test_kmeans_finds_the_three_clusters() -> None:
    explorer = KMeansAnchors(_three_clusters(), k=3, seed=0)
    anchors = explorer.anchors
    expected = torch.tensor([[6.0, 6.0], [20.0, 8.0], [10.0, 24.0]])  # sorted by area already
    assert torch.allclose(anchors, expected, atol=0.5)
    assert explorer.mean_iou > 0.9
    assert torch.equal(explorer.assignment, torch.arange(3).repeat_interleave(40))


def test_kmeans_slider_changes_k_and_mean_iou_grows() -> None:
    explorer = KMeansAnchors(_three_clusters(), k=1, seed=0)
    one = explorer.mean_iou
    explorer.k_slider.value = 3
    assert len(explorer.anchors) == 3
    assert explorer.mean_iou > one
    explorer.set_k(5)
    assert len(explorer.anchors) == 5 and set(explorer.assignment.tolist()) <= set(range(5))
    with pytest.raises(ValueError, match="k must be"):
        explorer.set_k(0)


def test_kmeans_uses_iou_not_euclidean_distance() -> None:
    # A case where the two distances disagree, checked on the distance itself.
    wh = torch.tensor([[3.0, 3.0]])
    anchors = torch.tensor([[1.0, 1.0], [6.0, 6.0]])
    # Euclidean: |3-1| = 2 < |6-3| = 3, so anchor 0; IoU: 1/9 < 9/36, so anchor 1.
    assert _wh_iou(wh, anchors).argmax(1).item() == 1
    assert torch.allclose(_wh_iou(wh, anchors), torch.tensor([[1 / 9, 9 / 36]]))


def test_kmeans_checks_input() -> None:
    with pytest.raises(ValueError, match="wh"):
        KMeansAnchors(torch.zeros(0, 2))
    with pytest.raises(ValueError, match="positive"):
        KMeansAnchors(torch.tensor([[1.0, 0.0]]), k=1)


# ------------------------------------------------------------------ shown once, with fallback


def _explorers() -> list:
    return [
        IoUExplorer(),
        NMSExplorer(IMAGE, RAW, score_threshold=0.0, iou_threshold=0.5),
        PRCurveBuilder(SCORES, IS_TP, num_gt=4),
        KMeansAnchors(_three_clusters(), k=3, seed=0),
    ]


@pytest.mark.parametrize("index", range(4))
def test_displaying_an_explorer_gives_one_widget_view_with_its_figure_as_fallback(
    index: int,
) -> None:
    # One output per explorer: the live widget first (what the built book renders), and the static
    # figure only as the PNG alternative of that same output (what a viewer without widgets shows).
    explorer = _explorers()[index]
    bundle = explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    assert bundle["image/png"].startswith(b"\x89PNG")
    # The widget's own image area holds the same drawing, so the page needs no second figure.
    assert bytes(explorer.view.value).startswith(b"\x89PNG")


def test_nms_explorer_thresholds_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        NMSExplorer(IMAGE, RAW, None, 0.5, 0.2)  # type: ignore[misc]
    explorer = NMSExplorer(IMAGE, RAW, score_threshold=0.0, iou_threshold=0.5)
    with pytest.raises(TypeError):
        explorer.set(0.1, 0.5)  # type: ignore[misc]
