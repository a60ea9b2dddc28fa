"""Alternative: box_convert as linear maps: every conversion between xyxy, xywh and cxcywh is a
4 x 4 matrix, applied with one matrix product. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "box_convert": """
import torch

# Rows: output coordinates as combinations of the xyxy coordinates.
_FROM_XYXY = {
    "xyxy": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
    "xywh": [[1, 0, 0, 0], [0, 1, 0, 0], [-1, 0, 1, 0], [0, -1, 0, 1]],
    "cxcywh": [[0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5], [-1, 0, 1, 0], [0, -1, 0, 1]],
}


def box_convert(boxes, in_fmt, out_fmt):
    if in_fmt not in _FROM_XYXY or out_fmt not in _FROM_XYXY:
        raise ValueError(f"formats must be among {sorted(_FROM_XYXY)}, got {in_fmt!r}, {out_fmt!r}")
    to_out = torch.tensor(_FROM_XYXY[out_fmt], dtype=torch.float64)
    to_xyxy = torch.linalg.inv(torch.tensor(_FROM_XYXY[in_fmt], dtype=torch.float64))
    matrix = (to_out @ to_xyxy).to(dtype=boxes.dtype, device=boxes.device)
    return boxes @ matrix.T
"""
}
