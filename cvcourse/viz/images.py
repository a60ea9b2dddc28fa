"""Plots of images, kernels and feature maps, returned as matplotlib Figures.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``: nothing is registered
with pyplot, so a notebook cell that returns one shows it exactly once and tests leak no windows.

Conventions shared with :mod:`cvcourse.viz.detection`: every ``show_*`` function returns the
``Figure`` it drew on (the one holding ``ax`` when an ``ax`` is passed), and public names use
American spelling (``center_zero``, ``colors``), as matplotlib, torch and torchvision do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

__all__ = ["show_images", "show_kernel", "show_matrix", "show_feature_maps"]

ImageLike = Tensor | np.ndarray


def _as_hwc(image: ImageLike) -> np.ndarray:
    """[C,H,W] or [H,W] tensor/array -> [H,W] (one channel) or [H,W,3] float array."""
    array = image.detach().cpu().float().numpy() if isinstance(image, Tensor) else np.asarray(image)
    if array.ndim == 2:
        return array.astype(np.float32)
    if array.ndim == 3 and array.shape[0] == 1:
        return array[0].astype(np.float32)
    if array.ndim == 3 and array.shape[0] == 3:
        return np.transpose(array, (1, 2, 0)).astype(np.float32)
    raise ValueError(f"images must be [H,W], [1,H,W] or [3,H,W], got shape {tuple(array.shape)}")


def _as_list(images: Sequence[ImageLike] | Tensor) -> list[ImageLike]:
    if isinstance(images, Tensor):
        if images.ndim == 4:  # a batch [N,C,H,W]
            return list(images)
        if images.ndim in (2, 3):  # a single image
            return [images]
        raise ValueError(f"images tensor must be [N,C,H,W], [C,H,W] or [H,W], got {images.ndim}-d")
    return list(images)


def _grid(n: int, ncols: int, panel_size: float) -> tuple[Figure, list[Axes]]:
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(panel_size * ncols, panel_size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:  # the unused tail of the last row
        ax.remove()
    return fig, axes[:n]


def show_images(
    images: Sequence[ImageLike] | Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    panel_size: float = 2.5,
    cmap: str = "gray",
    vrange: tuple[float, float] | None = (0.0, 1.0),
    suptitle: str | None = None,
) -> Figure:
    """Show images side by side in a grid.

    Args:
        images (Sequence[Tensor[C, H, W]] or Tensor[N, C, H, W]): ``C`` is 1 or 3; ``[H, W]`` also
            works. RGB images are clipped to [0, 1].
        titles (Sequence[str], optional): one title per image.
        ncols (int): images per row.
        panel_size (float): inches per panel.
        cmap (str): colormap of one-channel images.
        vrange (tuple[float, float], optional): colour range of one-channel images; ``None``
            stretches each image to its own min and max (useful for filter responses).
        suptitle (str, optional): a title over the whole grid.

    Returns:
        Figure: one axes per image, in order, without ticks.
    """
    items = _as_list(images)
    if not items:
        raise ValueError("images is empty: nothing to show")
    if titles is not None and len(titles) != len(items):
        raise ValueError(f"titles has {len(titles)} entries for {len(items)} images")
    fig, axes = _grid(len(items), ncols, panel_size)
    for i, (ax, image) in enumerate(zip(axes, items, strict=True)):
        array = _as_hwc(image)
        if array.ndim == 3:
            ax.imshow(np.clip(array, 0.0, 1.0))
        else:
            vmin, vmax = vrange if vrange is not None else (None, None)
            ax.imshow(array, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def show_matrix(
    values: Tensor | np.ndarray | Sequence[Sequence[float]],
    title: str | None = None,
    fmt: str = "{:g}",
    cmap: str = "Greys",
    center_zero: bool = False,
    ax: Axes | None = None,
    cell_size: float = 0.55,
    *,
    centre_zero: bool | None = None,
) -> Figure:
    """Draw a small 2-D array as coloured cells with each value written in its cell.

    Args:
        values (Tensor[H, W]): the numbers; NaN cells are drawn blank and annotated ``?``.
        title (str, optional): axes title.
        fmt (str): format of each annotation.
        cmap (str): colormap.
        center_zero (bool): symmetric color range around 0 (use a diverging ``cmap``).
        ax (Axes, optional): draw into this axes instead of a new figure.
        cell_size (float): inches per cell when a new figure is made.
        centre_zero (bool, optional): the old British spelling of ``center_zero``, still accepted
            so that older notebooks run; new code should use ``center_zero``.

    Returns:
        Figure: the figure holding the axes.
    """
    if centre_zero is not None:
        center_zero = centre_zero
    array = np.asarray(
        values.detach().cpu().double().numpy() if isinstance(values, Tensor) else values,
        dtype=np.float64,
    )
    if array.ndim != 2:
        raise ValueError(f"values must be 2-D [H,W], got shape {array.shape}")
    if ax is None:
        height, width = array.shape
        fig = Figure(
            figsize=(max(1.5, cell_size * width + 0.4), max(1.5, cell_size * height + 0.6)),
            layout="constrained",
        )
        ax = fig.subplots()
    finite = array[np.isfinite(array)]
    if center_zero:
        limit = float(np.abs(finite).max()) if finite.size else 1.0
        limit = limit if limit > 0 else 1.0
        vmin, vmax = -limit, limit
    else:
        vmin = float(finite.min()) if finite.size else 0.0
        vmax = float(finite.max()) if finite.size else 1.0
        vmax = vmax if vmax > vmin else vmin + 1.0
    ax.imshow(np.ma.masked_invalid(array), cmap=cmap, vmin=vmin, vmax=vmax)
    for (row, col), value in np.ndenumerate(array):
        if not np.isfinite(value):
            ax.text(col, row, "?", ha="center", va="center", fontsize=10, color="tab:red")
            continue
        # Dark text on light cells and the reverse, so every value stays readable.
        shade = (value - vmin) / (vmax - vmin)
        light_cell = 0.25 < shade < 0.75 if center_zero else shade < 0.5
        color = "black" if light_cell else "white"
        # + 0.0 turns -0.0 into 0.0, so that negated zero weights are not printed as "-0".
        text = fmt.format(value + 0.0)
        ax.text(col, row, text, ha="center", va="center", fontsize=9, color=color)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=10)
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    return figure


def show_kernel(
    kernel: Tensor | np.ndarray | Sequence[Sequence[float]],
    title: str | None = None,
    fmt: str = "{:.3g}",
    ax: Axes | None = None,
) -> Figure:
    """Draw a convolution kernel: values annotated, diverging colormap centred at 0.

    Args:
        kernel (Tensor[kH, kW] or Tensor[1, kH, kW]): the weights.
        title (str, optional): axes title.
        fmt (str): format of each annotation.
        ax (Axes, optional): draw into this axes instead of a new figure.

    Returns:
        Figure: the figure holding the axes; positive weights are red, negative blue.
    """
    array = kernel.detach().cpu() if isinstance(kernel, Tensor) else torch.as_tensor(kernel)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ValueError(f"kernel must be [kH,kW] or [1,kH,kW], got shape {tuple(array.shape)}")
    return show_matrix(array, title=title, fmt=fmt, cmap="RdBu_r", center_zero=True, ax=ax)


def show_feature_maps(
    maps: Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    panel_size: float = 1.6,
    cmap: str = "RdBu_r",
    suptitle: str | None = None,
    quantile: float = 1.0,
) -> Figure:
    """Show the channels of a feature map, each with its own colour range centred at 0.

    Args:
        maps (Tensor[C, H, W]): e.g. one image's conv-layer output; ``[1, C, H, W]`` also works.
        titles (Sequence[str], optional): one per channel; default ``"ch 0"``, ``"ch 1"``, ...
        ncols (int): maps per row.
        panel_size (float): inches per panel.
        cmap (str): a diverging colormap, so that positive and negative responses differ.
        suptitle (str, optional): a title over the whole grid.
        quantile (float): each map's colour range is ``±`` this quantile of its absolute values;
            below 1 (e.g. 0.99) a few extreme responses no longer wash out the rest.

    Returns:
        Figure: one axes per channel.
    """
    if not 0.0 < quantile <= 1.0:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(f"maps must be [C,H,W] (or [1,C,H,W]), got shape {tuple(maps.shape)}")
    channels = maps.shape[0]
    if titles is None:
        titles = [f"ch {c}" for c in range(channels)]
    if len(titles) != channels:
        raise ValueError(f"titles has {len(titles)} entries for {channels} channels")
    fig, axes = _grid(channels, ncols, panel_size)
    data = maps.detach().cpu().float().numpy()
    for ax, channel, title in zip(axes, data, titles, strict=True):
        limit = float(np.quantile(np.abs(channel), quantile)) or 1.0
        ax.imshow(channel, cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=9)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig
