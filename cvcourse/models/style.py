"""Neural style transfer by optimising the image (Gatys, Ecker, Bethge 2016), CPU-sized.

A *feature extractor* maps an image batch to a dict of named feature maps. Two ship here:

- :class:`RandomFeatures`: a four-block CNN whose filters are random and never trained. No weights
  need downloading; Ustyuzhaninov, Brendel, Gatys, Bethge (2016) showed that even one layer of
  random filters of several sizes gives Gram statistics that synthesise many textures, and this
  small deep variant of the idea makes the Gram style loss work without trained weights.
- :class:`VGG19Features`: torchvision's VGG-19 feature layers, filled from a state dict in a
  *local* file (``torchvision.models.vgg19`` weights saved by a user who has them). Nothing is
  downloaded. (Gatys et al. rescaled the weights and replaced max by average pooling; this keeps
  torchvision's network as it is, and the style weights absorb the scale.)

The losses follow the PyTorch tutorial's convention: the content loss is the mean of squared
differences of feature maps; the style loss is a weighted sum over layers of the mean of squared
differences of Gram matrices normalised by ``C * H * W``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "RandomFeatures",
    "StyleResult",
    "VGG19Features",
    "balanced_weights",
    "content_mse",
    "gram_matrix",
    "style_mse",
    "transfer",
]


def gram_matrix(features: Tensor, normalize: bool = True) -> Tensor:
    """Gram matrix of each item's channels: ``G[n, i, j] = sum_p F[n, i, p] F[n, j, p]``.

    Args:
        features (Tensor[N, C, H, W]): feature maps.
        normalize (bool): divide by ``C * H * W`` so that layers of any size weigh alike.

    Returns:
        Tensor[N, C, C]: symmetric, positive semi-definite; the spatial positions are summed
        out, so the Gram keeps which channels fire together and forgets where.
    """
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)  # [N, C, HW]
    gram = flat @ flat.transpose(1, 2)  # [N, C, C]: one Gram per batch item, never mixed
    return gram / (c * h * w) if normalize else gram


def content_mse(features: Mapping[str, Tensor], targets: Mapping[str, Tensor]) -> Tensor:
    """Content loss per batch item: mean squared difference, summed over the given layers.

    Args:
        features: layer -> Tensor[N, C, H, W] of the images being optimised.
        targets: layer -> Tensor[1 or N, C, H, W] of the content image (detached).

    Returns:
        Tensor[N]: one loss per image of the batch.
    """
    losses = [((features[k] - targets[k]) ** 2).mean(dim=(1, 2, 3)) for k in targets]
    return torch.stack(losses).sum(0)


def style_mse(
    features: Mapping[str, Tensor], grams: Mapping[str, Tensor], weights: Mapping[str, float]
) -> Tensor:
    """Style loss per batch item: ``sum_l w_l * mean((G(F_l) - G_l)^2)``.

    Args:
        features: layer -> Tensor[N, C, H, W]; grams: layer -> Tensor[1 or N, C, C] of the style
            image (detached); weights: layer -> weight ``w_l``.

    Returns:
        Tensor[N].
    """
    losses = [
        weights[k] * ((gram_matrix(features[k]) - grams[k]) ** 2).mean(dim=(1, 2)) for k in weights
    ]
    return torch.stack(losses).sum(0)


class RandomFeatures(nn.Module):
    """A CNN with random, untrained filters: blocks of conv 3x3 + ReLU with 2x2 average pooling.

    Block ``k`` sees ``3, 8, 18, 38`` pixels for ``k = 1..4``, so the layers describe texture at
    several scales; the layer ``rgb`` is the (centred) image itself, whose 3x3 Gram holds the
    colour statistics. Inputs are centred (``x - 0.5``) so that the zero-mean random filters
    respond to contrast, and padding reflects so that borders add no edges.

    Args:
        channels (Sequence[int]): output channels of the blocks (any number of blocks >= 1).
        seed (int): the filters are drawn from this seed (Kaiming normal, zero bias), bit for bit.

    Shape:
        forward: Tensor[N, 3, H, W] in [0, 1] -> dict ``rgb`` [N, 3, H, W], ``relu1``
        [N, c1, H, W], ``relu2`` [N, c2, H/2, W/2], ... (one entry per block).
    """

    def __init__(self, channels: Sequence[int] = (32, 64, 128, 256), seed: int = 0) -> None:
        super().__init__()
        if len(channels) < 1:
            raise ValueError("channels must name at least one block")
        generator = torch.Generator().manual_seed(seed)
        ins = (3, *channels[:-1])
        self.convs = nn.ModuleList(
            nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect")
            for cin, cout in zip(ins, channels, strict=True)
        )
        with torch.no_grad():
            for conv in self.convs:
                fan_in = conv.in_channels * 9
                conv.weight.copy_(
                    torch.randn(conv.weight.shape, generator=generator) * (2 / fan_in) ** 0.5
                )
                conv.bias.zero_()
        self.requires_grad_(False)
        self.eval()

    @property
    def layers(self) -> tuple[str, ...]:
        """The names forward returns: ``("rgb", "relu1", ...)``."""
        return ("rgb", *(f"relu{i + 1}" for i in range(len(self.convs))))

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        h = x - 0.5
        out: dict[str, Tensor] = {"rgb": h}
        for i, conv in enumerate(self.convs):
            if i > 0:
                h = F.avg_pool2d(h, 2)  # pool *before* the next conv: each block sees 2x wider
            h = F.relu(conv(h))
            out[f"relu{i + 1}"] = h
        return out


def balanced_weights(grams: Mapping[str, Tensor]) -> dict[str, float]:
    """Layer weights ``1 / mean(G_l^2)``: each layer's loss relative to the size of the style Gram.

    A layer's loss is then exactly 1 for an all-zero feature map, and the layers start within
    about an order of magnitude of each other. Without the weights the raw losses differ by orders
    of magnitude (they scale with the features' size), and the optimiser matches only the largest
    one: with random filters the result then stays noise-like.

    Args:
        grams: layer -> Tensor[1, C, C], the style image's Gram matrices.
    """
    return {name: 1.0 / float((g**2).mean()) for name, g in grams.items()}


# Names of torchvision's vgg19().features modules, in order (conv/relu/pool as in the paper).
def _vgg19_names() -> list[str]:
    names: list[str] = []
    for block, convs in enumerate((2, 2, 4, 4, 4), start=1):
        for i in range(1, convs + 1):
            names += [f"conv{block}_{i}", f"relu{block}_{i}"]
        names.append(f"pool{block}")
    return names


class VGG19Features(nn.Module):
    """VGG-19's convolutional part (torchvision's ``vgg19().features``) returning named layers.

    Gatys et al. match content at ``conv4_2`` and style at ``conv1_1 ... conv5_1``, each taken
    after its ReLU (``relu4_2``, ``relu1_1`` ... here). Inputs in [0, 1] are normalised with the
    ImageNet mean and std, as torchvision's weights expect. The ReLUs are not in place, so a
    ``conv*`` layer returns the convolution's output before the ReLU.

    Args:
        state_dict (Mapping[str, Tensor], optional): weights of ``vgg19().features`` (keys
            ``"0.weight"``...) or of the whole ``vgg19()`` (keys ``"features.0.weight"``...);
            ``None`` keeps a random initialisation (a code path test, not a style network).
        layers (Sequence[str]): the layer names ``forward`` returns.

    Shape:
        forward: Tensor[N, 3, H, W] -> dict name -> Tensor[N, C, h, w].
    """

    NAMES: tuple[str, ...] = tuple(_vgg19_names())
    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(
        self,
        state_dict: Mapping[str, Tensor] | None = None,
        layers: Sequence[str] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"),
    ) -> None:
        super().__init__()
        from torchvision.models.vgg import cfgs, make_layers

        unknown = [name for name in layers if name not in self.NAMES]
        if unknown:
            raise ValueError(f"unknown VGG-19 layers {unknown}; valid: {self.NAMES}")
        self.layers = tuple(layers)
        self.features = make_layers(cfgs["E"])  # the 37 modules of vgg19().features
        for i, module in enumerate(self.features):
            if isinstance(module, nn.ReLU):  # in place, it would overwrite the stored conv output
                self.features[i] = nn.ReLU(inplace=False)
        if state_dict is not None:
            prefix = "features."
            if any(key.startswith(prefix) for key in state_dict):
                state_dict = {
                    key[len(prefix) :]: v for key, v in state_dict.items() if key.startswith(prefix)
                }
            self.features.load_state_dict(state_dict)  # strict: a wrong file fails loudly
        self.register_buffer("mean", torch.tensor(self.MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(self.STD).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_file(cls, path: str | Path, **kwargs) -> VGG19Features:
        """Load weights saved with ``torch.save(vgg19(...).state_dict(), path)`` (local file)."""
        return cls(torch.load(path, map_location="cpu", weights_only=True), **kwargs)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        h = (x - self.mean) / self.std
        out: dict[str, Tensor] = {}
        last = max(self.NAMES.index(name) for name in self.layers)
        for name, module in zip(self.NAMES[: last + 1], self.features, strict=False):
            h = module(h)
            if name in self.layers:
                out[name] = h
        return out


@dataclass
class StyleResult:
    """What :func:`transfer` returns.

    Attributes:
        images (Tensor[N, 3, H, W]): the optimised images, in [0, 1].
        content_losses, style_losses (list[Tensor[N]]): per-step losses of each image (before
            the step, unweighted).
        seconds (float): wall time of the optimisation.
    """

    images: Tensor
    content_losses: list[Tensor] = field(default_factory=list)
    style_losses: list[Tensor] = field(default_factory=list)
    seconds: float = 0.0

    def curves(self) -> tuple[Tensor, Tensor]:
        """(content, style) losses as Tensor[steps, N]."""
        return torch.stack(self.content_losses), torch.stack(self.style_losses)


def transfer(
    content: Tensor | None,
    style: Tensor,
    extractor: nn.Module,
    *,
    content_layers: Sequence[str],
    style_layers: Mapping[str, float],
    style_weights: Sequence[float] | Tensor = (1e4,),
    steps: int = 100,
    lr: float = 0.03,
    init: str = "content",
    seed: int = 0,
    size: tuple[int, int] | None = None,
) -> StyleResult:
    """Optimise images so their features match ``content`` and their Grams match ``style``.

    The loss of image ``i`` is ``content_mse + style_weights[i] * style_mse``. The images of the
    batch do not interact (each loss depends on its own image, and Adam works per pixel), so one
    call optimises a whole row of style weights at once, which is cheaper than one call per weight.

    Args:
        content (Tensor[3, H, W] | None): the content photo in [0, 1]; ``None`` synthesises a
            texture (no content loss; ``init`` must be ``"noise"``).
        style (Tensor[3, H', W']): the style image in [0, 1] (any size).
        extractor: image batch -> dict of feature maps (:class:`RandomFeatures`...).
        content_layers: layers whose features the content loss compares.
        style_layers: layer -> weight in the style loss.
        style_weights (N floats): the style weight ``beta / alpha`` of each of the N images.
        steps, lr: Adam steps on the pixels and its learning rate.
        init: ``"content"`` starts from the content photo, ``"noise"`` from uniform noise.
        seed: seed of the noise.
        size: (H, W) of the output when ``content`` is None (default: the style's size).

    Returns:
        StyleResult: the N images and their loss curves.
    """
    if init not in ("content", "noise"):
        raise ValueError(f"init must be 'content' or 'noise', got {init!r}")
    if content is None and init != "noise":
        raise ValueError("without a content image, init must be 'noise'")
    weights = torch.as_tensor(style_weights, dtype=torch.float32).flatten()
    n = len(weights)
    with torch.no_grad():
        style_feats = extractor(style.unsqueeze(0))
        grams = {k: gram_matrix(style_feats[k]) for k in style_layers}  # targets, no graph
        if content is not None:
            content_feats = extractor(content.unsqueeze(0))
            targets = {k: content_feats[k] for k in content_layers}
            shape = content.shape
        else:
            targets = {}
            shape = (3, *(size or style.shape[-2:]))
        generator = torch.Generator().manual_seed(seed)
        if init == "content":
            start = content.unsqueeze(0).repeat(n, 1, 1, 1)
        else:
            start = torch.rand((n, *shape), generator=generator)
    image = start.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    result = StyleResult(images=start)
    begin = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        feats = extractor(image)
        c = content_mse(feats, targets) if targets else torch.zeros(n)
        s = style_mse(feats, grams, style_layers) if grams else torch.zeros(n)
        (c + weights * s).sum().backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(0, 1)  # stay a valid image
        result.content_losses.append(c.detach())
        result.style_losses.append(s.detach())
    result.seconds = time.perf_counter() - begin
    result.images = image.detach()
    return result
