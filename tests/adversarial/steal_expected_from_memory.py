"""Attack: (hole 1, references in the student's kernel) box_iou searches the kernel's memory
(``gc``) for a tensor of the result's shape that it did not make — the expected value a test
cell would have computed beside it — and returns it; zeros when there is none. Test cells now
run in the grader, so there is none: the IoU cells are lost (the speed cell only times)."""

EXPECTED = ["test_box_iou_slides", "test_box_iou_edges", "test_box_iou_random"]
CELLS = {
    "box_iou": """
import gc
import torch


def box_iou(boxes1, boxes2):
    shape = (len(boxes1), len(boxes2))
    for obj in gc.get_objects():
        if isinstance(obj, torch.Tensor) and tuple(obj.shape) == shape and obj.is_floating_point():
            if obj is not boxes1 and obj is not boxes2:
                return obj.clone()
    return torch.zeros(shape, dtype=boxes1.dtype)
"""
}
