"""Two explorers for the convolution chapter.

- :class:`KernelEditor`: a 3x3 kernel you can type or pick from presets, applied live to a photo.
- :class:`WindowExplorer`: stride, padding and dilation sliders that draw where the kernel's taps
  land for one output cell and report the output size.

Both keep their state in plain Python (``.kernel``, ``.output``, ``.output_size``) so tests can
drive them without a browser; ``.widget`` is the ipywidgets view and ``.figure()`` a static
matplotlib figure of the current state for readers of the HTML book.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image
from torch import Tensor

from cvcourse import images
from cvcourse.viz.images import show_kernel
from cvcourse.widgets.display import figure_png

__all__ = ["PRESETS", "KernelEditor", "WindowExplorer", "filter_response_for_display"]

# The kernel zoo of the chapter, as 3x3 cross-correlation weights (what F.conv2d computes).
PRESETS: dict[str, Tensor] = {
    "identity": torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    # The vertical-edge kernel of the ITMO slides: bright-left / dark-right edges give > 0.
    "edge": torch.tensor([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]),
    "laplacian": torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]),
    # Normalised to sum 1 so that blurring keeps the brightness (the slides' version sums to 16).
    "gaussian": torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0,
    "sobel_x": torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "sobel_y": torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "sharpen": torch.tensor([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    # Tinkoff slides: responds to lines along the main diagonal (the pi/4 direction).
    "pi/4 diagonal": torch.tensor([[0.6, 0.2, 0.0], [0.2, 0.0, 0.2], [0.0, 0.2, 0.6]]),
}
_CUSTOM = "custom"


def _png(gray: np.ndarray) -> bytes:
    """[H,W] floats in [0,1] -> PNG bytes (8-bit gray)."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(np.clip(gray, 0.0, 1.0) * 255).astype(np.uint8)).save(buffer, "png")
    return buffer.getvalue()


def filter_response_for_display(response: Tensor, kernel: Tensor) -> Tensor:
    """Map a filter response to [0,1] for viewing.

    Kernels with a clearly positive sum (identity, blurs, sharpen, the pi/4 kernel) keep the
    brightness of the photo once divided by that sum, so their response is scaled by 1/sum and
    clipped to [0,1]. Kernels that sum to about 0 (edges, Laplacian) respond with signed values
    around 0, so 0 becomes mid-gray and the 99th percentile of the magnitudes black or white
    (the percentile rather than the maximum, so that a few strong edges do not wash out the rest).

    Args:
        response (Tensor[1, H, W]): the filtered image.
        kernel (Tensor[kH, kW]): the kernel that produced it.

    Returns:
        Tensor[1, H, W]: values in [0, 1].
    """
    total = float(kernel.sum())
    if total > 0.5:
        return (response / total).clamp(0.0, 1.0)
    magnitude = response.abs().flatten()
    limit = float(torch.quantile(magnitude, 0.99)) or float(magnitude.max())
    if limit == 0.0:
        return torch.full_like(response, 0.5)
    return (0.5 + 0.5 * response / limit).clamp(0.0, 1.0)


class KernelEditor:
    """A 3x3 kernel editor applied live to a gray photo.

    Args:
        image (str or Tensor[C, H, W]): a name from :func:`cvcourse.images.names` or an image;
            colour images are converted to gray.
        size (int): shorter side of the photo in pixels when ``image`` is a name.
        preset (str): the starting kernel, a key of :data:`PRESETS`.

    Attributes:
        image (Tensor[1, H, W]): the gray input photo.
        output (Tensor[1, H, W]): the kernel applied to ``image`` (cross-correlation, borders
            replicated so the output has the input's size); updated on every change.
        widget (ipywidgets.VBox): preset dropdown, 3x3 grid of number boxes, input and output.
    """

    def __init__(self, image: str | Tensor = "camera", size: int = 256, preset: str = "edge"):
        if isinstance(image, str):
            image = images.load(image, size=size, gray=True)
        if image.ndim != 3 or image.shape[0] not in (1, 3):
            raise ValueError(f"image must be [1,H,W] or [3,H,W], got {tuple(image.shape)}")
        if image.shape[0] == 3:  # BT.601 luma, as cvcourse.images does
            image = (image * torch.tensor([0.2989, 0.587, 0.114]).view(3, 1, 1)).sum(0, True)
        self.image: Tensor = image.float()
        self.output: Tensor = self.image.clone()
        self._updating = False

        # Row-major: inputs[3 * row + col] holds kernel[row, col].
        self.inputs: list[widgets.FloatText] = [
            widgets.FloatText(value=0.0, step=0.1, layout=widgets.Layout(width="70px"))
            for _ in range(9)
        ]
        self.preset_dropdown = widgets.Dropdown(
            options=[*PRESETS, _CUSTOM], value=_CUSTOM, description="preset"
        )
        self.input_view = widgets.Image(format="png", value=_png(self.image[0].numpy()))
        self.output_view = widgets.Image(format="png")
        self.input_view.layout.width = self.output_view.layout.width = "256px"

        for box in self.inputs:
            box.observe(self._on_cell_change, names="value")
        self.preset_dropdown.observe(self._on_preset_change, names="value")

        grid = widgets.GridBox(
            self.inputs, layout=widgets.Layout(grid_template_columns="repeat(3, 76px)")
        )
        captions = widgets.HBox(
            [
                widgets.VBox([widgets.Label("input"), self.input_view]),
                widgets.VBox([widgets.Label("output"), self.output_view]),
            ]
        )
        self.widget = widgets.VBox(
            [widgets.HBox([self.preset_dropdown, grid]), captions],
        )
        self.set_preset(preset)

    @property
    def kernel(self) -> Tensor:
        """Tensor[3, 3]: the kernel currently in the boxes."""
        return torch.tensor([box.value for box in self.inputs], dtype=torch.float32).view(3, 3)

    def set_kernel(self, kernel: Tensor | Sequence[Sequence[float]]) -> None:
        """Put ``kernel`` (Tensor[3, 3] or nested lists) in the boxes and recompute ``output``."""
        values = torch.as_tensor(kernel, dtype=torch.float32)
        if values.shape != (3, 3):
            raise ValueError(f"kernel must be 3x3, got shape {tuple(values.shape)}")
        if not torch.isfinite(values).all():
            raise ValueError("kernel must contain finite numbers only")
        self._updating = True
        try:
            for box, value in zip(self.inputs, values.flatten().tolist(), strict=True):
                box.value = value
            self.preset_dropdown.value = self._matching_preset(values)
        finally:
            self._updating = False
        self._apply()

    def set_preset(self, name: str) -> None:
        """Load the preset ``name`` (a key of :data:`PRESETS`) and recompute ``output``."""
        if name not in PRESETS:
            raise KeyError(f"unknown preset {name!r}; valid presets are: {', '.join(PRESETS)}")
        self.set_kernel(PRESETS[name])

    def figure(self) -> Figure:
        """A static figure of the current state: input photo, kernel, output."""
        fig = Figure(figsize=(9.6, 3.4), layout="constrained")
        ax_in, ax_kernel, ax_out = fig.subplots(1, 3, width_ratios=[1, 0.6, 1])
        ax_in.imshow(self.image[0].numpy(), cmap="gray", vmin=0, vmax=1)
        ax_in.set_title("input", fontsize=10)
        title = self.preset_dropdown.value
        show_kernel(self.kernel, title=f"kernel ({title})", fmt="{:.3g}", ax=ax_kernel)
        shown = filter_response_for_display(self.output, self.kernel)
        ax_out.imshow(shown[0].numpy(), cmap="gray", vmin=0, vmax=1)
        ax_out.set_title("output", fontsize=10)
        for ax in (ax_in, ax_out):
            ax.set_xticks([])
            ax.set_yticks([])
        return fig

    def _matching_preset(self, values: Tensor) -> str:
        for name, preset in PRESETS.items():
            if torch.allclose(values, preset, atol=1e-6):
                return name
        return _CUSTOM

    def _on_cell_change(self, change: dict) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self.preset_dropdown.value = self._matching_preset(self.kernel)
        finally:
            self._updating = False
        self._apply()

    def _on_preset_change(self, change: dict) -> None:
        if self._updating or change["new"] == _CUSTOM:
            return
        self.set_preset(change["new"])

    def _apply(self) -> None:
        # Replicate the border instead of zero-padding: zeros would draw a false edge around
        # the photo with every edge kernel.
        padded = F.pad(self.image.unsqueeze(0), (1, 1, 1, 1), mode="replicate")
        self.output = F.conv2d(padded, self.kernel.view(1, 1, 3, 3)).squeeze(0)
        shown = filter_response_for_display(self.output, self.kernel)
        self.output_view.value = _png(shown[0].numpy())


class WindowExplorer:
    """Sliders for input size, kernel size, stride, padding and dilation of a square 2-D conv.

    The figure shows the zero-padded input, the taps the kernel reads for the chosen output
    cell, and the output grid; the label states the output size with the numbers plugged into
    ``floor((W + 2P - D(K - 1) - 1) / S) + 1``.

    Args:
        size (int): input width W (= height).
        kernel (int): kernel width K.
        stride (int): S.
        padding (int): P, zeros on each side.
        dilation (int): D, the gap between taps (1 = adjacent).

    Attributes:
        sliders (dict[str, ipywidgets.IntSlider]): ``size``, ``kernel``, ``stride``, ``padding``,
            ``dilation``, ``row``, ``col`` (the output cell whose window is drawn).
        label (ipywidgets.HTML): the output-size formula with numbers.
        widget (ipywidgets.VBox): sliders, label and the drawing.
    """

    _LIMITS = {
        "size": (1, 12),
        "kernel": (1, 7),
        "stride": (1, 4),
        "padding": (0, 3),
        "dilation": (1, 3),
    }

    def __init__(
        self, size: int = 7, kernel: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1
    ):
        self.sliders: dict[str, widgets.IntSlider] = {
            name: widgets.IntSlider(value=low, min=low, max=high, description=name)
            for name, (low, high) in self._LIMITS.items()
        }
        self.sliders["row"] = widgets.IntSlider(value=0, min=0, max=0, description="out row")
        self.sliders["col"] = widgets.IntSlider(value=0, min=0, max=0, description="out col")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self._updating = False
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.sliders[n] for n in ("size", "kernel", "stride")]),
                        widgets.VBox([self.sliders[n] for n in ("padding", "dilation")]),
                        widgets.VBox([self.sliders["row"], self.sliders["col"]]),
                    ]
                ),
                self.label,
                self.view,
            ]
        )
        self.set(size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)

    def set(self, **values: int) -> None:
        """Set any of ``size, kernel, stride, padding, dilation, row, col`` and redraw once."""
        unknown = set(values) - set(self.sliders)
        if unknown:
            raise KeyError(f"unknown settings {sorted(unknown)}; valid: {', '.join(self.sliders)}")
        for name, value in values.items():
            if name in self._LIMITS:
                low, high = self._LIMITS[name]
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int)
                    or not low <= value <= high
                ):
                    raise ValueError(f"{name} must be an int in [{low}, {high}], got {value!r}")
        self._updating = True
        try:
            for name in self._LIMITS:
                if name in values:
                    self.sliders[name].value = values[name]
            self._fit_output_sliders()
            for name in ("row", "col"):
                if name in values:
                    last = self.sliders[name].max
                    value = values[name]
                    if isinstance(value, bool) or not isinstance(value, int):
                        raise ValueError(f"{name} must be an int, got {value!r}")
                    if not 0 <= value <= last or self.output_size == 0:
                        raise ValueError(
                            f"{name} must be in [0, {last}] for a {self.output_size}x"
                            f"{self.output_size} output, got {value}"
                        )
                    self.sliders[name].value = value
        finally:
            self._updating = False
            self._redraw()  # also after a bad row/col, so the view matches the sliders

    @property
    def settings(self) -> dict[str, int]:
        """The current slider values by name."""
        return {name: slider.value for name, slider in self.sliders.items()}

    def window_starts(self) -> list[int]:
        """Offsets in the padded input where the kernel's first tap lands, one per output index.

        The last tap of a window sits ``D(K-1)`` further on and must stay inside the padded
        input of width ``W + 2P``; windows start every ``S`` cells.
        """
        s = self.settings
        span = s["dilation"] * (s["kernel"] - 1)
        return list(range(0, s["size"] + 2 * s["padding"] - span, s["stride"]))

    @property
    def output_size(self) -> int:
        """Output width (= height); 0 when the dilated kernel is wider than the padded input."""
        return len(self.window_starts())

    def taps(self, row: int, col: int) -> list[tuple[int, int]]:
        """Padded-input cells (row, col) that output cell (``row``, ``col``) reads, K*K of them."""
        n = self.output_size
        if not (0 <= row < n and 0 <= col < n):
            raise ValueError(f"output cell ({row}, {col}) is outside the {n}x{n} output")
        s = self.settings
        starts = self.window_starts()
        offsets = [s["dilation"] * i for i in range(s["kernel"])]
        return [(starts[row] + dy, starts[col] + dx) for dy in offsets for dx in offsets]

    def formula(self) -> str:
        """The output-size formula with the current numbers, as plain text."""
        s = self.settings
        w, k, st, p, d = s["size"], s["kernel"], s["stride"], s["padding"], s["dilation"]
        numerator = w + 2 * p - d * (k - 1) - 1
        text = f"⌊({w} + 2·{p} − {d}·({k}−1) − 1) / {st}⌋ + 1"
        if numerator < 0:
            return (
                f"{text}: no window fits, the dilated kernel spans {d * (k - 1) + 1} cells "
                f"but the padded input has {w + 2 * p}; output size = 0"
            )
        return f"{text} = ⌊{numerator}/{st}⌋ + 1 = {self.output_size}"

    def figure(self) -> Figure:
        """A static figure: the padded input with the chosen window, and the output grid."""
        s = self.settings
        w, p = s["size"], s["padding"]
        padded = w + 2 * p
        n = self.output_size
        fig = Figure(figsize=(8.4, 4.6), layout="constrained")
        ax_in, ax_out = fig.subplots(1, 2, width_ratios=[max(padded, 1), max(n, 1) + 0.5])
        for r in range(padded):
            for c in range(padded):
                is_pad = not (p <= r < p + w and p <= c < p + w)
                face = "#e6e6e6" if is_pad else "white"
                ax_in.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#999999"))
                if is_pad:
                    ax_in.text(c + 0.5, r + 0.5, "0", ha="center", va="center", fontsize=7)
        if n > 0:
            row, col = s["row"], s["col"]
            cells = self.taps(row, col)
            for r, c in cells:
                ax_in.add_patch(Rectangle((c, r), 1, 1, facecolor="tab:orange", alpha=0.75))
            top, left = cells[0]
            bottom, right = cells[-1]
            ax_in.add_patch(
                Rectangle(
                    (left, top),
                    right - left + 1,
                    bottom - top + 1,
                    fill=False,
                    edgecolor="tab:red",
                    linewidth=2,
                )
            )
            for r in range(n):
                for c in range(n):
                    chosen = (r, c) == (row, col)
                    face = "tab:orange" if chosen else "white"
                    ax_out.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#555555"))
        else:
            ax_out.text(0.5, 0.5, "no output", ha="center", va="center", fontsize=12)
        ax_in.set_title(
            f"padded input {padded}x{padded} (W={w}, P={p}); K={s['kernel']}, "
            f"S={s['stride']}, D={s['dilation']}",
            fontsize=9,
        )
        ax_out.set_title(f"output {n}x{n}", fontsize=9)
        for ax, extent in ((ax_in, padded), (ax_out, n)):
            ax.set_xlim(0, max(extent, 1))
            ax.set_ylim(max(extent, 1), 0)  # row 0 at the top, like an image
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle("output size = " + self.formula(), fontsize=9)
        return fig

    def _fit_output_sliders(self) -> None:
        last = max(self.output_size - 1, 0)
        for name in ("row", "col"):
            slider = self.sliders[name]
            slider.value = min(slider.value, last)
            slider.max = last

    def _on_change(self, change: dict) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self._fit_output_sliders()
        finally:
            self._updating = False
        self._redraw()

    def _redraw(self) -> None:
        self.label.value = f"<b>output size</b> = {self.formula()}"
        self.view.value = figure_png(self.figure())
