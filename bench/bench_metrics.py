"""Benchmark: cvcourse.metrics.mean_average_precision against pycocotools' COCOeval, same data.

Both evaluate the same noisy detections (jittered ground truth, duplicates, label flips, false
positives; see tests/test_metrics_coco.py) on a COCO export of a Shapes split, at COCO's 10 IoU
thresholds. The script prints both mAP@[.5:.95] and mAP@.5 (they must agree within 1e-3), CPU
seconds of each, and their ratio. Times are CPU seconds of this process (time.process_time), so a
busy machine does not distort the ratio much.

Run: ``.venv/bin/python bench/bench_metrics.py [--images 500]``; exits 1 if the numbers disagree or
if cvcourse is more than 3x slower than COCOeval.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from cvcourse.data import Shapes, to_coco
from cvcourse.metrics import COCO_IOU_THRESHOLDS, mean_average_precision

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_metrics_coco import (  # noqa: E402  (the test's helpers build the same inputs)
    coco_stats,
    fake_detections,
    shapes_targets_from_coco,
)

MAX_SLOWDOWN = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(1)

    dataset = Shapes(n=args.images, size=64, split="val", seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        gt = to_coco(dataset, Path(tmp) / "val.json")
    image_ids, targets = shapes_targets_from_coco(gt)
    preds = fake_detections(targets, len(dataset.classes) - 1, 64, seed=7)
    num_detections = sum(len(p["boxes"]) for p in preds)

    start = time.process_time()
    coco_map, coco_map50 = coco_stats(gt, preds, image_ids)
    coco_seconds = time.process_time() - start

    start = time.process_time()
    ours = mean_average_precision(preds, targets, COCO_IOU_THRESHOLDS)
    our_seconds = time.process_time() - start

    num_objects = sum(len(t["boxes"]) for t in targets)
    print(f"{args.images} images, {num_objects} objects, {num_detections} detections")
    print(
        f"pycocotools COCOeval : mAP {coco_map:.5f}  mAP@.5 {coco_map50:.5f}  "
        f"{coco_seconds:.3f} s CPU"
    )
    print(
        f"cvcourse.metrics     : mAP {ours['map_50_95']:.5f}  mAP@.5 {ours['map_50']:.5f}  "
        f"{our_seconds:.3f} s CPU"
    )
    ratio = our_seconds / coco_seconds
    print(f"cvcourse / COCOeval time: {ratio:.2f}x")
    agree = abs(ours["map_50_95"] - coco_map) <= 1e-3 and abs(ours["map_50"] - coco_map50) <= 1e-3
    if not agree:
        print("FAIL: the two disagree by more than 1e-3")
        return 1
    if ratio > MAX_SLOWDOWN:
        print(f"FAIL: more than {MAX_SLOWDOWN}x slower than COCOeval")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
