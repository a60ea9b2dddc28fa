"""Pieces the adversarial submissions share: a right and a wrong ``box_convert`` of a student.

An attack that would pay off if the sandbox failed is written as "the right answer when the attack
works, the wrong one otherwise": its expected score then shows that the attack did not work.
"""

RIGHT_BOX_CONVERT = """
import torch


def box_convert(boxes, in_fmt, out_fmt):
    allowed = ("xyxy", "xywh", "cxcywh")
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(f"formats must be one of {allowed}")
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return torch.stack([a, b, c, d], dim=-1)
"""

WRONG_BOX_CONVERT = """
def box_convert(boxes, in_fmt, out_fmt):
    return boxes  # no conversion at all
"""


def right_if(condition_source: str, setup: str = "") -> str:
    """A box_convert cell that is right only when ``condition_source`` (the attack) is true."""
    right = RIGHT_BOX_CONVERT.replace("def box_convert(", "def _right_box_convert(")
    return f"""{setup}
{right}

def box_convert(boxes, in_fmt, out_fmt):
    if {condition_source}:
        return _right_box_convert(boxes, in_fmt, out_fmt)
    return boxes
"""


CONVERT_TESTS = "test_box_convert_*"
IOU_TESTS = "test_box_iou_*"
NMS_TESTS = "test_nms_*"
BATCHED_TESTS = "test_batched_nms_*"


def cells_matching(nb, pattern: str) -> list[int]:  # noqa: ANN001 (a NotebookNode)
    """Indices of the test cells whose grade_id matches ``pattern`` (fnmatch)."""
    from fnmatch import fnmatch

    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.metadata.get("nbgrader", {}).get("grade")
        and fnmatch(cell.metadata["nbgrader"].get("grade_id", ""), pattern)
    ]


def solution_index(nb, grade_id: str) -> int:  # noqa: ANN001
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


# Finds a file of the course by walking the places a course usually lives (bounded: it must
# not take long when a run is unsandboxed by mistake).
FINDER = """
import os


def _find(suffix, limit=40000):
    roots = ["/tmp", "/work", "/home", "/srv", "/root", os.getcwd()]
    here = os.getcwd()
    while here != os.path.dirname(here):
        here = os.path.dirname(here)
        roots.append(here)
    seen = 0
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            seen += 1
            if seen > limit:
                return None
            skip = (".venv", ".git", "node_modules", "proc")
            dirnames[:] = [d for d in dirnames if d not in skip]
            if dirpath.count(os.sep) > 8:
                dirnames[:] = []
            for name in filenames:
                path = os.path.join(dirpath, name)
                if path.endswith(suffix):
                    return path
    return None


def _readable(suffix):
    path = _find(suffix)
    if path is None:
        return False
    try:
        with open(path, "rb") as f:
            return len(f.read(100)) > 0
    except OSError:
        return False
"""


class Link(str):
    """A file of a submission that is a symbolic link to this target (relative to its folder)."""
