"""Attack: delegating from another function's answer cell: the ``box_convert`` cell defines
``nms`` as ``torchvision.ops.nms`` and the ``nms`` cell is left empty (giving up 3 points of
box_convert to take 9 of nms). torchvision cannot be imported in the grading sandbox, so that
``nms`` is never defined, and batched_nms, which calls it, raises too."""

from tests.adversarial._common import BATCHED_TESTS, CONVERT_TESTS, NMS_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS, NMS_TESTS, BATCHED_TESTS]
REASON = "torchvision"
CELLS = {
    "box_convert": RIGHT_BOX_CONVERT + "\nimport torchvision\n\nnms = torchvision.ops.nms\n",
    "nms": "pass\n",
}
