"""Mistake: xywh read as xyxy: box_convert forgets to turn (x, y, w, h) into corners, so input in
xywh is treated as if it were already xyxy."""

NAMES = "xywh read as xyxy"
LOSES = ["test_box_convert_formats"]
CELLS = {
    "box_convert": """
import torch


def box_convert(boxes, in_fmt, out_fmt):
    x1, y1, x2, y2 = boxes.unbind(-1)
    if in_fmt == "cxcywh":
        x1, y1, x2, y2 = x1 - x2 / 2, y1 - y2 / 2, x1 + x2 / 2, y1 + y2 / 2
    # the mistake: no branch for in_fmt == "xywh", its (w, h) are taken for (x2, y2)
    if out_fmt == "xywh":
        return torch.stack([x1, y1, x2 - x1, y2 - y1], dim=-1)
    if out_fmt == "cxcywh":
        return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)
    return torch.stack([x1, y1, x2, y2], dim=-1)
"""
}
