"""Training targets and loss of ``TinyDetector``.

Targets are dense, one value per feature cell, so they can be computed once for a whole dataset:
  - ``heatmap`` (Tensor[N, C, h, w]): 1 at the cell holding an object's centre, a Gaussian bump
    around it (sigma proportional to the box size, as TTFNet), 0 elsewhere;
  - ``boxes`` (Tensor[N, h, w, 4]): the xyxy box of the object a cell regresses;
  - ``box_weight`` (Tensor[N, h, w]): how much that cell's box counts (the Gaussian value; 0 for
    cells that regress nothing). Where objects overlap, the smaller object wins the cell.

Loss = CenterNet's penalty-reduced focal loss on the heatmap + GIoU loss on the boxes.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F
from torchvision.ops import generalized_box_iou_loss

from cvcourse.models.detector import TinyDetector, cell_centers, sides_to_boxes

__all__ = ["encode_targets", "detector_loss", "hflip_batch"]

# Sigma of the Gaussian as a fraction of the box side, in cells (CenterNet/TTFNet use about 1/6),
# with a floor so that small objects still give their neighbours some positive signal.
SIGMA_FRACTION = 1 / 6
MIN_SIGMA = 0.6
# Cells with a Gaussian value below this regress no box.
MIN_BOX_WEIGHT = 0.1


def encode_targets(
    targets: list[dict[str, Tensor]], num_classes: int, grid: tuple[int, int], stride: int
) -> dict[str, Tensor]:
    """Dense targets for a batch.

    Args:
        targets: N dicts with ``boxes`` (Tensor[K, 4], xyxy pixels) and ``labels`` (LongTensor[K],
            1..num_classes).
        num_classes (int): C.
        grid: (h, w), the feature grid of the model (image size / stride).
        stride (int): pixels per cell.

    Returns:
        dict with ``heatmap`` [N, C, h, w], ``boxes`` [N, h, w, 4], ``box_weight`` [N, h, w].
    """
    h, w = grid
    n = len(targets)
    heatmap = torch.zeros(n, num_classes, h, w)
    box_targets = torch.zeros(n, h, w, 4)
    box_weight = torch.zeros(n, h, w)
    centers = cell_centers(h, w, stride)  # [h,w,2]
    cell_y = torch.arange(h, dtype=torch.float32).view(h, 1)
    cell_x = torch.arange(w, dtype=torch.float32).view(1, w)
    for i, target in enumerate(targets):
        boxes, labels = target["boxes"].float(), target["labels"]
        if len(labels) and (labels.min() < 1 or labels.max() > num_classes):
            raise ValueError(f"labels must be in 1..{num_classes}, got {labels.tolist()}")
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        # Largest first, so that smaller objects overwrite the cells they share.
        for k in torch.argsort(areas, descending=True, stable=True).tolist():
            x1, y1, x2, y2 = boxes[k].tolist()
            peak_x = min(max(int((x1 + x2) / 2 // stride), 0), w - 1)
            peak_y = min(max(int((y1 + y2) / 2 // stride), 0), h - 1)
            sigma_x = max((x2 - x1) / stride * SIGMA_FRACTION, MIN_SIGMA)
            sigma_y = max((y2 - y1) / stride * SIGMA_FRACTION, MIN_SIGMA)
            gaussian = torch.exp(
                -((cell_x - peak_x) ** 2) / (2 * sigma_x**2)
                - (cell_y - peak_y) ** 2 / (2 * sigma_y**2)
            )  # [h,w], exactly 1 at the peak
            c = int(labels[k]) - 1
            heatmap[i, c] = torch.maximum(heatmap[i, c], gaussian)
            inside = (
                (centers[..., 0] > x1)
                & (centers[..., 0] < x2)
                & (centers[..., 1] > y1)
                & (centers[..., 1] < y2)
            )
            region = inside & (gaussian >= MIN_BOX_WEIGHT)
            region[peak_y, peak_x] = True  # a tiny box still gets its centre cell
            box_targets[i][region] = boxes[k]
            box_weight[i][region] = gaussian[region]
    return {"heatmap": heatmap, "boxes": box_targets, "box_weight": box_weight}


def hflip_batch(images: Tensor, dense: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
    """Mirror images (Tensor[N, 3, H, W]) and their dense targets left-right."""
    width = images.shape[-1]
    boxes = dense["boxes"].flip(2)
    x1, y1, x2, y2 = boxes.unbind(-1)
    flipped = torch.stack([width - x2, y1, width - x1, y2], dim=-1)
    box_weight = dense["box_weight"].flip(-1)
    # Cells that regress nothing keep an all-zero box, as encode_targets leaves them.
    flipped = torch.where(box_weight[..., None] > 0, flipped, torch.zeros_like(flipped))
    return images.flip(-1), {
        "heatmap": dense["heatmap"].flip(-1),
        "boxes": flipped,
        "box_weight": box_weight,
    }


def focal_heatmap_loss(
    logits: Tensor, target: Tensor, alpha: float = 2.0, beta: float = 4.0
) -> Tensor:
    """CenterNet's penalty-reduced focal loss, summed and divided by the number of object centres.

    Negatives near a centre (target close to 1) are down-weighted by (1 - target)^beta.
    """
    positive = target.eq(1.0)
    log_p = F.logsigmoid(logits)
    log_not_p = F.logsigmoid(-logits)
    p = log_p.exp()
    positive_loss = ((1 - p) ** alpha * log_p)[positive].sum()
    negative_loss = ((1 - target) ** beta * p**alpha * log_not_p)[~positive].sum()
    num_positive = positive.sum().clamp(min=1)
    return -(positive_loss + negative_loss) / num_positive


def detector_loss(
    outputs: dict[str, Tensor], dense: dict[str, Tensor], box_loss_weight: float = 2.0
) -> dict[str, Tensor]:
    """Total loss and its parts for ``TinyDetector`` outputs against ``encode_targets`` targets."""
    heat = focal_heatmap_loss(outputs["heatmap"], dense["heatmap"])
    weight = dense["box_weight"]
    cells = weight > 0
    if cells.any():
        predicted = sides_to_boxes(outputs["sides"], TinyDetector.stride)[cells]  # [M,4]
        giou = generalized_box_iou_loss(predicted, dense["boxes"][cells], reduction="none")
        box = (giou * weight[cells]).sum() / weight[cells].sum()
    else:
        box = outputs["sides"].sum() * 0.0
    return {"loss": heat + box_loss_weight * box, "heatmap": heat, "box": box}
