"""Attack: (hole 1) a Tensor subclass that answers ``detach()`` and every torch function with
whatever the caller compares it to. Results now travel as bytes and are rebuilt as plain tensors
in the grader, so the subclass never reaches a comparison."""

from tests.adversarial._common import CONVERT_TESTS

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
import torch


class Chameleon(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func.__name__ in ("allclose", "equal", "isclose", "eq", "__eq__"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})

    def detach(self):
        return self


def box_convert(boxes, in_fmt, out_fmt):
    return torch.zeros_like(boxes).as_subclass(Chameleon)
"""
}
