"""Feature visualisation and deep dream by gradient ascent on the input, with a digits CNN.

Gradient *descent* changes a network's weights to lower a loss. Keep the weights and change the
input instead, *up* the gradient of one unit's activation, and the input turns into what excites
that unit: a class logit gives the network's idea of a "3" (Simonyan, Vedaldi, Zisserman 2014;
Olah, Mordvintsev, Schubert 2017); the energy of a whole layer amplifies whatever that layer
already sees in a photo (Mordvintsev, Olah, Tyka 2015, "deep dream"). Without a prior the ascent
makes high-frequency noise, so the input is regularised (an L2 penalty, a blur every few steps).

The network is small and trained in seconds on scikit-learn's bundled digits, upsampled to 16x16.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cvcourse.data.digits import digits

__all__ = ["DigitsCNN", "TrainedDigits", "deep_dream", "train_digits_cnn", "visualize_classes"]


class DigitsCNN(nn.Module):
    """Two conv blocks (8 and 16 channels, 3x3, ReLU, 2x2 max pool) and a linear classifier.

    Shape:
        forward: Tensor[N, 1, 16, 16] -> dict ``conv1`` [N, 8, 16, 16], ``conv2`` [N, 16, 8, 8]
        (after ReLU, before pooling) and ``logits`` [N, 10].
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        c1 = F.relu(self.conv1(x))
        c2 = F.relu(self.conv2(F.max_pool2d(c1, 2)))
        logits = self.fc(F.max_pool2d(c2, 2).flatten(1))
        return {"conv1": c1, "conv2": c2, "logits": logits}


@dataclass
class TrainedDigits:
    """A trained :class:`DigitsCNN` with its test accuracy and training time in seconds."""

    model: DigitsCNN
    test_accuracy: float
    seconds: float


def train_digits_cnn(
    epochs: int = 15, batch: int = 64, lr: float = 3e-3, seed: int = 0
) -> TrainedDigits:
    """Train :class:`DigitsCNN` on the 16x16 digits (train+val) and evaluate on the test split."""
    torch.manual_seed(seed)
    train_x, train_y, test_x, test_y = digits(size=16, split="test")
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(train_x), generator=generator)
        for i in range(0, len(order), batch):
            index = order[i : i + batch]
            loss = F.cross_entropy(model(train_x[index])["logits"], train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    model.requires_grad_(False)
    with torch.no_grad():
        accuracy = float((model(test_x)["logits"].argmax(1) == test_y).float().mean())
    return TrainedDigits(model, accuracy, time.perf_counter() - start)


def _blur(x: Tensor) -> Tensor:
    """A 3x3 binomial blur of Tensor[N, 1, H, W] (the smoothness prior of the ascent)."""
    kernel = torch.tensor([1.0, 2.0, 1.0], dtype=x.dtype)
    kernel = (kernel[:, None] * kernel[None, :] / 16).view(1, 1, 3, 3)
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel)


def visualize_classes(
    model: DigitsCNN,
    steps: int = 200,
    lr: float = 0.05,
    l2: float = 0.05,
    blur_every: int = 4,
    size: int = 16,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """Inputs that maximise each class logit: ascend ``logit_k(x) - l2 * ||x - 0.5||^2``.

    Args:
        model: a trained :class:`DigitsCNN` (its weights are not changed).
        steps, lr: Adam steps on the pixels; l2: weight of the penalty; blur_every: blur the
            image every so many steps (0 never); seed: of the small initial noise.

    Returns:
        (images Tensor[10, 1, size, size] in [0, 1], probabilities Tensor[10] that the model gives
        each image its target class).
    """
    generator = torch.Generator().manual_seed(seed)
    x = (0.5 + 0.01 * torch.randn(10, 1, size, size, generator=generator)).requires_grad_(True)
    target = torch.arange(10)
    optimizer = torch.optim.Adam([x], lr=lr)
    for step in range(steps):
        logits = model(x)["logits"]
        chosen = logits.gather(1, target[:, None]).squeeze(1)  # [10]: logit k of image k
        objective = chosen - l2 * ((x - 0.5) ** 2).sum(dim=(1, 2, 3))
        optimizer.zero_grad()
        (-objective.sum()).backward()  # ascent = descent on the negative
        optimizer.step()
        with torch.no_grad():
            if blur_every and (step + 1) % blur_every == 0:
                x.copy_(_blur(x))
            x.clamp_(0, 1)
    with torch.no_grad():
        probs = model(x)["logits"].softmax(1).gather(1, target[:, None]).squeeze(1)
    return x.detach(), probs


def deep_dream(
    model: DigitsCNN, image: Tensor, layer: str = "conv2", steps: int = 30, step_size: float = 0.02
) -> tuple[Tensor, list[float]]:
    """Amplify what ``layer`` sees in ``image``: ascend the mean squared activation of the layer.

    Each step moves the image by ``step_size`` times the gradient divided by its mean absolute
    value (Mordvintsev's normalised step, so the step size does not depend on the layer's scale).

    Args:
        image (Tensor[1, 1, H, W]) in [0, 1]; layer: ``"conv1"`` or ``"conv2"``.

    Returns:
        (the dreamt image Tensor[1, 1, H, W], the layer's energy before each step and at the end).
    """
    x = image.clone().requires_grad_(True)
    energies: list[float] = []
    for _ in range(steps):
        energy = (model(x)[layer] ** 2).mean()
        energies.append(float(energy.detach()))
        (grad,) = torch.autograd.grad(energy, x)
        with torch.no_grad():
            x += step_size * grad / (grad.abs().mean() + 1e-12)
            x.clamp_(0, 1)
    with torch.no_grad():
        energies.append(float((model(x)[layer] ** 2).mean()))
    return x.detach(), energies
