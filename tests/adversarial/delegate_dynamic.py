"""Attack: delegating to ``torchvision.ops`` without writing its name in an import
(``__import__`` of a built name, ``getattr``)."""

from tests.adversarial._common import CONVERT_TESTS

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
_ops = getattr(__import__("torch" + "vision"), "o" + "ps")


def box_convert(boxes, in_fmt, out_fmt):
    return _ops.box_convert(boxes, in_fmt, out_fmt)
"""
}
