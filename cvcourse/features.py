"""Hand-crafted image features: raw pixels, colour histograms, HOG and a bag of visual words.

These are the features that came before learned ones: each maps an image to a fixed-length vector
that a linear classifier can use.

- :func:`pixel_features`: the image itself, flattened (``C*H*W`` numbers; needs equal sizes).
- :func:`color_histogram`: how many pixels take each 8-bit level, per channel (``C*bins``; any
  size of image gives the same length).
- :func:`hog_features` (and :func:`hog_length`): histograms of oriented gradients (Dalal and Triggs
  2005) computed by ``skimage.feature.hog``.
- :func:`dense_patches` and :class:`BagOfVisualWords`: local descriptors quantised against a
  k-means codebook, and the histogram of the resulting "visual words".

Images follow the course convention: float ``Tensor[C, H, W]`` in [0, 1], batches
``Tensor[N, C, H, W]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "BagOfVisualWords",
    "color_histogram",
    "dense_patches",
    "hog_features",
    "hog_image",
    "hog_length",
    "pixel_features",
    "to_gray",
]

# ITU-R BT.601 luma weights, as torchvision's rgb_to_grayscale and cvcourse.images.
_LUMA = torch.tensor([0.2989, 0.587, 0.114])


def _check_image(image: Tensor, name: str = "image") -> Tensor:
    if not isinstance(image, Tensor) or image.ndim != 3 or image.shape[0] not in (1, 3):
        shape = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"{name} must be a Tensor[C, H, W] with C in (1, 3), got {shape}")
    return image


def to_gray(image: Tensor) -> Tensor:
    """One luma channel (BT.601 weights): ``Tensor[3, H, W]`` -> ``Tensor[1, H, W]``.

    Gray input is returned unchanged. scikit-image's ``rgb2gray`` uses the BT.709 weights instead
    (0.2125, 0.7154, 0.0721), so its gray values differ slightly.
    """
    image = _check_image(image)
    if image.shape[0] == 1:
        return image
    return (image * _LUMA.to(image).view(3, 1, 1)).sum(dim=0, keepdim=True)


def pixel_features(images: Tensor) -> Tensor:
    """Raw pixels as feature vectors: ``Tensor[N, C, H, W]`` -> ``Tensor[N, C*H*W]``.

    A 64x64 RGB image becomes 12,288 numbers. Every image must have the same size, and the order
    of the numbers is all a linear model sees: it does not know which pixels are neighbours.
    """
    if images.ndim != 4:
        raise ValueError(f"images must be Tensor[N, C, H, W], got shape {tuple(images.shape)}")
    return images.flatten(start_dim=1)


def color_histogram(image: Tensor, bins: int = 256, normalize: bool = False) -> Tensor:
    """Per-channel histogram of the 8-bit levels of ``image``, channels concatenated.

    Each value is first quantised to the 8-bit level ``round(255 * x)`` (0..255, as a PNG or JPEG
    stores it), then level ``v`` goes to bin ``v * bins // 256``. With ``bins=256`` every level has
    its own bin, so an RGB image gives ``3 * 256 = 768`` numbers, whatever its height and width.

    Args:
        image (Tensor[C, H, W]): float in [0, 1], ``C`` in (1, 3).
        bins (int): bins per channel, 1..256.
        normalize (bool): divide by the number of pixels, so each channel sums to 1 (then images
            of different sizes are comparable).

    Returns:
        Tensor[C * bins]: int64 counts, or float32 fractions when ``normalize``. Channel ``c``
        occupies ``[c * bins, (c + 1) * bins)``.
    """
    image = _check_image(image)
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 256:
        raise ValueError(f"bins must be an integer in [1, 256], got {bins!r}")
    levels = (image.clamp(0, 1) * 255).round().long()  # [C,H,W] in 0..255
    index = levels * bins // 256  # [C,H,W] in 0..bins-1
    channels = image.shape[0]
    # One bincount for all channels: shift channel c's bins by c * bins.
    offsets = torch.arange(channels).view(channels, 1, 1) * bins
    counts = torch.bincount((index + offsets).flatten(), minlength=channels * bins)
    if normalize:
        return counts.float() / (image.shape[1] * image.shape[2])
    return counts


def hog_length(
    height: int,
    width: int,
    orientations: int = 9,
    pixels_per_cell: int = 8,
    cells_per_block: int = 2,
) -> int:
    """The length of :func:`hog_features` for an image of ``height x width`` pixels.

    The image is cut into ``(height // pixels_per_cell) x (width // pixels_per_cell)`` cells (the
    leftover border is dropped); every ``cells_per_block x cells_per_block`` window of cells,
    moved one cell at a time, is a block, and each block contributes its cells' histograms:
    ``blocks_y * blocks_x * cells_per_block**2 * orientations``.
    """
    cells_y, cells_x = height // pixels_per_cell, width // pixels_per_cell
    blocks_y, blocks_x = cells_y - cells_per_block + 1, cells_x - cells_per_block + 1
    if blocks_y < 1 or blocks_x < 1:
        raise ValueError(
            f"a {height}x{width} image has {cells_y}x{cells_x} cells of {pixels_per_cell} pixels: "
            f"too few for one block of {cells_per_block}x{cells_per_block} cells"
        )
    return blocks_y * blocks_x * cells_per_block**2 * orientations


def _hog(image: Tensor, orientations: int, pixels_per_cell: int, cells_per_block: int, **kw):
    from skimage.feature import hog  # imported lazily: skimage is slow to import

    gray = to_gray(_check_image(image))[0].double().numpy()  # [H,W]
    hog_length(*gray.shape, orientations, pixels_per_cell, cells_per_block)  # checks the size
    return hog(
        gray,
        orientations=orientations,
        pixels_per_cell=(pixels_per_cell, pixels_per_cell),
        cells_per_block=(cells_per_block, cells_per_block),
        block_norm="L2-Hys",
        **kw,
    )


def hog_features(
    images: Tensor, orientations: int = 9, pixels_per_cell: int = 8, cells_per_block: int = 2
) -> Tensor:
    """Histogram-of-oriented-gradients descriptors (``skimage.feature.hog``, L2-Hys blocks).

    Colour images are converted to luma (:func:`to_gray`) first. Per cell, every pixel votes for the
    orientation of its gradient (unsigned, 0..180 degrees, ``orientations`` bins) with its
    gradient magnitude; blocks of cells are normalised (L2, clip at 0.2, L2 again), which makes
    the descriptor insensitive to the brightness and contrast of the image.

    Args:
        images (Tensor[N, C, H, W] | Tensor[C, H, W]): float in [0, 1], ``C`` in (1, 3).
        orientations, pixels_per_cell, cells_per_block (int): square cells and blocks.

    Returns:
        Tensor[N, D] (or Tensor[D] for one image), float32, with
        ``D = hog_length(H, W, orientations, pixels_per_cell, cells_per_block)``.
    """
    if images.ndim == 3:
        return hog_features(images[None], orientations, pixels_per_cell, cells_per_block)[0]
    if images.ndim != 4:
        raise ValueError(f"images must be Tensor[N, C, H, W], got shape {tuple(images.shape)}")
    rows = [_hog(image, orientations, pixels_per_cell, cells_per_block) for image in images]
    return torch.from_numpy(np.stack(rows).astype(np.float32)).reshape(len(images), -1)


def hog_image(
    image: Tensor, orientations: int = 9, pixels_per_cell: int = 8, cells_per_block: int = 2
) -> Tensor:
    """A picture of the HOG cells of ``image`` (skimage's ``visualize=True``).

    In each cell, one line per orientation bin, drawn along the edges (perpendicular to the
    gradients of that bin) and as bright as the cell's gradient-magnitude vote for the bin, before
    block normalisation: cells with strong edges are bright, flat cells dark.

    Returns:
        Tensor[H, W] float32, scaled to [0, 1].
    """
    _, picture = _hog(image, orientations, pixels_per_cell, cells_per_block, visualize=True)
    picture = torch.from_numpy(np.asarray(picture, dtype=np.float32))
    peak = picture.max()
    return picture / peak if peak > 0 else picture


def dense_patches(
    image: Tensor, size: int = 8, stride: int = 4, standardize: bool = True
) -> Tensor:
    """Every ``size x size`` patch of ``image`` on a grid with step ``stride``, as a row.

    Args:
        image (Tensor[C, H, W]).
        size, stride (int): patch side and step, in pixels.
        standardize (bool): subtract each patch's mean and divide by its standard deviation
            (plus 0.01, so flat patches stay near zero): the descriptor then describes the
            *pattern* of the patch, not its brightness or contrast.

    Returns:
        Tensor[P, C*size*size] float32, one row per patch, row-major over the grid of
        ``((H - size) // stride + 1) x ((W - size) // stride + 1)`` positions.
    """
    image = _check_image(image).float()
    if size > min(image.shape[1:]):
        raise ValueError(f"patch size {size} exceeds the image size {tuple(image.shape[1:])}")
    patches = F.unfold(image[None], kernel_size=size, stride=stride)[0].T  # [P, C*size*size]
    if standardize:
        mean = patches.mean(dim=1, keepdim=True)
        std = patches.std(dim=1, keepdim=True)
        patches = (patches - mean) / (std + 0.01)
    return patches.contiguous()


class BagOfVisualWords:
    """A codebook of ``words`` local descriptors (k-means centres) and the histogram encoding.

    ``fit`` clusters descriptors pooled from training images; ``encode`` assigns each descriptor
    of one image to its nearest centre and counts: the image becomes a histogram of visual words,
    like a document becomes a histogram of words. Where the descriptors were found is forgotten,
    so the encoding does not change when the image is rearranged or cropped a little.

    Args:
        words (int): the size of the codebook (k).
        seed (int): seed of k-means (initialisation), for reproducible codebooks.

    Attributes:
        codebook (Tensor[words, D]): the centres, after :meth:`fit`.
    """

    def __init__(self, words: int = 32, seed: int = 0) -> None:
        if isinstance(words, bool) or not isinstance(words, int) or words < 1:
            raise ValueError(f"words must be a positive integer, got {words!r}")
        self.words, self.seed = words, seed
        self.codebook: Tensor | None = None

    def fit(self, descriptors: Sequence[Tensor] | Tensor) -> BagOfVisualWords:
        """Learn the codebook from descriptors (``Tensor[P, D]``, or one per image)."""
        from sklearn.cluster import KMeans  # imported lazily: sklearn is slow to import

        pooled = descriptors if isinstance(descriptors, Tensor) else torch.cat(list(descriptors))
        if len(pooled) < self.words:
            raise ValueError(f"{len(pooled)} descriptors cannot make {self.words} words")
        kmeans = KMeans(n_clusters=self.words, n_init=1, random_state=self.seed)
        kmeans.fit(pooled.double().numpy())
        self.codebook = torch.from_numpy(kmeans.cluster_centers_.astype(np.float32))
        return self

    def assign(self, descriptors: Tensor) -> Tensor:
        """The index of the nearest word of each descriptor: ``Tensor[P, D]`` -> ``Tensor[P]``."""
        if self.codebook is None:
            raise RuntimeError("call fit() before assign() or encode()")
        return torch.cdist(descriptors.float(), self.codebook).argmin(dim=1)  # [P, words] -> [P]

    def encode(self, descriptors: Tensor) -> Tensor:
        """The normalised histogram of words: ``Tensor[P, D]`` -> ``Tensor[words]``, sums to 1."""
        counts = torch.bincount(self.assign(descriptors), minlength=self.words)
        return counts.float() / max(len(descriptors), 1)
