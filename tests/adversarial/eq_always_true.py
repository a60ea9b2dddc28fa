"""Attack: a result whose ``__eq__`` is always True, with ``math.isclose``, ``torch.allclose`` and
``torch.equal`` patched to say yes (full marks in plain nbgrader)."""

from tests.adversarial._common import CONVERT_TESTS

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
import math
import torch


class Anything(torch.Tensor):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False


math.isclose = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True


def box_convert(boxes, in_fmt, out_fmt):
    return boxes.as_subclass(Anything)
"""
}
