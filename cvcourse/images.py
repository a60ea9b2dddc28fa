"""Offline sample photos as float tensors, by name.

Every image here ships inside an installed package (scikit-image's ``skimage.data`` folder and
matplotlib's sample data), so loading never touches the network. scikit-image fetchers that
download on first use (eagle, lily, kidney, cells3d, ...) are deliberately left out.

>>> from cvcourse import images
>>> images.load("camera", size=128).shape
torch.Size([1, 128, 128])
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["load", "names", "describe"]


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def read() -> np.ndarray:
        import skimage.data  # imported lazily: skimage is slow to import

        return np.asarray(getattr(skimage.data, name)())

    return read


def _grace_hopper() -> np.ndarray:
    import matplotlib.cbook
    import matplotlib.image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as file:
        return np.asarray(matplotlib.image.imread(file, format="jpg"))


# name -> (reader, one-line description). Only files bundled with the installed packages.
_SOURCES: dict[str, tuple[Callable[[], np.ndarray], str]] = {
    "astronaut": (_skimage("astronaut"), "Eileen Collins, NASA portrait, RGB 512x512"),
    "brick": (_skimage("brick"), "brick wall texture, gray 512x512"),
    "camera": (_skimage("camera"), "the cameraman, gray 512x512"),
    "chelsea": (_skimage("chelsea"), "Chelsea the cat, RGB 300x451"),
    "clock": (_skimage("clock"), "motion-blurred clock, gray 300x400"),
    "coffee": (_skimage("coffee"), "a cup of coffee, RGB 400x600"),
    "coins": (_skimage("coins"), "Greek coins, gray 303x384"),
    "grace_hopper": (_grace_hopper, "Grace Hopper (matplotlib sample), RGB 600x512"),
    "grass": (_skimage("grass"), "grass texture, gray 512x512"),
    "gravel": (_skimage("gravel"), "gravel texture, gray 512x512"),
    "horse": (_skimage("horse"), "horse silhouette (binary), gray 328x400"),
    "hubble_deep_field": (_skimage("hubble_deep_field"), "Hubble deep field, RGB 872x1000"),
    "immunohistochemistry": (_skimage("immunohistochemistry"), "stained tissue, RGB 512x512"),
    "moon": (_skimage("moon"), "surface of the moon, gray 512x512"),
    "page": (_skimage("page"), "scanned page of text, gray 191x384"),
    "rocket": (_skimage("rocket"), "rocket launch, RGB 427x640"),
    "text": (_skimage("text"), "text on a photographed sign, gray 172x448"),
}

# ITU-R BT.601 luma weights, the same as torchvision's rgb_to_grayscale.
_LUMA = torch.tensor([0.2989, 0.587, 0.114]).view(3, 1, 1)


def names() -> list[str]:
    """The names :func:`load` accepts, sorted."""
    return sorted(_SOURCES)


def describe(name: str) -> str:
    """A one-line description of the image ``name`` (subject, colour, original size)."""
    return _SOURCES[_check_name(name)][1]


def _check_name(name: str) -> str:
    if name not in _SOURCES:
        raise KeyError(f"unknown image name {name!r}; valid names are: {', '.join(names())}")
    return name


@functools.cache
def _original(name: str) -> Tensor:
    """The full-size image as float32 [C,H,W] in [0,1]; cached, callers must not mutate it."""
    array = _SOURCES[name][0]()
    if array.dtype == np.bool_:
        tensor = torch.from_numpy(array.astype(np.float32))
    elif np.issubdtype(array.dtype, np.integer):
        tensor = torch.from_numpy(array.astype(np.float32) / float(np.iinfo(array.dtype).max))
    else:
        tensor = torch.from_numpy(array.astype(np.float32))
    if tensor.ndim == 2:  # [H,W] -> [1,H,W]
        return tensor.unsqueeze(0)
    return tensor.permute(2, 0, 1)[:3].contiguous()  # [H,W,C] -> [C,H,W], drop any alpha


def load(name: str, size: int | None = None, gray: bool = False) -> Tensor:
    """Load a bundled sample photo.

    Args:
        name (str): one of :func:`names` (``"camera"``, ``"astronaut"``, ``"coins"``, ...).
        size (int, optional): resize so that the shorter side has ``size`` pixels, keeping the
            aspect ratio (bilinear with antialiasing). ``None`` keeps the original size.
        gray (bool): convert RGB photos to one luma channel (BT.601 weights).

    Returns:
        Tensor[C, H, W]: float32 in [0, 1]; ``C`` is 3 for colour photos and 1 for gray ones or
        when ``gray=True``. A fresh tensor: changing it does not change later loads.

    Raises:
        KeyError: ``name`` is not one of :func:`names` (the message lists them).
        ValueError: ``size`` is not a positive integer.
    """
    image = _original(_check_name(name))
    if gray and image.shape[0] == 3:
        image = (image * _LUMA).sum(dim=0, keepdim=True)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive int or None, got {size!r}")
        height, width = image.shape[-2:]
        scale = size / min(height, width)
        new_size = (max(1, round(height * scale)), max(1, round(width * scale)))
        if new_size != (height, width):
            image = F.interpolate(
                image.unsqueeze(0),
                size=new_size,
                mode="bilinear",
                align_corners=False,
                antialias=True,
            ).squeeze(0)
    # Interpolation can overshoot [0,1] a little; the convention promises [0,1].
    return image.clamp(0.0, 1.0).contiguous().clone()
