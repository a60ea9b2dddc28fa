"""A tiny one-stage anchor-free detector: a CenterNet-style class heatmap plus FCOS-style box sides.

Every cell of a stride-4 feature grid predicts
  - ``heatmap`` (C channels): logit that an object centre of class c falls in this cell;
  - ``sides``  (4 channels): log of the distances (left, top, right, bottom) in pixels from the
    cell centre to the sides of the box of that object.

Why this design for a CPU-sized course model (the chapter argues it at more length): no anchors to
tune (Shapes objects come in one scale range), one cell per object centre means few, easy positives,
and the sides regression is trained on every cell near a centre, so neighbouring cells all propose
good boxes: that is exactly what NMS has to clean up, which the chapter shows. The head is that of
TTFNet (Liu et al. 2019), a CenterNet variant that converges quickly.

Decoding is split in two: ``decode`` returns the raw candidate boxes (score above a low threshold,
before NMS); ``postprocess`` applies class-aware NMS (``torchvision.ops.batched_nms``).

Conventions of this module's public functions: thresholds are keyword-only and always come in the
order ``score_threshold`` then ``iou_threshold``; a candidate is kept when its score is strictly
greater than ``score_threshold`` and suppressed when its IoU with a better box of its class is
strictly greater than ``iou_threshold`` (as ``torchvision.ops.nms``). Names use American spelling
(``cell_centers``), as torch and torchvision do.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torchvision.ops import batched_nms

__all__ = ["TinyDetector", "cell_centers", "sides_to_boxes", "decode", "postprocess", "detect"]


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TinyDetector(nn.Module):
    """Heatmap + box-sides detector for small images (a few hundred thousand parameters).

    Args:
        num_classes (int): object classes, without background.
        width (int): channels of the stride-4 features (the coarser level has ``2 * width``).

    Shapes:
        input (Tensor[N, 3, H, W]) with H, W multiples of 8;
        output dict: ``heatmap`` (Tensor[N, C, H/4, W/4], logits),
        ``sides`` (Tensor[N, 4, H/4, W/4], log-distances in pixels).
    """

    stride = 4

    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.width = width
        self.stem = nn.Sequential(_conv(3, width // 2, 2), _conv(width // 2, width, 2))  # /4
        self.level4 = _conv(width, width)
        # A stride-8 level widens the receptive field to whole objects; it is upsampled and added
        # back (a two-level feature pyramid in miniature).
        self.level8 = nn.Sequential(_conv(width, 2 * width, 2), _conv(2 * width, 2 * width))
        self.lateral = nn.Conv2d(2 * width, width, 1)
        self.fuse = _conv(width, width)
        self.heatmap_head = nn.Sequential(_conv(width, width), nn.Conv2d(width, num_classes, 1))
        self.sides_head = nn.Sequential(_conv(width, width), nn.Conv2d(width, 4, 1))
        # Start with a low object prior (as RetinaNet) so the focal loss is not swamped at step 0.
        prior = 0.01
        nn.init.constant_(
            self.heatmap_head[-1].bias, -torch.log(torch.tensor((1 - prior) / prior)).item()
        )
        nn.init.constant_(self.sides_head[-1].bias, 1.5)  # e^1.5 ~ 4.5 px from centre to side

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"images must be [N, 3, H, W], got {tuple(images.shape)}")
        if images.shape[-1] % 8 or images.shape[-2] % 8:
            raise ValueError(
                f"image height and width must be multiples of 8, got {tuple(images.shape[-2:])}"
            )
        f4 = self.level4(self.stem(images))
        f8 = self.level8(f4)
        up = F.interpolate(self.lateral(f8), size=f4.shape[-2:], mode="nearest")
        features = self.fuse(f4 + up)
        return {"heatmap": self.heatmap_head(features), "sides": self.sides_head(features)}


def cell_centers(height: int, width: int, stride: int) -> Tensor:
    """Pixel coordinates (x, y) of the cell centers of a ``height x width`` grid.

    Returns:
        Tensor[height, width, 2] float32: ``[i, j] = ((j + 0.5) * stride, (i + 0.5) * stride)``
        for cells of ``stride`` pixels; a fresh tensor on every call.
    """
    ys = (torch.arange(height, dtype=torch.float32) + 0.5) * stride
    xs = (torch.arange(width, dtype=torch.float32) + 0.5) * stride
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([grid_x, grid_y], dim=-1)


def sides_to_boxes(sides: Tensor, stride: int) -> Tensor:
    """Turn log side distances (Tensor[N, 4, h, w]) into xyxy boxes (Tensor[N, h, w, 4])."""
    n, _, h, w = sides.shape
    centers = cell_centers(h, w, stride).to(sides)  # [h,w,2]
    # Clamp before exp: an untrained head must not overflow to inf boxes.
    distances = sides.clamp(max=8.0).exp().permute(0, 2, 3, 1)  # [N,h,w,4] = l, t, r, b
    return torch.cat([centers - distances[..., :2], centers + distances[..., 2:]], dim=-1)


@torch.no_grad()
def decode(
    outputs: dict[str, Tensor], *, score_threshold: float = 0.05, max_candidates: int = 100
) -> list[dict[str, Tensor]]:
    """Raw detections, before NMS: every (cell, class) whose score exceeds ``score_threshold``.

    Args:
        outputs: the model's output dict (``heatmap`` [N, C, h, w], ``sides`` [N, 4, h, w]).
        score_threshold (float): keep candidates with sigmoid(heatmap) > this.
        max_candidates (int): keep at most this many per image (the highest scores).

    Returns:
        list of N dicts with ``boxes`` (Tensor[K, 4], xyxy pixels), ``scores`` (Tensor[K]) and
        ``labels`` (LongTensor[K], 1..C as in the dataset), sorted by decreasing score.
    """
    heatmap, sides = outputs["heatmap"], outputs["sides"]
    n, num_classes, h, w = heatmap.shape
    stride = TinyDetector.stride
    boxes = sides_to_boxes(sides, stride).reshape(n, h * w, 4)
    scores = heatmap.sigmoid().reshape(n, num_classes, h * w)
    results = []
    for i in range(n):
        flat = scores[i].flatten()  # index = class * (h*w) + cell
        k = min(max_candidates, flat.numel())
        top_scores, top_index = flat.topk(k)
        keep = top_scores > score_threshold
        top_scores, top_index = top_scores[keep], top_index[keep]
        cells, classes = top_index % (h * w), top_index // (h * w)
        results.append({"boxes": boxes[i, cells], "scores": top_scores, "labels": classes + 1})
    return results


def postprocess(
    raw: list[dict[str, Tensor]], *, score_threshold: float = 0.05, iou_threshold: float = 0.5
) -> list[dict[str, Tensor]]:
    """Class-aware NMS (``torchvision.ops.batched_nms``) of ``decode``'s raw detections.

    Args:
        raw: one dict per image with ``boxes`` (Tensor[K, 4], xyxy pixels), ``scores`` (Tensor[K])
            and ``labels`` (LongTensor[K]), as :func:`decode` returns them.
        score_threshold (float, keyword-only): drop candidates whose score is not above this.
        iou_threshold (float, keyword-only): suppress a box whose IoU with a higher-scoring box of
            the same class is above this.

    Returns:
        list of dicts with the same keys, the kept detections by decreasing score.
    """
    results = []
    for r in raw:
        keep = r["scores"] > score_threshold
        boxes, scores, labels = r["boxes"][keep], r["scores"][keep], r["labels"][keep]
        kept = batched_nms(boxes, scores, labels, iou_threshold)
        results.append({"boxes": boxes[kept], "scores": scores[kept], "labels": labels[kept]})
    return results


@torch.no_grad()
def detect(
    model: TinyDetector,
    images: Tensor,
    *,
    score_threshold: float = 0.05,
    iou_threshold: float = 0.5,
    batch_size: int = 256,
) -> list[dict[str, Tensor]]:
    """Run ``model`` (eval mode) on ``images`` (Tensor[N, 3, H, W]); return NMS-ed detections.

    ``decode`` followed by ``postprocess`` with the same keyword-only thresholds (score first,
    then IoU, as everywhere in this module).
    """
    model.eval()
    results: list[dict[str, Tensor]] = []
    for start in range(0, len(images), batch_size):
        raw = decode(model(images[start : start + batch_size]), score_threshold=score_threshold)
        results.extend(
            postprocess(raw, score_threshold=score_threshold, iou_threshold=iou_threshold)
        )
    return results
