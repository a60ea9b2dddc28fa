"""A small U-Net (Ronneberger et al., 2015) for semantic segmentation on a CPU.

The encoder halves the resolution ``depth`` times and doubles the channels; the decoder undoes it
with 2x2 transposed convolutions, and at every level concatenates the encoder's feature map
(the *skip*) **before** the upsampled one: ``torch.cat([skip, up], dim=1)``. A 1x1 convolution
maps the last features to one logit per class and pixel.

Module names are part of the contract: assignment A6 loads this model's ``state_dict`` into a
student's UNet, so ``encoders``, ``bottleneck``, ``ups``, ``decoders`` and ``head`` (and the
layout of :func:`double_conv`) must not change.

Any input size works: pooling floors odd sizes (33 -> 16), and the decoder pads the upsampled map
with zeros at the bottom and right to its skip's size (32 -> 33) before concatenating.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["UNet", "double_conv"]


def double_conv(in_ch: int, out_ch: int) -> nn.Sequential:
    """Two 3x3 convolutions (padding 1, no bias), each followed by BatchNorm and ReLU.

    ``[N, in_ch, H, W] -> [N, out_ch, H, W]``. The convolutions have no bias because the
    BatchNorm right after them subtracts the mean anyway.
    """
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """U-Net with ``depth`` down- and up-sampling steps.

    Args:
        in_ch (int): channels of the input image.
        num_classes (int): K, logits per pixel.
        base (int): channels of the first level; level ``i`` has ``base * 2**i``.
        depth (int): number of 2x2 max-poolings (and of transposed convolutions), ``>= 1``.

    Shapes:
        ``[N, in_ch, H, W] -> [N, num_classes, H, W]`` for any ``H, W >= 2**depth``.

    Attributes:
        encoders: ``depth`` :func:`double_conv` blocks, shallow to deep.
        bottleneck: the :func:`double_conv` at the coarsest level.
        ups: ``depth`` ``ConvTranspose2d(k=2, s=2)``, deep to shallow, halving the channels.
        decoders: ``depth`` :func:`double_conv` blocks on ``[skip, upsampled]``, deep to shallow.
        head: the 1x1 ``Conv2d`` to ``num_classes``.
    """

    def __init__(self, in_ch: int = 3, num_classes: int = 4, base: int = 8, depth: int = 2):
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        widths = [base * 2**i for i in range(depth + 1)]  # e.g. 8, 16, 32
        self.depth = depth
        self.encoders = nn.ModuleList(
            double_conv(c_in, c_out)
            for c_in, c_out in zip([in_ch, *widths[:-2]], widths[:-1], strict=True)
        )
        self.bottleneck = double_conv(widths[-2], widths[-1])
        deep_to_shallow = list(reversed(range(depth)))
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], kernel_size=2, stride=2)
            for i in deep_to_shallow
        )
        # Each decoder sees the skip (widths[i]) and the upsampled map (widths[i]) side by side.
        self.decoders = nn.ModuleList(
            double_conv(2 * widths[i], widths[i]) for i in deep_to_shallow
        )
        self.head = nn.Conv2d(widths[0], num_classes, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)  # floors odd sizes: 33 -> 16
        x = self.bottleneck(x)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips), strict=True):
            x = up(x)  # 16 -> 32
            # Odd sizes: zeros at the bottom and right bring 32 back to the skip's 33.
            x = F.pad(x, (0, skip.shape[-1] - x.shape[-1], 0, skip.shape[-2] - x.shape[-2]))
            x = decoder(torch.cat([skip, x], dim=1))  # [encoder, upsampled]
        return self.head(x)
