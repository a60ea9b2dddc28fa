"""Attack: delegating to ``torchvision.ops`` without writing its name in an import
(``__import__`` of a built name, ``getattr``). A dynamic escape could define any function,
so it forfeits every function, not only the one whose cell holds it."""

EXPECTED = 0
CELLS = {
    "box_convert": """
_ops = getattr(__import__("torch" + "vision"), "o" + "ps")


def box_convert(boxes, in_fmt, out_fmt):
    return _ops.box_convert(boxes, in_fmt, out_fmt)
"""
}
