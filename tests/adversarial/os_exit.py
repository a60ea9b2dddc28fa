"""Attack: ``os._exit`` kills the kernel in the middle of the notebook."""

from tests.adversarial._common import BATCHED_TESTS

EXPECTED = [BATCHED_TESTS]  # its own tests come after: no result
CELLS = {
    "batched_nms": """
import os


def batched_nms(boxes, scores, idxs, iou_threshold):
    return nms(boxes, scores, iou_threshold)


os._exit(0)
"""
}
