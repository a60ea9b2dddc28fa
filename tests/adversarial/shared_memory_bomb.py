"""Attack: (hole 6) box_iou fills 3 GB of shared memory (``mmap`` of ``/dev/shm``-like anonymous
shared pages), which a per-process data limit does not count. The sandbox's resident memory is
watched as a whole, shared pages included: it is stopped; box_iou's cells are lost, with those
of nms and batched_nms, which call it."""

from tests.adversarial._common import BATCHED_TESTS, IOU_TESTS, NMS_TESTS

EXPECTED = [IOU_TESTS, NMS_TESTS, BATCHED_TESTS]
CELLS = {
    "box_iou": """
import mmap

_held = []


def box_iou(boxes1, boxes2):
    for _ in range(12):
        block = mmap.mmap(-1, 256 * 1024 * 1024, flags=mmap.MAP_SHARED)
        block.write(b"x" * (256 * 1024 * 1024))
        _held.append(block)
    return None
"""
}
