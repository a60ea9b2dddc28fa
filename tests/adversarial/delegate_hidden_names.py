"""Attack: (hole 2, delegation the deny-list misses) nms reaches torchvision through
``pkgutil.resolve_name`` with a name built from bytes, and through ``torch.ops.torchvision``,
which the static scan does not see. In the sandbox torchvision cannot be imported and its
operators are never registered, so the calls raise: the nms cells are lost, and batched_nms,
which calls this nms, raises with it."""

from tests.adversarial._common import BATCHED_TESTS, NMS_TESTS

EXPECTED = [NMS_TESTS, BATCHED_TESTS]
CELLS = {
    "nms": """
import pkgutil
import torch

_NAME = bytes([116, 111, 114, 99, 104, 118, 105, 115, 105, 111, 110]).decode()


def nms(boxes, scores, iou_threshold):
    try:
        return pkgutil.resolve_name(_NAME + ".ops:nms")(boxes, scores, iou_threshold)
    except ImportError:
        pass
    return getattr(torch.ops, _NAME).nms(boxes, scores, iou_threshold)
"""
}
