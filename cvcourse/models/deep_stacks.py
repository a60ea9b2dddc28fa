"""Plain and residual stacks of 3x3 convolutions, to see why deep plain networks stop learning.

    model = DeepStack(depth=20, residual=True)      # 20 weighted layers on 8x8 digits
    norms = layer_gradient_norms(model, x, y)       # Tensor[20]: one norm per layer, input first

Both stacks have the same layers: a 3x3 stem convolution from the input channels to ``width``,
``depth - 2`` convolutions ``width -> width`` (3x3, padding 1, so the map keeps its size) and a
linear classifier on the flattened map. The plain stack applies ``ReLU(conv(x))`` layer after
layer; the residual one groups the body into pairs and adds each pair's input back,
``ReLU(x + conv(ReLU(conv(x))))``, as ResNet's basic block does (without BatchNorm, so that the
only difference is the identity path). With PyTorch's default initialisation each plain layer
shrinks the signal, and after twenty of them the gradient that reaches the first layers is
vanishingly small; the identity paths carry it through.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["DeepStack", "layer_gradient_norms"]


class DeepStack(nn.Module):
    """``depth`` weighted layers: a 3x3 stem, ``depth - 2`` 3x3 convolutions, a linear head.

    Args:
        depth (int): number of weighted layers (convolutions and the linear head), at least 4;
            ``depth - 2`` must be even when ``residual`` (the body is made of pairs).
        width (int): channels of every convolution after the stem.
        residual (bool): add an identity path around every pair of body convolutions.
        in_channels (int): channels of the input images.
        image_size (int): side of the (square) input images; the head reads the flattened map.
        num_classes (int): outputs of the head.

    Shapes:
        input ``[N, in_channels, image_size, image_size]`` -> class scores ``[N, num_classes]``.
    """

    def __init__(
        self,
        depth: int = 20,
        width: int = 16,
        residual: bool = False,
        in_channels: int = 1,
        image_size: int = 8,
        num_classes: int = 10,
    ) -> None:
        super().__init__()
        if depth < 4:
            raise ValueError(f"depth must be >= 4, got {depth}")
        if residual and (depth - 2) % 2:
            raise ValueError(f"a residual stack needs an even depth - 2, got depth={depth}")
        self.depth, self.residual = depth, residual
        self.stem = nn.Conv2d(in_channels, width, 3, padding=1)
        self.body = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1) for _ in range(depth - 2))
        self.head = nn.Linear(width * image_size * image_size, num_classes)

    def weighted_layers(self) -> list[nn.Module]:
        """The ``depth`` layers with weights, from the input to the output."""
        return [self.stem, *self.body, self.head]

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.stem(x))
        if self.residual:
            for first, second in zip(self.body[::2], self.body[1::2], strict=True):
                x = F.relu(x + second(F.relu(first(x))))  # the identity path: + x
        else:
            for conv in self.body:
                x = F.relu(conv(x))
        return self.head(x.flatten(1))


def layer_gradient_norms(model: DeepStack, x: Tensor, y: Tensor) -> Tensor:
    """The L2 norm of the cross-entropy loss's gradient for each layer's weight.

    Args:
        model (DeepStack): the stack (its parameters' ``.grad`` are overwritten).
        x (Tensor[N, C, H, W]): a batch of images; y (Tensor[N] int64): their labels.

    Returns:
        Tensor[depth]: one norm per weighted layer, from the input side to the output side.
    """
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    norms = [layer.weight.grad.norm() for layer in model.weighted_layers()]
    model.zero_grad(set_to_none=True)
    return torch.stack(norms).detach()
