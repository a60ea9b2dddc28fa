"""Attack: delegating to ``torchvision.ops`` (right values, not the student's work)."""

from tests.adversarial._common import BATCHED_TESTS, NMS_TESTS

# batched_nms calls this nms, so it delegates too (the notebook's own check follows the calls)
EXPECTED = [NMS_TESTS, BATCHED_TESTS]
REASON = "torchvision"
CELLS = {
    "nms": """
import torchvision


def nms(boxes, scores, iou_threshold):
    return torchvision.ops.nms(boxes, scores, iou_threshold)
"""
}
