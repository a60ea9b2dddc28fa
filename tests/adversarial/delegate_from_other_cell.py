"""Attack: delegating from another function's answer cell: the ``box_convert`` cell defines
``nms`` as ``torchvision.ops.nms`` and the ``nms`` cell is left empty (giving up 3 points of
box_convert to take 9 of nms). batched_nms then reaches torchvision through that ``nms`` and
loses its random check too."""

from tests.adversarial._common import CONVERT_TESTS, NMS_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS, NMS_TESTS, "test_batched_nms_random"]
REASON = "torchvision"
CELLS = {
    "box_convert": RIGHT_BOX_CONVERT + "\nimport torchvision\n\nnms = torchvision.ops.nms\n",
    "nms": "pass\n",
}
