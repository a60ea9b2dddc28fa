"""The ``Shapes`` dataset: procedural scenes with boxes, masks and captions, no download needed.

Sample ``i`` of split ``s`` is drawn from its own random generator, seeded by a hash of
``(seed, s, i)``. So a sample does not depend on which samples were drawn before it, in which
process or DataLoader worker, and the train, val and test splits draw from unrelated streams: they
never share a sample.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from .captions import COLOR_NAMES, SIZE_NAMES, Vocabulary
from .raster import SHAPE_NAMES
from .scene import Scene, SceneConfig, one_thread, render_scene

SPLITS: tuple[str, ...] = ("train", "val", "test")


def sample_seed(seed: int, split: str, index: int) -> int:
    """The 64-bit seed of one sample: a hash of ``(seed, split, index)``, equal on all machines."""
    key = f"cvcourse.data.Shapes/{seed}/{split}/{index}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


class Shapes(Dataset[dict[str, Any]]):
    """Procedural RGB scenes of circles, squares, triangles and crosses.

    Args:
        n (int): number of samples, ``>= 0``.
        size (int): images are ``size x size`` pixels.
        split (str): ``"train"``, ``"val"`` or ``"test"``; different splits never share a sample.
        seed (int): the dataset's seed; ``(seed, split, index)`` fixes a sample bit for bit.
        min_objects, max_objects (int): the number of objects is drawn uniformly in this range
            (an optional object that cannot be placed with bounded occlusion is left out, so a scene
            may have fewer than ``max_objects`` but never fewer than ``min_objects``).
        shapes (Sequence[str]): shape kinds, a subset of :data:`SHAPE_NAMES`; they are the classes.
        colors (Sequence[str]): colours, a subset of :data:`COLOR_NAMES`.
        background (str): ``"plain"``, ``"noise"``, ``"texture"`` or ``"mixed"`` (one per sample).
        min_size, max_size (float | None): diameter range of the objects in pixels; by default
            ``size * 10/64`` to ``size * 28/64``. Sizes are split into thirds: small, medium, large.
        min_visible (float): every object keeps at least this fraction of its pixels visible.
        rotate (bool): rotate shapes by a random angle.
        cache (bool): keep generated samples in memory (each is generated once per process).

    Each sample is a dict:
        - ``image`` (Tensor[3, H, W] float32 in [0, 1])
        - ``boxes`` (Tensor[K, 4] float32): ``(x1, y1, x2, y2)`` in pixels, tight around the
          *visible* mask in pixel-edge coordinates (a mask on columns 3..7 gives x1 = 3, x2 = 8)
        - ``labels`` (Tensor[K] int64): indices into :attr:`classes`, ``1..len(classes) - 1``
        - ``masks`` (Tensor[K, H, W] bool): visible pixels of each object, disjoint
        - ``semantic`` (Tensor[H, W] int64): label of the visible object at each pixel, 0 = none
        - ``caption`` (str): e.g. ``"a small red circle left of a large blue square"``
        - ``colors``, ``sizes`` (Tensor[K] int64): indices into ``COLOR_NAMES`` and ``SIZE_NAMES``
        - ``background`` (str): the background kind of this sample

    Objects are listed back to front: object ``k`` may hide part of objects ``0..k-1``.
    """

    def __init__(
        self,
        n: int = 1000,
        size: int = 64,
        split: str = "train",
        seed: int = 0,
        min_objects: int = 1,
        max_objects: int = 3,
        shapes: Sequence[str] = SHAPE_NAMES,
        colors: Sequence[str] = COLOR_NAMES,
        background: str = "plain",
        min_size: float | None = None,
        max_size: float | None = None,
        min_visible: float = 0.5,
        rotate: bool = True,
        cache: bool = True,
    ) -> None:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.config = SceneConfig(
            size=size,
            min_objects=min_objects,
            max_objects=max_objects,
            shapes=(shapes,) if isinstance(shapes, str) else tuple(shapes),
            colors=(colors,) if isinstance(colors, str) else tuple(colors),
            background=background,
            min_size=min_size,
            max_size=max_size,
            min_visible=min_visible,
            rotate=rotate,
        )
        self.n, self.split, self.seed, self.cache = int(n), split, int(seed), cache
        self._cache: dict[int, dict[str, Any]] = {}

    @property
    def classes(self) -> list[str]:
        """``["background", *shapes]``: labels index into this list."""
        return self.config.classes

    @property
    def size(self) -> int:
        return self.config.size

    @property
    def vocab(self) -> Vocabulary:
        """The caption vocabulary (the same for every Shapes dataset)."""
        return Vocabulary.for_shapes()

    def __len__(self) -> int:
        return self.n

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not -self.n <= index < self.n:
            raise IndexError(f"index must be in [-{self.n}, {self.n}), got {index}")
        return int(index) % self.n

    def scene(self, index: int) -> Scene:
        """Render sample ``index`` afresh, with the placed objects' parameters (never cached)."""
        index = self._check_index(index)
        return render_scene(self.config, sample_seed(self.seed, self.split, index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = self._check_index(index)
        with one_thread():
            cached = self._cache.get(index)
            if cached is not None:
                # Copies, so that a caller editing a sample in place cannot corrupt the cache.
                sample = {k: v.clone() if isinstance(v, Tensor) else v for k, v in cached.items()}
                sample["semantic"] = cached["semantic"].to(torch.int64)
                return sample
            scene = self.scene(index)
            sample = {
                "image": scene.image,
                "boxes": scene.boxes,
                "labels": scene.labels,
                "masks": scene.masks,
                "semantic": scene.semantic,
                "caption": scene.caption,
                "colors": scene.colors,
                "sizes": scene.sizes,
                "background": scene.background,
            }
            if self.cache:
                kept = {k: v.clone() if isinstance(v, Tensor) else v for k, v in sample.items()}
                kept["semantic"] = scene.semantic.to(torch.uint8)  # 8x smaller; labels are < 256
                self._cache[index] = kept
            return sample

    def class_counts(self) -> Tensor:
        """How many objects of each class the dataset holds.

        Returns:
            Tensor[len(classes)] int64: index 0 (background) is always 0.
        """
        counts = torch.zeros(len(self.classes), dtype=torch.int64)
        for i in range(self.n):
            counts += torch.bincount(self[i]["labels"], minlength=len(self.classes))
        return counts

    def __repr__(self) -> str:
        return f"Shapes(n={self.n}, split={self.split!r}, seed={self.seed}, {self.config})"


__all__ = ["COLOR_NAMES", "SHAPE_NAMES", "SIZE_NAMES", "SPLITS", "Shapes", "sample_seed"]
