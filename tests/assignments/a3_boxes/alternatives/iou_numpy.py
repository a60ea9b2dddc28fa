"""Alternative: box_iou computed with numpy broadcasting and converted back to a tensor of the
input's dtype and device. Correct and vectorized, full marks."""

LOSES: list[str] = []
CELLS = {
    "box_iou": """
import numpy as np
import torch


def box_iou(boxes1, boxes2):
    a = boxes1.detach().cpu().numpy()
    b = boxes2.detach().cpu().numpy()
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    size = np.clip(bottom_right - top_left, 0, None)
    inter = size[..., 0] * size[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return torch.from_numpy(iou).to(device=boxes1.device, dtype=boxes1.dtype)
"""
}
