"""Fast style transfer for several styles: a transform network with conditional instance norm.

Johnson, Alahi, Fei-Fei (2016) train a feed-forward *transform network* once per style, with the
Gatys losses as its training loss, so that stylising is one forward pass. Dumoulin, Shlens,
Kudlur (2017, "A Learned Representation for Artistic Style") share every convolution between N
styles and give each style only its own scale and shift in every instance normalisation
(*conditional instance normalisation*, CIN). Mixing two styles' scales and shifts blends them.

The shipped checkpoint (two styles, 0.42 MB in half precision) comes from one command (about
5 minutes on two CPU cores):

    .venv/bin/python -m cvcourse.models.cin --out cvcourse/models/weights/cin_two_styles.pt

It trains on 64x64 crops of bundled photos (the astronaut is held out for the chapter) with the
random-filter features of :mod:`cvcourse.models.style` as loss network.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cvcourse import images
from cvcourse.models.style import RandomFeatures, balanced_weights, gram_matrix, style_mse

__all__ = [
    "CIN_CHECKPOINT",
    "CIN_STYLES",
    "ConditionalInstanceNorm2d",
    "TransformNet",
    "load_cin",
    "style_image",
    "train_cin",
]

CIN_CHECKPOINT = Path(__file__).parent / "weights" / "cin_two_styles.pt"
CIN_STYLES: tuple[str, ...] = ("brick", "immunohistochemistry")
TRAIN_PHOTOS: tuple[str, ...] = ("chelsea", "coffee", "rocket", "grace_hopper", "hubble_deep_field")
CONTENT_LAYER = "relu2"


class ConditionalInstanceNorm2d(nn.Module):
    """Instance normalisation with one (scale, shift) pair per style.

    ``y = gamma_s * (x - mean_hw(x)) / sqrt(var_hw(x) + eps) + beta_s``, the statistics taken
    per item and channel over the spatial positions. A style is given either as an id (the row of
    ``gamma``/``beta``; a 1-D tensor) or as mixing weights over the styles (a 2-D tensor), which
    mix the parameters.

    Args:
        num_features (int): channels C; num_styles (int): styles S; eps (float).

    Shape:
        forward(x: Tensor[N, C, H, W], style: LongTensor[N] ids | Tensor[N, S] weights)
        -> Tensor[N, C, H, W].
    """

    def __init__(self, num_features: int, num_styles: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(num_styles, num_features))  # [S, C]
        self.beta = nn.Parameter(torch.zeros(num_styles, num_features))  # [S, C]

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        if style.dim() == 1:  # ids
            gamma, beta = self.gamma[style.long()], self.beta[style.long()]  # [N, C]
        else:  # [N, S] weights: mix the parameters
            weights = style.to(self.gamma.dtype)
            gamma, beta = weights @ self.gamma, weights @ self.beta
        normal = F.instance_norm(x, eps=self.eps)
        return gamma[:, :, None, None] * normal + beta[:, :, None, None]


class _ConvCIN(nn.Module):
    """Reflect-padded conv, CIN, optional ReLU; ``up`` doubles the size first (no checkerboard)."""

    def __init__(self, cin: int, cout: int, k: int, styles: int, stride: int = 1, up: bool = False):
        super().__init__()
        self.up = up
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, padding_mode="reflect")
        self.norm = ConditionalInstanceNorm2d(cout, styles)

    def forward(self, x: Tensor, style: Tensor, relu: bool = True) -> Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.norm(self.conv(x), style)
        return F.relu(x) if relu else x


class TransformNet(nn.Module):
    """A small Johnson-style transform network whose every norm is conditional.

    Two stride-2 downsampling convs, two residual blocks, two resize-conv upsamplings and an
    output conv; a sigmoid keeps the output in [0, 1]. Input H and W must be multiples of 4.

    Shape:
        forward(x: Tensor[N, 3, H, W], style: LongTensor[N] | Tensor[N, S]) -> Tensor[N, 3, H, W].
    """

    def __init__(self, num_styles: int, width: int = 16) -> None:
        super().__init__()
        w = width
        self.down = nn.ModuleList(
            [
                _ConvCIN(3, w, 5, num_styles),
                _ConvCIN(w, 2 * w, 3, num_styles, stride=2),
                _ConvCIN(2 * w, 4 * w, 3, num_styles, stride=2),
            ]
        )
        self.res = nn.ModuleList(_ConvCIN(4 * w, 4 * w, 3, num_styles) for _ in range(4))
        self.up = nn.ModuleList(
            [
                _ConvCIN(4 * w, 2 * w, 3, num_styles, up=True),
                _ConvCIN(2 * w, w, 3, num_styles, up=True),
            ]
        )
        self.out = nn.Conv2d(w, 3, 5, padding=2, padding_mode="reflect")
        self.num_styles = num_styles

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        h = x
        for layer in self.down:
            h = layer(h, style)
        for a, b in zip(self.res[::2], self.res[1::2], strict=True):
            h = h + b(a(h, style), style, relu=False)  # residual: start from the identity
        for layer in self.up:
            h = layer(h, style)
        return torch.sigmoid(self.out(h))


def style_image(name: str, size: int) -> Tensor:
    """A bundled photo as an RGB style image Tensor[3, H, W] (gray ones repeated to 3 channels)."""
    image = images.load(name, size=size)
    return image.expand(3, -1, -1).contiguous() if image.shape[0] == 1 else image


def _crops(photos: Sequence[Tensor], n: int, size: int, generator: torch.Generator) -> Tensor:
    """n random size x size crops, each from a random photo: Tensor[n, 3, size, size]."""
    out = []
    for _ in range(n):
        photo = photos[int(torch.randint(len(photos), (1,), generator=generator))]
        top = int(torch.randint(photo.shape[1] - size + 1, (1,), generator=generator))
        left = int(torch.randint(photo.shape[2] - size + 1, (1,), generator=generator))
        out.append(photo[:, top : top + size, left : left + size])
    return torch.stack(out)


def train_cin(
    styles: Sequence[str] = CIN_STYLES,
    steps: int = 1000,
    batch: int = 8,
    crop: int = 64,
    style_weight: float = 0.05,
    lr: float = 2e-3,
    seed: int = 0,
) -> dict:
    """Train a :class:`TransformNet` for ``styles`` and return its checkpoint dict.

    Each step takes ``batch`` random crops, gives each a random style id, and minimises
    ``content_mse + style_weight * balanced style_mse`` against that style (the Gatys losses on
    :class:`~cvcourse.models.style.RandomFeatures`).

    Returns:
        dict: ``state_dict``, ``styles``, ``losses`` (per step), ``seconds`` and the settings.
    """
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    extractor = RandomFeatures()
    photos = [style_image(name, 128) for name in TRAIN_PHOTOS]
    grams_per_style, weights_per_style = [], []
    with torch.no_grad():
        for name in styles:
            feats = extractor(style_image(name, 128).unsqueeze(0))
            grams = {k: gram_matrix(v) for k, v in feats.items()}
            grams_per_style.append(grams)
            weights_per_style.append(balanced_weights(grams))
    net = TransformNet(len(styles))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses: list[float] = []
    start = time.perf_counter()
    for _ in range(steps):
        x = _crops(photos, batch, crop, generator)
        ids = torch.randint(len(styles), (batch,), generator=generator)
        y = net(x, ids)
        feats_y = extractor(y)
        with torch.no_grad():
            target = extractor(x)[CONTENT_LAYER]
        loss = ((feats_y[CONTENT_LAYER] - target) ** 2).mean(dim=(1, 2, 3))  # [batch]
        for s in range(len(styles)):
            mine = ids == s
            if mine.any():
                feats_s = {k: v[mine] for k, v in feats_y.items()}
                loss[mine] = loss[mine] + style_weight * style_mse(
                    feats_s, grams_per_style[s], weights_per_style[s]
                )
        optimizer.zero_grad()
        loss.mean().backward()
        optimizer.step()
        losses.append(float(loss.detach().mean()))
    return {
        "state_dict": net.state_dict(),
        "styles": list(styles),
        "losses": losses,
        "seconds": time.perf_counter() - start,
        "settings": {
            "steps": steps,
            "batch": batch,
            "crop": crop,
            "style_weight": style_weight,
            "lr": lr,
            "seed": seed,
        },
    }


def load_cin(path: str | Path = CIN_CHECKPOINT) -> tuple[TransformNet, dict]:
    """The transform network of a checkpoint (eval mode) and the checkpoint dict."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    net = TransformNet(len(checkpoint["styles"]))
    net.load_state_dict(checkpoint["state_dict"])
    net.eval()
    return net, checkpoint


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CIN_CHECKPOINT)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    checkpoint = train_cin(steps=args.steps)
    # Store half precision: the file stays small, and the network runs in float32 after loading.
    checkpoint["state_dict"] = {k: v.half() for k, v in checkpoint["state_dict"].items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB, {checkpoint['seconds']:.0f} s")


if __name__ == "__main__":
    main()
