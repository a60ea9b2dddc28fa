"""Train ``TinyDetector`` on Shapes, save and load its checkpoint.

The chapter calls ``train_detector`` with a 90 s budget; the shipped checkpoint comes from the same
function with a longer budget, by one command:

    .venv/bin/python -m cvcourse.models.train_detector --out cvcourse/models/weights/detector.pt

The checkpoint is a plain dict of tensors and numbers, so ``torch.load(..., weights_only=True)``
reads it without unpickling code.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from cvcourse.models.detector import TinyDetector
from cvcourse.models.detector_targets import detector_loss, encode_targets, hflip_batch
from cvcourse.train import History, fit

__all__ = [
    "DEFAULT_CHECKPOINT",
    "DenseDetectionBatches",
    "load_detector",
    "save_detector",
    "stack_dataset",
    "train_detector",
]

DEFAULT_CHECKPOINT = Path(__file__).parent / "weights" / "detector.pt"


def stack_dataset(dataset: Sequence[dict[str, Any]]) -> tuple[Tensor, list[dict[str, Tensor]]]:
    """All samples of a detection dataset as one image batch and a list of targets.

    Returns:
        images (Tensor[N, 3, H, W]) and N dicts with ``boxes`` (Tensor[K, 4]) and ``labels``.
    """
    samples = [dataset[i] for i in range(len(dataset))]
    images = torch.stack([s["image"] for s in samples])
    targets = [{"boxes": s["boxes"], "labels": s["labels"]} for s in samples]
    return images, targets


class DenseDetectionBatches:
    """Shuffled mini-batches of images with their dense targets, encoded once up front.

    Encoding targets once (rather than per step) and mirroring tensors for augmentation keeps the
    per-step cost at the network's forward and backward pass, which matters on a 2-core CPU.

    Args:
        images (Tensor[N, 3, H, W]); targets: N dicts with ``boxes`` and ``labels``;
        num_classes (int); batch_size (int); hflip (bool): mirror a random half of each batch;
        seed (int): shuffling and flipping are reproducible.
    """

    def __init__(
        self,
        images: Tensor,
        targets: list[dict[str, Tensor]],
        num_classes: int,
        batch_size: int = 32,
        hflip: bool = True,
        seed: int = 0,
    ) -> None:
        if len(images) != len(targets):
            raise ValueError(
                f"images and targets differ in length: {len(images)} vs {len(targets)}"
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        stride = TinyDetector.stride
        grid = (images.shape[-2] // stride, images.shape[-1] // stride)
        self.images = images
        self.dense = encode_targets(targets, num_classes, grid, stride)
        self.batch_size = batch_size
        self.hflip = hflip
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, dict[str, Tensor]]]:
        order = torch.randperm(len(self.images), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            images = self.images[index]
            dense = {k: v[index] for k, v in self.dense.items()}
            if self.hflip:
                flip = torch.rand(len(index), generator=self.generator) < 0.5
                flipped_images, flipped = hflip_batch(
                    images[flip], {k: v[flip] for k, v in dense.items()}
                )
                images = images.clone()
                images[flip] = flipped_images
                for k in dense:
                    dense[k] = dense[k].clone()
                    dense[k][flip] = flipped[k]
            yield images, dense


def detector_step(
    model: torch.nn.Module, batch: tuple[Tensor, dict[str, Tensor]]
) -> dict[str, Tensor]:
    """One training step's loss for ``fit``: forward, then ``detector_loss``."""
    images, dense = batch
    return detector_loss(model(images), dense)


def train_detector(
    dataset: Sequence[dict[str, Any]],
    num_classes: int,
    *,
    max_seconds: float | None = 80.0,
    epochs: int = 100,
    batch_size: int = 16,
    lr: float = 8e-3,
    width: int = 32,
    seed: int = 0,
    num_threads: int | None = 2,
    progress: bool = True,
) -> tuple[TinyDetector, History]:
    """Train a ``TinyDetector`` on ``dataset`` for ``epochs`` or ``max_seconds``, whichever ends
    first (AdamW, cosine-decayed learning rate, random horizontal flips).

    The learning rate decays over that same budget (steps or seconds), so a run cut short by
    ``max_seconds`` still ends at a small learning rate. With ``max_seconds=None`` the run is a
    fixed number of steps and reproducible bit for bit; with a time budget, how far it gets
    depends on the machine.

    Returns:
        the trained model (in eval mode) and its training ``History``.
    """
    torch.manual_seed(seed)
    images, targets = stack_dataset(dataset)
    batches = DenseDetectionBatches(images, targets, num_classes, batch_size, hflip=True, seed=seed)
    model = TinyDetector(num_classes, width=width)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    scheduler = _CosineSchedule(optimizer, epochs * len(batches), max_seconds)
    history = fit(
        model,
        batches,
        detector_step,
        epochs=epochs,
        max_seconds=max_seconds,
        optimizer=optimizer,
        scheduler=scheduler,
        seed=None,  # seeded above, before the model was built
        num_threads=num_threads,
        progress=progress,
        grad_clip=10.0,
    )
    return model, history


class _CosineSchedule:
    """Cosine learning-rate decay (after a short linear warm-up) over whichever budget ends first:
    ``total_steps`` optimisation steps or ``seconds`` of wall-clock time."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        total_steps: int,
        seconds: float | None,
        warmup_steps: int = 30,
    ) -> None:
        self.optimizer = optimizer
        self.total_steps = max(total_steps, 1)
        self.seconds = seconds
        self.warmup_steps = warmup_steps
        self.base = [g["lr"] for g in optimizer.param_groups]
        self.steps = 0
        self.start = time.perf_counter()
        self._apply()

    def _apply(self) -> None:
        progress = self.steps / self.total_steps
        if self.seconds is not None:
            progress = max(progress, (time.perf_counter() - self.start) / self.seconds)
        factor = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        warmup = min(1.0, (self.steps + 1) / self.warmup_steps)
        for group, base in zip(self.optimizer.param_groups, self.base, strict=True):
            group["lr"] = base * max(factor, 0.01) * warmup

    def step(self) -> None:
        self.steps += 1
        self._apply()


def save_detector(model: TinyDetector, path: str | Path, **metadata: float | int | str) -> None:
    """Save ``model`` as ``{"num_classes", "width", "state_dict", **metadata}`` (weights_only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Half precision halves the file; the model is loaded back in float32.
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save(
        {"num_classes": model.num_classes, "width": model.width, "state_dict": state, **metadata},
        path,
    )


def load_detector(path: str | Path | None = None) -> tuple[TinyDetector, dict[str, Any]]:
    """Load a checkpoint written by ``save_detector`` (default: the shipped one).

    Returns:
        the model in eval mode (float32) and the checkpoint's metadata.
    """
    path = Path(path) if path is not None else DEFAULT_CHECKPOINT
    if not path.exists():
        raise FileNotFoundError(
            f"no detector checkpoint at {path}; create it with "
            "`python -m cvcourse.models.train_detector --out <path>`"
        )
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = TinyDetector(int(checkpoint["num_classes"]), width=int(checkpoint["width"]))
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in checkpoint["state_dict"].items()}
    )
    model.eval()
    metadata = {k: v for k, v in checkpoint.items() if k not in ("state_dict",)}
    return model, metadata


def main(argv: Sequence[str] | None = None) -> None:
    from cvcourse.data import Shapes

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT, help="checkpoint path")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training images")
    parser.add_argument("--n", type=int, default=3000, help="training images")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="1 is fastest on a busy machine")
    args = parser.parse_args(argv)

    train_set = Shapes(n=args.n, size=64, split="train", seed=args.seed)
    num_classes = len(train_set.classes) - 1
    model, history = train_detector(
        train_set,
        num_classes,
        max_seconds=None,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        num_threads=args.threads,
    )
    save_detector(
        model,
        args.out,
        train_images=args.n,
        epochs=args.epochs,
        steps=len(history.steps),
        seconds=round(history.seconds, 1),
        seed=args.seed,
    )
    print(
        f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) after {history.seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
