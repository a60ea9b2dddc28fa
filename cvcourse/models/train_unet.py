"""Train :class:`~cvcourse.models.unet.UNet` on Shapes masks, save and load its checkpoint.

The segmentation chapter trains with :class:`UNetTrainer` in the page (in two parts, to look at
the model halfway); :func:`train_unet` runs the same trainer in one go. Assignment A6 loads the
shipped checkpoint into a student's UNet (the module names match). The checkpoint comes from
:func:`train_unet` by one command:

    .venv/bin/python -m cvcourse.models.train_unet --out cvcourse/models/weights/unet_shapes.pt

It is a plain dict of tensors and numbers, readable with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from cvcourse.data import Shapes, collate_segmentation
from cvcourse.models.unet import UNet

__all__ = [
    "DEFAULT_CHECKPOINT",
    "SEGMENTATION_SHAPES",
    "TrainResult",
    "UNetTrainer",
    "load_unet",
    "predict",
    "save_unet",
    "segmentation_data",
    "train_unet",
]

DEFAULT_CHECKPOINT = Path(__file__).parent / "weights" / "unet_shapes.pt"
# Three shape kinds plus background: the 4 classes of UNet's default num_classes.
SEGMENTATION_SHAPES = ("circle", "square", "triangle")


def segmentation_data(
    n: int, size: int = 48, split: str = "train", seed: int = 0
) -> tuple[Tensor, Tensor]:
    """``n`` Shapes scenes of circles, squares and triangles as one batch.

    Returns:
        images (Tensor[n, 3, size, size] float32) and masks (LongTensor[n, size, size], 0 =
        background, 1 circle, 2 square, 3 triangle).
    """
    data = Shapes(n, size, split, seed=seed, shapes=SEGMENTATION_SHAPES, cache=False)
    return collate_segmentation([data[i] for i in range(n)])


@dataclass
class TrainResult:
    """What :func:`train_unet` returns: the model (eval mode), losses per step and seconds."""

    model: UNet
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


class UNetTrainer:
    """Train a fresh UNet with pixel cross-entropy, AdamW and a one-cycle learning rate, in parts.

    ``run(n)`` continues where the last call stopped, so a chapter can look at the model halfway
    (and keep each notebook cell short); the whole schedule is fixed by ``steps`` up front.

    Args:
        images (Tensor[N, 3, H, W]); masks (LongTensor[N, H, W]) with classes ``0..K-1``.
        steps: optimisation steps in all, each on ``batch_size`` scenes drawn with replacement.
        class_weights (Tensor[K] | None): weights of the cross-entropy per true class.
        seed: fixes the initialisation and the batches (bit for bit on one CPU setup).

    Attributes:
        model (UNet); losses (list[float]): one per step done; rates (list[float]): the learning
        rate each step done used; seconds (float): training time.
    """

    def __init__(
        self,
        images: Tensor,
        masks: Tensor,
        *,
        steps: int = 500,
        batch_size: int = 32,
        lr: float = 1e-2,
        base: int = 8,
        depth: int = 2,
        class_weights: Tensor | None = None,
        seed: int = 0,
    ) -> None:
        self.images, self.masks, self.steps, self.batch_size = images, masks, steps, batch_size
        self.class_weights = class_weights
        torch.manual_seed(seed)
        num_classes = int(masks.max()) + 1 if class_weights is None else len(class_weights)
        self.model = UNet(images.shape[1], max(num_classes, 2), base, depth)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr)
        # One cycle: a short warm-up then a long decay; high peak rates train BatchNorm nets fast.
        self.schedule = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, lr, total_steps=steps, pct_start=0.2
        )
        self.batches = torch.Generator().manual_seed(seed)
        self.losses: list[float] = []
        self.rates: list[float] = []
        self.seconds = 0.0

    def run(self, steps: int | None = None, num_threads: int = 2) -> UNetTrainer:
        """Train ``steps`` more steps (default: the rest of the schedule); ends in eval mode."""
        left = self.steps - len(self.losses)
        steps = left if steps is None else min(steps, left)
        previous = torch.get_num_threads()
        torch.set_num_threads(num_threads)
        start = time.perf_counter()
        try:
            self.model.train()
            for _ in range(steps):
                index = torch.randint(
                    0, len(self.images), (self.batch_size,), generator=self.batches
                )
                logits = self.model(self.images[index])
                loss = F.cross_entropy(logits, self.masks[index], weight=self.class_weights)
                self.optimizer.zero_grad()
                loss.backward()
                self.rates.append(self.optimizer.param_groups[0]["lr"])
                self.optimizer.step()
                self.schedule.step()
                self.losses.append(loss.item())
        finally:
            self.seconds += time.perf_counter() - start
            self.model.eval()
            torch.set_num_threads(previous)
        return self


def train_unet(
    images: Tensor,
    masks: Tensor,
    *,
    steps: int = 500,
    batch_size: int = 32,
    lr: float = 1e-2,
    base: int = 8,
    depth: int = 2,
    class_weights: Tensor | None = None,
    seed: int = 0,
    num_threads: int = 2,
) -> TrainResult:
    """:class:`UNetTrainer` run to the end in one go.

    Returns:
        TrainResult with the model in eval mode.
    """
    trainer = UNetTrainer(
        images,
        masks,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        base=base,
        depth=depth,
        class_weights=class_weights,
        seed=seed,
    )
    trainer.run(num_threads=num_threads)
    return TrainResult(trainer.model, trainer.losses, trainer.seconds)


@torch.no_grad()
def predict(model: UNet, images: Tensor, batch_size: int = 100) -> Tensor:
    """Class ids ``[N, H, W]`` of ``images`` ``[N, C, H, W]`` (eval mode, in batches)."""
    model.eval()
    return torch.cat(
        [model(images[i : i + batch_size]).argmax(1) for i in range(0, len(images), batch_size)]
    )


def save_unet(model: UNet, path: Path, **info: float) -> None:
    """Save the weights and the constructor arguments (plus any numbers in ``info``)."""
    config = {
        "in_ch": model.encoders[0][0].in_channels,
        "num_classes": model.head.out_channels,
        "base": model.head.in_channels,
        "depth": model.depth,
    }
    torch.save({"state_dict": model.state_dict(), "config": config, "info": info}, path)


def load_unet(path: Path = DEFAULT_CHECKPOINT) -> tuple[UNet, dict[str, float]]:
    """The UNet of a checkpoint (eval mode) and its ``info`` numbers."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = UNet(**checkpoint["config"])
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval(), dict(checkpoint["info"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args(argv)
    from cvcourse.seg_metrics import confusion_matrix, mean_iou

    images, masks = segmentation_data(args.train, split="train")
    result = train_unet(images, masks, steps=args.steps)
    test_images, test_masks = segmentation_data(300, split="test")
    cm = confusion_matrix(predict(result.model, test_images), test_masks, 4)
    miou = mean_iou(cm)
    save_unet(result.model, args.out, test_miou=miou, seconds=result.seconds)
    print(f"saved {args.out}: test mIoU {miou:.4f}, {result.seconds:.1f} s")


if __name__ == "__main__":
    main()
