"""Attack: (hole 1, references in the student's kernel) box_iou searches the kernel's memory
(``gc``, every frame's and namespace's ``expected``/``reference``) for the expected value a test
cell would have computed beside it, and returns it; zeros when there is none. Test cells now run
in the grader, so there is none: every box_iou cell is lost (the speed cell too: its timed result
is not the reference's), while nms and batched_nms are right given this box_iou."""

EXPECTED = ["test_box_iou_*"]
CELLS = {
    "box_iou": """
import gc
import sys
import torch


def _stolen(shape):
    places = [f.f_locals for f in sys._current_frames().values()]
    places += [o for o in gc.get_objects() if isinstance(o, dict)]
    for place in places:
        for name in ("expected", "reference"):
            value = place.get(name)
            if isinstance(value, torch.Tensor) and tuple(value.shape) == shape:
                return value.clone()
    return None


def box_iou(boxes1, boxes2):
    shape = (len(boxes1), len(boxes2))
    stolen = _stolen(shape)
    return stolen if stolen is not None else torch.zeros(shape, dtype=boxes1.dtype)
"""
}
