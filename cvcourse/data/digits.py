"""scikit-learn's bundled 8x8 handwritten digits as tensors, with fixed splits.

The 1,797 images ship inside scikit-learn, so nothing is downloaded. The splits are stratified and
fixed once for all (a seeded permutation per class): 25% test, and 15% of the rest as validation.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import Tensor

DIGIT_SPLITS: tuple[str, ...] = ("test", "val")
_TEST_FRACTION, _VAL_FRACTION, _SPLIT_SEED = 0.25, 0.15, 0


def _split_indices() -> dict[str, np.ndarray]:
    """Indices of the train, val and test parts (disjoint, covering all 1,797 images)."""
    targets = load_digits().target
    rng = np.random.default_rng(_SPLIT_SEED)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(targets == digit))
        n_test = round(len(members) * _TEST_FRACTION)
        n_val = round((len(members) - n_test) * _VAL_FRACTION)
        parts["test"].append(members[:n_test])
        parts["val"].append(members[n_test : n_test + n_val])
        parts["train"].append(members[n_test + n_val :])
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


def digits(size: int = 8, split: str = "test") -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The digits, ready for a model: ``train_x, train_y, eval_x, eval_y = digits(...)``.

    Args:
        size (int): side of the returned images: 8 (original) or more, up to 64, resized bilinearly;
            ``size=28`` gives the 28x28 input that the slides' LeNet-5 expects.
        split (str): what to evaluate on. ``"test"``: train on train+val (1,347 images),
            evaluate on the held-out test set (450 images). ``"val"``: train on train (1,146),
            evaluate on val (201), to choose hyper-parameters without looking at the test set.

    Returns:
        train_x (Tensor[N, 1, size, size] float32 in [0, 1]), train_y (Tensor[N] int64 in 0..9),
        eval_x (Tensor[M, 1, size, size]), eval_y (Tensor[M]).
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 8 <= size <= 64:
        raise ValueError(f"size must be an integer in [8, 64], got {size!r}")
    if split not in DIGIT_SPLITS:
        raise ValueError(f"split must be one of {DIGIT_SPLITS}, got {split!r}")
    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16.0)[
        :, None
    ]  # [1797,1,8,8], 0..16 -> [0,1]
    if size != 8:
        images = F.interpolate(
            images, size=(size, size), mode="bilinear", align_corners=False
        ).clamp(0, 1)
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    parts = _split_indices()
    if split == "test":
        train = torch.from_numpy(np.sort(np.concatenate([parts["train"], parts["val"]])))
    else:
        train = torch.from_numpy(parts["train"])
    evaluate = torch.from_numpy(parts[split])
    return images[train], labels[train], images[evaluate], labels[evaluate]
