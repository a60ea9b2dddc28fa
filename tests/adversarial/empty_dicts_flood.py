"""Attack: (hole 6, limits that do not limit) box_iou returns millions of empty dicts (24 MB as
JSON: they took the grader to 16.9 GB when the cap counted only values after parsing). A reply is
now capped in raw bytes before it is read: the kernel is stopped and box_iou's cells are
lost, with those of nms and batched_nms, which call it (a crashing function cannot be built on)."""

from tests.adversarial._common import BATCHED_TESTS, IOU_TESTS, NMS_TESTS

EXPECTED = [IOU_TESTS, NMS_TESTS, BATCHED_TESTS]
CELLS = {
    "box_iou": """
def box_iou(boxes1, boxes2):
    return [{} for _ in range(12_000_000)]
"""
}
