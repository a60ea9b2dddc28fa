"""cvcourse.metrics.mean_average_precision agrees with pycocotools' COCOeval within 1e-3.

Detections are ground truth jittered by a few pixels with random scores, plus duplicates, wrong
labels and false positives, so that every rule of the matching (greedy by score, each object once,
IoU >= t, per image and class) is exercised at every COCO threshold.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from cvcourse.metrics import COCO_IOU_THRESHOLDS, mean_average_precision


def fake_detections(targets: list[dict], num_classes: int, size: int, seed: int) -> list[dict]:
    """Noisy detections: jittered boxes, duplicates, label flips, false positives."""
    g = torch.Generator().manual_seed(seed)
    preds = []
    for target in targets:
        boxes, labels = [], []
        for box, label in zip(target["boxes"], target["labels"], strict=True):
            if torch.rand(1, generator=g) < 0.85:  # found
                copies = 2 if torch.rand(1, generator=g) < 0.2 else 1  # sometimes a duplicate
                for _ in range(copies):
                    boxes.append(box + torch.randn(4, generator=g) * 1.5)
                    flip = torch.rand(1, generator=g) < 0.1
                    other = torch.randint(1, num_classes + 1, (1,), generator=g)
                    labels.append(int(other) if flip else int(label))
        for _ in range(int(torch.randint(0, 3, (1,), generator=g))):  # false positives
            xy = torch.rand(2, generator=g) * (size - 12)
            wh = 4 + torch.rand(2, generator=g) * 20
            boxes.append(torch.cat([xy, (xy + wh).clamp(max=size)]))
            labels.append(int(torch.randint(1, num_classes + 1, (1,), generator=g)))
        b = torch.stack(boxes) if boxes else torch.zeros(0, 4)
        b = b.clamp(0, size)
        b[:, 2:] = torch.maximum(b[:, 2:], b[:, :2] + 0.5)  # keep boxes valid after jitter
        preds.append(
            {
                "boxes": b,
                "scores": torch.rand(len(b), generator=g),
                "labels": torch.tensor(labels, dtype=torch.int64),
            }
        )
    return preds


def coco_stats(gt: dict, preds: list[dict], image_ids: list[int]) -> tuple[float, float]:
    """COCOeval bbox mAP@[.5:.95] and mAP@.5 (area 'all', maxDets 100) of ``preds`` on ``gt``."""
    results = [
        {
            "image_id": image_id,
            "category_id": int(label),
            "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
            "score": float(score),
        }
        for image_id, pred in zip(image_ids, preds, strict=True)
        for (x1, y1, x2, y2), score, label in zip(
            pred["boxes"].tolist(), pred["scores"], pred["labels"], strict=True
        )
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[0]), float(evaluator.stats[1])


def synthetic_scenes(n: int, size: int, num_classes: int, seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    targets = []
    for _ in range(n):
        k = int(torch.randint(0, 5, (1,), generator=g))
        xy = torch.rand(k, 2, generator=g) * (size - 20)
        wh = 5 + torch.rand(k, 2, generator=g) * 15
        targets.append(
            {
                "boxes": torch.cat([xy, xy + wh], dim=1),
                "labels": torch.randint(1, num_classes + 1, (k,), generator=g),
            }
        )
    return targets


def coco_ground_truth(targets: list[dict], size: int, num_classes: int) -> dict:
    images = [{"id": i + 1, "width": size, "height": size} for i in range(len(targets))]
    annotations = []
    for i, target in enumerate(targets):
        for (x1, y1, x2, y2), label in zip(
            target["boxes"].tolist(), target["labels"].tolist(), strict=True
        ):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": label,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": 0,
                }
            )
    categories = [{"id": c, "name": str(c)} for c in range(1, num_classes + 1)]
    return {"images": images, "annotations": annotations, "categories": categories}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_cocoeval_on_synthetic_scenes(seed: int) -> None:
    size, num_classes = 64, 4
    targets = synthetic_scenes(60, size, num_classes, seed)
    preds = fake_detections(targets, num_classes, size, seed + 100)
    coco_map, coco_map50 = coco_stats(
        coco_ground_truth(targets, size, num_classes), preds, list(range(1, len(targets) + 1))
    )
    ours = mean_average_precision(preds, targets, COCO_IOU_THRESHOLDS)
    assert 0.1 < coco_map < 0.95  # a non-trivial case, not all-correct or all-wrong
    assert ours["map_50_95"] == pytest.approx(coco_map, abs=1e-3)
    assert ours["map_50"] == pytest.approx(coco_map50, abs=1e-3)


def shapes_targets_from_coco(gt: dict) -> tuple[list[int], list[dict]]:
    """Targets in cvcourse's format read back from a COCO dict, in image order."""
    image_ids = [image["id"] for image in gt["images"]]
    per_image: dict[int, list] = {i: [] for i in image_ids}
    for a in gt["annotations"]:
        per_image[a["image_id"]].append(a)
    targets = []
    for i in image_ids:
        boxes = [[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in per_image[i])]
        targets.append(
            {
                "boxes": torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
                "labels": torch.tensor([a["category_id"] for a in per_image[i]], dtype=torch.int64),
            }
        )
    return image_ids, targets


def test_matches_cocoeval_on_a_shapes_export(tmp_path: Path) -> None:
    from cvcourse.data import Shapes, to_coco

    dataset = Shapes(n=150, size=64, split="val", seed=0)
    path = tmp_path / "shapes_val.json"
    gt = to_coco(dataset, path)
    assert json.loads(path.read_text())["annotations"] == gt["annotations"]
    image_ids, targets = shapes_targets_from_coco(gt)
    # The export holds the dataset's own boxes and labels, image by image.
    for index in (0, len(dataset) - 1):
        assert torch.allclose(targets[index]["boxes"], dataset[index]["boxes"])
        assert torch.equal(targets[index]["labels"], dataset[index]["labels"])
    num_classes = len(dataset.classes) - 1
    preds = fake_detections(targets, num_classes, 64, seed=7)
    coco_map, coco_map50 = coco_stats(gt, preds, image_ids)
    ours = mean_average_precision(preds, targets, COCO_IOU_THRESHOLDS)
    assert ours["map_50_95"] == pytest.approx(coco_map, abs=1e-3)
    assert ours["map_50"] == pytest.approx(coco_map50, abs=1e-3)
    # The 101-point interpolation is what makes the numbers agree; all-point AP differs.
    assert not np.isclose(
        mean_average_precision(preds, targets, COCO_IOU_THRESHOLDS, method="all")["map"],
        coco_map,
        atol=1e-6,
    )


def test_matches_cocoeval_on_the_detector_outputs(tmp_path: Path) -> None:
    # Real detections: many low-score candidates per image, several classes per object.
    from cvcourse.data import Shapes, to_coco
    from cvcourse.models.detector import detect
    from cvcourse.models.train_detector import load_detector, stack_dataset

    dataset = Shapes(n=100, size=64, split="test", seed=0)
    gt = to_coco(dataset, tmp_path / "shapes_test.json")
    images, targets = stack_dataset(dataset)
    model, _ = load_detector()
    preds = detect(model, images, score_threshold=0.01)
    coco_map, coco_map50 = coco_stats(gt, preds, [image["id"] for image in gt["images"]])
    ours = mean_average_precision(preds, targets, COCO_IOU_THRESHOLDS)
    assert ours["map_50_95"] == pytest.approx(coco_map, abs=1e-3)
    assert ours["map_50"] == pytest.approx(coco_map50, abs=1e-3)
