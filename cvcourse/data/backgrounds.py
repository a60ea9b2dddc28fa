"""Backgrounds for the Shapes dataset: plain, noisy or textured, all dark enough for bright shapes.

A background is drawn from a ``numpy.random.Generator`` (the sample's own, see ``scene.py``), so the
same generator state always gives the same pixels.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

BACKGROUNDS: tuple[str, ...] = ("plain", "noise", "texture")
"""Background kinds; ``Shapes(background="mixed")`` picks one of them per sample."""

# Dark greys: every shape colour in ``scene.COLORS`` stands out against them.
_GREY_RANGE = (0.05, 0.3)
_TINT = 0.05  # a slight colour cast, so that backgrounds are not all perfectly neutral
_NOISE_STD = 0.08
_TEXTURE_AMPLITUDE = 0.08


def _base_colour(rng: np.random.Generator) -> Tensor:
    grey = rng.uniform(*_GREY_RANGE)
    tint = rng.uniform(-_TINT, _TINT, size=3)
    return torch.from_numpy(np.clip(grey + tint, 0.0, 1.0).astype(np.float32))  # [3]


def _texture(rng: np.random.Generator, size: int) -> Tensor:
    """Two oriented sinusoidal gratings: stripes, wood grain or a soft checkerboard. ``[H, W]``."""
    coords = torch.arange(size, dtype=torch.float32)
    total = torch.zeros(size, size)
    for _ in range(2):
        period = rng.uniform(
            4.0, 16.0
        )  # pixels, independent of the image size: a texture, not a blob
        theta = rng.uniform(0.0, math.pi)
        phase = rng.uniform(0.0, 2 * math.pi)
        along = math.cos(theta) * coords[None, :] + math.sin(theta) * coords[:, None]  # [H,W]
        total += torch.sin(along * (2 * math.pi / period) + phase)
    return total * (_TEXTURE_AMPLITUDE / 2)


def draw_background(kind: str, rng: np.random.Generator, size: int) -> Tensor:
    """A random background of one kind.

    Args:
        kind (str): one of :data:`BACKGROUNDS`.
        rng (numpy.random.Generator): the randomness; consumed deterministically.
        size (int): the image is ``size x size``.

    Returns:
        Tensor[3, size, size] float32 in [0, 1].
    """
    if kind not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {kind!r}")
    image = _base_colour(rng)[:, None, None].expand(3, size, size)
    if kind == "noise":
        noise = rng.standard_normal((3, size, size), dtype=np.float32) * _NOISE_STD
        image = image + torch.from_numpy(noise)
    elif kind == "texture":
        image = image + _texture(rng, size)[None]
    return image.clamp(0.0, 1.0).contiguous()
