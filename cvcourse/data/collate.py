"""Collate functions: turn a list of Shapes samples into the batches each task trains on.

The default ``torch.utils.data.default_collate`` cannot stack samples with different numbers of
objects, so detection keeps per-image targets in a list, as torchvision's detection models expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from .captions import Vocabulary


def _stack_images(samples: Sequence[dict[str, Any]]) -> Tensor:
    if not samples:
        raise ValueError("samples must hold at least one sample, got an empty list")
    return torch.stack([s["image"] for s in samples])


def collate_detection(samples: Sequence[dict[str, Any]]) -> tuple[Tensor, list[dict[str, Tensor]]]:
    """Batch for detection and instance segmentation.

    Returns:
        images (Tensor[N, 3, H, W]) and targets: one dict per image with ``boxes`` (Tensor[K_i, 4]
        xyxy), ``labels`` (Tensor[K_i] int64) and ``masks`` (Tensor[K_i, H, W] bool), the format of
        ``torchvision.models.detection``.
    """
    images = _stack_images(samples)
    targets = [{"boxes": s["boxes"], "labels": s["labels"], "masks": s["masks"]} for s in samples]
    return images, targets


def collate_segmentation(samples: Sequence[dict[str, Any]]) -> tuple[Tensor, Tensor]:
    """Batch for semantic segmentation.

    Returns:
        images (Tensor[N, 3, H, W]) and semantic masks (Tensor[N, H, W] int64, 0 = background).
    """
    return _stack_images(samples), torch.stack([s["semantic"].to(torch.int64) for s in samples])


def collate_captioning(
    samples: Sequence[dict[str, Any]], vocab: Vocabulary
) -> tuple[Tensor, Tensor, Tensor]:
    """Batch for captioning; in a DataLoader use ``partial(collate_captioning, vocab=vocab)``.

    Returns:
        images (Tensor[N, 3, H, W]); tokens (Tensor[N, L] int64): ``<bos> words <eos>`` padded with
        ``vocab.pad_id`` to the longest caption; lengths (Tensor[N] int64): tokens per caption
        including ``<bos>`` and ``<eos>``.
    """
    images = _stack_images(samples)
    encoded = [vocab.encode(s["caption"]) for s in samples]
    lengths = torch.tensor([len(e) for e in encoded], dtype=torch.int64)
    tokens = torch.full((len(encoded), int(lengths.max())), vocab.pad_id, dtype=torch.int64)
    for row, ids in enumerate(encoded):
        tokens[row, : len(ids)] = ids
    return images, tokens, lengths
