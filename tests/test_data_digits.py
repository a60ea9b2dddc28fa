"""digits(): scikit-learn's bundled digits as tensors, with fixed stratified splits."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

from cvcourse.data import digits
from cvcourse.data.digits import _split_indices


def test_shapes_ranges_and_split_sizes() -> None:
    train_x, train_y, test_x, test_y = digits()
    assert train_x.shape == (1347, 1, 8, 8) and test_x.shape == (450, 1, 8, 8)
    assert train_x.dtype == torch.float32 and train_y.dtype == torch.int64
    assert float(train_x.min()) == 0.0 and float(train_x.max()) == 1.0
    assert set(train_y.tolist()) == set(range(10)) == set(test_y.tolist())
    # stratified: every class is about 25% test
    share = torch.bincount(test_y, minlength=10).float() / torch.bincount(
        torch.cat([train_y, test_y]), minlength=10
    )
    assert float((share - 0.25).abs().max()) < 0.01


def test_splits_are_disjoint_cover_everything_and_are_fixed() -> None:
    parts = _split_indices()
    everything = np.concatenate([parts["train"], parts["val"], parts["test"]])
    assert np.array_equal(np.sort(everything), np.arange(1797))  # disjoint and complete
    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16)[:, None]
    train_x, train_y, test_x, test_y = digits(split="test")
    fit_x, fit_y, val_x, val_y = digits(split="val")
    assert torch.equal(test_x, images[parts["test"]]) and torch.equal(val_x, images[parts["val"]])
    assert torch.equal(fit_x, images[parts["train"]])
    assert torch.equal(train_x, images[np.sort(np.concatenate([parts["train"], parts["val"]]))])
    assert torch.equal(test_y, torch.from_numpy(bunch.target[parts["test"]]))
    assert (len(fit_x), len(val_x)) == (1146, 201)
    again = digits(split="val")
    assert all(torch.equal(a, b) for a, b in zip(again, (fit_x, fit_y, val_x, val_y), strict=True))


def test_resized_to_28_for_lenet() -> None:
    train_x, train_y, test_x, _ = digits(size=28)
    small_x, small_y, _, _ = digits(size=8)
    assert train_x.shape == (1347, 1, 28, 28) and test_x.shape == (450, 1, 28, 28)
    assert torch.equal(train_y, small_y)
    assert 0.0 <= float(train_x.min()) and float(train_x.max()) <= 1.0
    # Bilinear upsampling keeps the mean ink of each image close to the 8x8 one.
    assert float((train_x.mean((1, 2, 3)) - small_x.mean((1, 2, 3))).abs().max()) < 0.05
