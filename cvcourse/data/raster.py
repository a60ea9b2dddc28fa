"""Rasterise shapes into boolean masks with tensor operations (no per-pixel Python loops).

Every shape is described by its centre ``(cx, cy)``, a radius ``r`` and a rotation ``angle``: the
shape fits inside the disc of radius ``r`` around its centre whatever the angle, so a shape whose
centre lies at least ``r`` from every border is entirely inside the image. A pixel ``(i, j)``
belongs to the shape when its centre ``(j + 0.5, i + 0.5)`` does; masks are therefore exact, not
anti-aliased, which keeps the image, the instance masks and the semantic mask consistent.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor

SHAPE_NAMES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
"""The shape kinds the course draws; a dataset's classes are ``("background", *shapes)``."""

# The three outward edge normals of an equilateral triangle pointing up (image y grows downwards),
# so that the triangle is {p : max_i n_i . p <= inradius} with inradius = r / 2.
_TRIANGLE_NORMALS = torch.tensor(
    [
        [math.cos(a), math.sin(a)]
        for a in (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 - 2 * math.pi / 3)
    ]
)
_CROSS_HALF_WIDTH = 1 / 3  # arm half-width as a fraction of the arm's reach: a chunky plus sign


@functools.lru_cache(maxsize=16)
def _pixel_centers(size: int) -> Tensor:
    return torch.arange(size, dtype=torch.float32) + 0.5


def pixel_centers(size: int) -> Tensor:
    """Coordinates of the pixel centers along one axis.

    Returns:
        Tensor[size]: ``0.5, 1.5, ..., size - 0.5`` (float32), a fresh copy on every call:
        changing it does not change what later calls (or the rasterizer) see.
    """
    return _pixel_centers(size).clone()


def shape_masks(
    shape: str, cx: Tensor, cy: Tensor, radius: float, angle: float, size: int
) -> Tensor:
    """Masks of one shape kind placed at several candidate centres.

    Args:
        shape (str): one of :data:`SHAPE_NAMES`.
        cx, cy (Tensor[T]): candidate centres in pixels (x to the right, y down).
        radius (float): radius of the disc that circumscribes the shape, in pixels.
        angle (float): rotation in radians (counter-clockwise on screen).
        size (int): the image is ``size x size``.

    Returns:
        Tensor[T, size, size] bool: ``True`` on the pixels whose centre lies in the shape.
    """
    if shape not in SHAPE_NAMES:
        raise ValueError(f"shape must be one of {SHAPE_NAMES}, got {shape!r}")
    centers = _pixel_centers(size)  # cached and only read here
    dx = centers[None, None, :] - cx.to(torch.float32)[:, None, None]  # [T,1,W]
    dy = centers[None, :, None] - cy.to(torch.float32)[:, None, None]  # [T,H,1]
    cos, sin = math.cos(angle), math.sin(angle)
    # Coordinates in the shape's own frame (a rotation by `angle`).
    u = cos * dx - sin * dy  # [T,H,W]
    v = sin * dx + cos * dy  # [T,H,W]
    if shape == "circle":
        return u * u + v * v <= radius * radius
    if shape == "square":
        # Corners on the circle: half-side r / sqrt(2).
        return torch.maximum(u.abs(), v.abs()) <= radius / math.sqrt(2)
    if shape == "triangle":
        n = _TRIANGLE_NORMALS
        support = torch.maximum(
            torch.maximum(n[0, 0] * u + n[0, 1] * v, n[1, 0] * u + n[1, 1] * v),
            n[2, 0] * u + n[2, 1] * v,
        )
        return support <= radius / 2
    # cross: two bars whose outer corners lie on the circle; each is 3 times longer than it is wide.
    au, av = u.abs(), v.abs()
    reach = radius / math.sqrt(1 + _CROSS_HALF_WIDTH**2)
    half = reach * _CROSS_HALF_WIDTH
    return ((au <= reach) & (av <= half)) | ((av <= reach) & (au <= half))


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight boxes around boolean masks, in pixel-edge coordinates.

    A mask covering columns ``j0..j1`` and rows ``i0..i1`` gets the box
    ``(j0, i0, j1 + 1, i1 + 1)``: pixel ``j`` spans ``[j, j + 1)``, so the box's width and height
    count pixels, as COCO's do.
    (``torchvision.ops.masks_to_boxes`` returns ``(j0, i0, j1, i1)`` instead.)

    Args:
        masks (Tensor[K, H, W] bool): non-empty masks.

    Returns:
        Tensor[K, 4] float32: ``(x1, y1, x2, y2)``.
    """
    if masks.shape[0] == 0:
        return torch.zeros((0, 4), dtype=torch.float32)
    height, width = masks.shape[-2:]
    cols = masks.any(dim=1).to(torch.uint8)  # [K,W]
    rows = masks.any(dim=2).to(torch.uint8)  # [K,H]
    x1 = cols.argmax(dim=1)
    y1 = rows.argmax(dim=1)
    x2 = width - cols.flip(1).argmax(dim=1)
    y2 = height - rows.flip(1).argmax(dim=1)
    return torch.stack([x1, y1, x2, y2], dim=1).to(torch.float32)
