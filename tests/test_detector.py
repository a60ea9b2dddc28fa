"""TinyDetector: shapes, targets, loss, decoding, NMS, a short training run, the checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from cvcourse.metrics import mean_average_precision
from cvcourse.models.detector import (
    TinyDetector,
    cell_centers,
    decode,
    detect,
    postprocess,
    sides_to_boxes,
)
from cvcourse.models.detector_targets import detector_loss, encode_targets, hflip_batch
from cvcourse.models.train_detector import (
    DEFAULT_CHECKPOINT,
    DenseDetectionBatches,
    load_detector,
    save_detector,
    stack_dataset,
    train_detector,
)

TARGETS = [
    {
        "boxes": torch.tensor([[8.0, 12.0, 28.0, 30.0], [40.0, 40.0, 60.0, 56.0]]),
        "labels": torch.tensor([1, 3]),
    },
    {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)},
]


def test_output_shapes_and_size_limit() -> None:
    model = TinyDetector(num_classes=4)
    out = model(torch.rand(2, 3, 64, 64))
    assert out["heatmap"].shape == (2, 4, 16, 16)
    assert out["sides"].shape == (2, 4, 16, 16)
    megabytes = sum(p.numel() for p in model.parameters()) * 4 / 1e6
    assert megabytes < 2.0
    with pytest.raises(ValueError, match="multiples of 8"):
        model(torch.rand(1, 3, 60, 64))
    with pytest.raises(ValueError, match="num_classes"):
        TinyDetector(0)


def test_cell_centers_and_side_decoding() -> None:
    centers = cell_centers(2, 3, stride=4)
    assert centers[0, 0].tolist() == [2.0, 2.0]
    assert centers[1, 2].tolist() == [10.0, 6.0]  # (x, y) of row 1, column 2
    sides = torch.log(torch.tensor([1.0, 2.0, 3.0, 4.0])).view(1, 4, 1, 1).expand(1, 4, 2, 3)
    boxes = sides_to_boxes(sides, stride=4)
    assert torch.allclose(boxes[0, 1, 2], torch.tensor([10 - 1.0, 6 - 2.0, 10 + 3.0, 6 + 4.0]))


def test_encode_targets_peaks_and_regions() -> None:
    dense = encode_targets(TARGETS, num_classes=4, grid=(16, 16), stride=4)
    heat = dense["heatmap"]
    # Object 0 (class 1) is centred at (18, 21): cell (row 5, column 4); object 1 at (50, 48).
    assert heat[0, 0, 5, 4] == 1.0 and heat[0, 2, 12, 12] == 1.0
    assert heat[0, 0].max() == 1.0 and (heat[0, 0] == 1.0).sum() == 1
    assert heat[0, 1].sum() == 0 and heat[0, 3].sum() == 0  # classes without objects
    assert heat[1].sum() == 0 and dense["box_weight"][1].sum() == 0  # an empty image
    weight = dense["box_weight"][0]
    assert weight[5, 4] == 1.0
    assert torch.equal(dense["boxes"][0, 5, 4], TARGETS[0]["boxes"][0])
    # Every regressing cell's centre lies inside the box it regresses.
    cells = weight > 0
    centers = cell_centers(16, 16, 4)[cells]
    boxes = dense["boxes"][0][cells]
    assert ((centers > boxes[:, :2]) & (centers < boxes[:, 2:])).all()
    with pytest.raises(ValueError, match="labels"):
        encode_targets(
            [{"boxes": TARGETS[0]["boxes"], "labels": torch.tensor([0, 1])}], 4, (16, 16), 4
        )


def test_smaller_object_wins_shared_cells() -> None:
    big = torch.tensor([[0.0, 0.0, 64.0, 64.0]])
    small = torch.tensor([[24.0, 24.0, 40.0, 40.0]])
    target = [{"boxes": torch.cat([small, big]), "labels": torch.tensor([1, 2])}]
    dense = encode_targets(target, 2, (16, 16), 4)
    assert torch.equal(dense["boxes"][0, 8, 8], small[0])


def test_hflip_mirrors_images_and_targets() -> None:
    images = torch.rand(2, 3, 64, 64)
    dense = encode_targets(TARGETS, 4, (16, 16), 4)
    flipped_images, flipped = hflip_batch(images, dense)
    expected = encode_targets(
        [
            {
                "boxes": torch.tensor([[36.0, 12.0, 56.0, 30.0], [4.0, 40.0, 24.0, 56.0]]),
                "labels": torch.tensor([1, 3]),
            },
            TARGETS[1],
        ],
        4,
        (16, 16),
        4,
    )
    assert torch.equal(flipped_images, images.flip(-1))
    for key in ("heatmap", "box_weight", "boxes"):
        assert torch.allclose(flipped[key], expected[key]), key


def test_loss_is_finite_and_backpropagates() -> None:
    torch.manual_seed(0)
    model = TinyDetector(4)
    dense = encode_targets(TARGETS, 4, (16, 16), 4)
    losses = detector_loss(model(torch.rand(2, 3, 64, 64)), dense)
    assert set(losses) == {"loss", "heatmap", "box"}
    assert torch.isfinite(losses["loss"])
    losses["loss"].backward()
    assert all(p.grad is not None for p in model.parameters())


def test_perfect_outputs_have_near_zero_box_loss() -> None:
    # A heatmap equal to the target and sides that reproduce each cell's target box.
    dense = encode_targets(TARGETS[:1], 4, (16, 16), 4)
    centers = cell_centers(16, 16, 4)
    boxes = dense["boxes"][0]
    distances = torch.cat([centers - boxes[..., :2], boxes[..., 2:] - centers], dim=-1).clamp(
        min=1e-3
    )
    sides = distances.log().permute(2, 0, 1)[None]
    logits = torch.logit(dense["heatmap"].clamp(1e-6, 1 - 1e-6))
    losses = detector_loss({"heatmap": logits, "sides": sides}, dense)
    assert losses["box"] < 1e-4


def test_decode_and_postprocess() -> None:
    heatmap = torch.full((1, 2, 16, 16), -10.0)
    heatmap[0, 1, 5, 4] = 3.0  # one confident class-2 cell
    heatmap[0, 1, 5, 5] = 2.0  # its neighbour: a duplicate
    sides = torch.full((1, 4, 16, 16), float(torch.log(torch.tensor(8.0))))
    raw = decode({"heatmap": heatmap, "sides": sides}, score_threshold=0.05)
    assert len(raw) == 1 and raw[0]["labels"].tolist() == [2, 2]
    assert torch.allclose(raw[0]["boxes"][0], torch.tensor([18.0 - 8, 22 - 8, 18 + 8, 22 + 8]))
    assert raw[0]["scores"][0] > raw[0]["scores"][1]
    kept = postprocess(raw, iou_threshold=0.5)
    assert len(kept[0]["boxes"]) == 1  # the neighbour overlaps by IoU 0.6 and is suppressed
    assert len(postprocess(raw, iou_threshold=0.7)[0]["boxes"]) == 2


def test_thresholds_are_keyword_only_score_first() -> None:
    # decode, postprocess and detect take their thresholds in one order (score, then IoU) and only
    # by keyword, so a call can never silently swap them.
    import inspect

    for function in (decode, postprocess, detect):
        parameters = inspect.signature(function).parameters
        names = [n for n in parameters if n.endswith("_threshold")]
        assert names == [n for n in ("score_threshold", "iou_threshold") if n in parameters]
        assert all(parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in names), function
    raw = [{"boxes": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0).long()}]
    with pytest.raises(TypeError):
        postprocess(raw, 0.5, 0.05)  # type: ignore[misc]
    with pytest.raises(TypeError):
        detect(TinyDetector(4), torch.zeros(1, 3, 32, 32), 0.05, 0.5)  # type: ignore[misc]


def test_cell_centers_returns_a_fresh_tensor() -> None:
    first = cell_centers(2, 2, 4)
    first += 100
    assert cell_centers(2, 2, 4)[0, 0].tolist() == [2.0, 2.0]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = TinyDetector(3, width=16)
    path = tmp_path / "d.pt"
    save_detector(model, path, note="test")
    loaded, meta = load_detector(path)
    assert meta["num_classes"] == 3 and meta["width"] == 16 and meta["note"] == "test"
    x = torch.rand(1, 3, 32, 32)
    model.eval()
    assert torch.allclose(loaded(x)["heatmap"], model(x)["heatmap"], atol=5e-2)  # stored in half
    with pytest.raises(FileNotFoundError, match="train_detector"):
        load_detector(tmp_path / "missing.pt")


def test_dense_batches_cover_the_data_once_per_epoch() -> None:
    images = torch.arange(10).float().view(10, 1, 1, 1).expand(10, 3, 8, 8).contiguous()
    targets = [TARGETS[1]] * 10
    batches = DenseDetectionBatches(images, targets, 2, batch_size=4, hflip=False, seed=0)
    seen = torch.cat([b[0][:, 0, 0, 0] for b in batches])
    assert len(batches) == 3
    assert sorted(seen.tolist()) == list(range(10))


def test_a_short_training_run_learns() -> None:
    from cvcourse.data import Shapes

    train = Shapes(n=64, size=32, split="train", seed=0, max_objects=1)
    model, history = train_detector(
        train, 4, max_seconds=None, epochs=4, batch_size=16, width=16, progress=False, num_threads=1
    )
    losses = history.series("loss")
    assert len(losses) == 16
    assert sum(losses[-4:]) < sum(losses[:4])


def test_shipped_checkpoint_detects_shapes() -> None:
    from cvcourse.data import Shapes

    assert DEFAULT_CHECKPOINT.exists(), "run python -m cvcourse.models.train_detector"
    assert DEFAULT_CHECKPOINT.stat().st_size < 2e6
    model, meta = load_detector()
    test = Shapes(n=100, size=64, split="test", seed=0)
    images, targets = stack_dataset(test)
    result = mean_average_precision(detect(model, images), targets, (0.5,))
    assert result["map_50"] > 0.8, result
