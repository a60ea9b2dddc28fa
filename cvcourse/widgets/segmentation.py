"""Three explorers for the segmentation chapter.

- :class:`TransposedConvStamp`: kernel and stride sliders; a transposed convolution stamps the
  kernel, scaled by each input pixel, into the output, and the heatmap counts how many stamps
  overlap at each output pixel (uneven counts away from the border are the checkerboard; near the
  border fewer stamps reach in any case).
- :class:`ThresholdExplorer`: a threshold slider over a predicted probability map, with the Dice
  and IoU of the thresholded mask against the truth.
- :class:`PredictionBrowser`: a slider over test scenes showing image, truth, prediction and errors.

Each keeps its state in plain Python (tests drive ``set``/``select``); ``.widget`` is the
ipywidgets view and ``.figure()`` draws the current state for readers of the static HTML book.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from cvcourse.seg_metrics import binary_dice_iou, confusion_matrix, mean_iou, pixel_accuracy
from cvcourse.viz.detection import colorize_semantic
from cvcourse.widgets.display import figure_png

__all__ = ["PredictionBrowser", "ThresholdExplorer", "TransposedConvStamp", "overlap_counts"]


def overlap_counts(in_size: int, kernel: int, stride: int) -> Tensor:
    """How many kernel stamps cover each output pixel of a transposed convolution (no padding).

    It is the transposed convolution of an all-ones ``in_size x in_size`` input with an all-ones
    ``kernel x kernel`` kernel.

    Returns:
        LongTensor[O, O] with ``O = (in_size - 1) * stride + kernel``.
    """
    ones = torch.ones(1, 1, in_size, in_size, dtype=torch.float64)
    kernel_ones = torch.ones(1, 1, kernel, kernel, dtype=torch.float64)
    return F.conv_transpose2d(ones, kernel_ones, stride=stride)[0, 0].round().long()


class TransposedConvStamp:
    """Watch a transposed convolution stamp its kernel, one input pixel at a time.

    The input is ``in_size x in_size`` with values 1, 2, 3, ... (row-major) and the kernel is
    all ones, so the stamp of input pixel ``(r, c)`` adds its value to the ``kernel x kernel``
    block at ``(r * stride, c * stride)`` of the output.

    Args:
        in_size (int): input width (= height), 1..4.
        kernel (int): kernel width, 1..5.
        stride (int): 1..4.

    Attributes:
        sliders (dict[str, ipywidgets.IntSlider]): ``kernel``, ``stride``, ``step`` (stamps done).
        label (ipywidgets.HTML): output size and the overlap counts that occur.
        widget (ipywidgets.VBox): sliders, label and the drawing.
    """

    _LIMITS = {"kernel": (1, 5), "stride": (1, 4)}

    def __init__(self, in_size: int = 3, kernel: int = 3, stride: int = 2) -> None:
        if isinstance(in_size, bool) or not isinstance(in_size, int) or not 1 <= in_size <= 4:
            raise ValueError(f"in_size must be an int in [1, 4], got {in_size!r}")
        self.in_size = in_size
        self.input = torch.arange(1, in_size * in_size + 1, dtype=torch.float64).view(
            in_size, in_size
        )
        self.sliders = {
            name: widgets.IntSlider(value=low, min=low, max=high, description=name)
            for name, (low, high) in self._LIMITS.items()
        }
        last = in_size * in_size
        self.sliders["step"] = widgets.IntSlider(value=last, min=0, max=last, description="stamps")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self._updating = False
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.sliders.values())), self.label, self.view]
        )
        self.set(kernel=kernel, stride=stride)

    def set(self, **values: int) -> None:
        """Set any of ``kernel``, ``stride``, ``step`` and redraw once."""
        unknown = set(values) - set(self.sliders)
        if unknown:
            raise KeyError(f"unknown settings {sorted(unknown)}; valid: {', '.join(self.sliders)}")
        for name, value in values.items():
            slider = self.sliders[name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an int, got {value!r}")
            if not slider.min <= value <= slider.max:
                raise ValueError(f"{name} must be in [{slider.min}, {slider.max}], got {value}")
        self._updating = True
        try:
            for name, value in values.items():
                self.sliders[name].value = value
        finally:
            self._updating = False
        self._redraw()

    def _on_change(self, change: dict) -> None:
        if not self._updating:
            self._redraw()

    @property
    def kernel(self) -> int:
        return int(self.sliders["kernel"].value)

    @property
    def stride(self) -> int:
        return int(self.sliders["stride"].value)

    @property
    def step(self) -> int:
        return int(self.sliders["step"].value)

    @property
    def output_size(self) -> int:
        """``(in_size - 1) * stride + kernel`` (no padding)."""
        return (self.in_size - 1) * self.stride + self.kernel

    def overlap(self) -> Tensor:
        """LongTensor[O, O]: stamps covering each output pixel (see :func:`overlap_counts`)."""
        return overlap_counts(self.in_size, self.kernel, self.stride)

    def interior_counts(self) -> list[int]:
        """The stamp counts that occur away from the border, where every pixel is reached by all
        the stamps that could reach it: one value exactly when ``kernel % stride == 0``, and 0
        (gaps) when ``kernel < stride``. Judged on an input large enough to have an interior."""
        k, s = self.kernel, self.stride
        c = overlap_counts(2 * k + 2, k, s)
        n = c.shape[0]
        return sorted(set(c[k - 1 : n - (k - 1), k - 1 : n - (k - 1)].flatten().tolist()))

    def partial_output(self, step: int | None = None) -> Tensor:
        """The output after the first ``step`` stamps (row-major), float64 ``[O, O]``."""
        step = self.step if step is None else step
        k, s, n = self.kernel, self.stride, self.output_size
        out = torch.zeros(n, n, dtype=torch.float64)
        for index in range(step):
            r, c = divmod(index, self.in_size)
            out[r * s : r * s + k, c * s : c * s + k] += self.input[r, c]
        return out

    def summary(self) -> str:
        inside = self.interior_counts()
        border = sorted(set(self.overlap().flatten().tolist()) - set(inside))
        if len(inside) == 1:
            verdict = "even coverage"
        elif 0 in inside:
            verdict = "gaps: some pixels get no stamp"
        else:
            verdict = "uneven coverage: a checkerboard"
        at_border = f"; border only: {border}" if border else ""
        return (
            f"output {self.output_size}x{self.output_size} = ({self.in_size} − 1)·{self.stride} + "
            f"{self.kernel}; stamps per pixel inside: {inside} ({verdict}){at_border}"
        )

    def figure(self) -> Figure:
        """Input (current pixel marked), the partial output with the last stamp, the overlap map."""
        fig = Figure(figsize=(10.5, 3.8), layout="constrained")
        ax_in, ax_out, ax_map = fig.subplots(1, 3, width_ratios=[1, 1.6, 1.6])
        n = self.output_size
        ax_in.imshow(self.input.numpy(), cmap="Blues", vmin=0, vmax=self.input.max().item() * 1.4)
        for (r, c), v in np.ndenumerate(self.input.numpy()):
            ax_in.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=9)
        partial = self.partial_output()
        ax_out.imshow(
            partial.numpy(), cmap="Blues", vmin=0, vmax=max(partial.max().item(), 1) * 1.2
        )
        if self.step > 0:
            r, c = divmod(self.step - 1, self.in_size)
            ax_in.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="tab:red", lw=2))
            s, k = self.stride, self.kernel
            ax_out.add_patch(
                Rectangle((c * s - 0.5, r * s - 0.5), k, k, fill=False, ec="tab:red", lw=2)
            )
        counts = self.overlap().numpy()
        ax_map.imshow(counts, cmap="magma", vmin=0, vmax=max(counts.max(), 1))
        for (r, c), v in np.ndenumerate(counts):
            ax_map.text(c, r, str(v), ha="center", va="center", fontsize=8, color="tab:green")
        ax_in.set_title(f"input {self.in_size}x{self.in_size}", fontsize=9)
        ax_out.set_title(f"output after {self.step} stamps ({n}x{n})", fontsize=9)
        ax_map.set_title(f"overlap counts, k={self.kernel}, s={self.stride}", fontsize=9)
        for ax in (ax_in, ax_out, ax_map):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(self.summary(), fontsize=9)
        return fig

    def _redraw(self) -> None:
        self.label.value = self.summary()
        self.view.value = figure_png(self.figure())


class ThresholdExplorer:
    """Threshold a predicted probability map and score the mask against the truth.

    Args:
        prob (Tensor[H, W]): predicted probability of the class, in [0, 1].
        target (BoolTensor[H, W]): the true mask.
        threshold (float): initial threshold; a pixel is predicted when ``prob >= threshold``.

    Attributes:
        slider (ipywidgets.FloatSlider); label (ipywidgets.HTML); widget (ipywidgets.VBox).
    """

    def __init__(self, prob: Tensor, target: Tensor, threshold: float = 0.5) -> None:
        if prob.dim() != 2 or prob.shape != target.shape:
            raise ValueError(
                f"prob and target must be [H, W] of one shape, got {tuple(prob.shape)} "
                f"and {tuple(target.shape)}"
            )
        self.prob, self.target = prob.detach().double(), target.bool()
        self.slider = widgets.FloatSlider(
            value=threshold, min=0.0, max=1.0, step=0.01, description="threshold"
        )
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.slider.observe(lambda change: self._redraw(), names="value")
        self.widget = widgets.VBox([self.slider, self.label, self.view])
        self.set(threshold)

    def set(self, threshold: float) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        if self.slider.value != threshold:
            self.slider.value = threshold  # redraws through the observer
        else:
            self._redraw()

    @property
    def threshold(self) -> float:
        return float(self.slider.value)

    @property
    def mask(self) -> Tensor:
        """BoolTensor[H, W]: ``prob >= threshold``."""
        return self.prob >= self.threshold

    def scores(self, threshold: float | None = None) -> tuple[float, float]:
        """(Dice, IoU) of the mask at ``threshold`` (default: the current one)."""
        t = self.threshold if threshold is None else threshold
        return binary_dice_iou(self.prob >= t, self.target)

    def summary(self) -> str:
        dice, iou = self.scores()
        return f"threshold {self.threshold:.2f}: Dice {dice:.3f}, IoU {iou:.3f}"

    def figure(self) -> Figure:
        """Probability map; errors of the mask (green TP, red FP, blue FN); Dice/IoU curves."""
        fig = Figure(figsize=(10.5, 3.4), layout="constrained")
        ax_p, ax_m, ax_c = fig.subplots(1, 3, width_ratios=[1, 1, 1.5])
        ax_p.imshow(self.prob.numpy(), cmap="viridis", vmin=0, vmax=1)
        ax_p.set_title("predicted probability", fontsize=9)
        mask, target = self.mask, self.target
        rgb = torch.zeros(*mask.shape, 3)
        rgb[mask & target] = torch.tensor([0.2, 0.75, 0.3])
        rgb[mask & ~target] = torch.tensor([0.9, 0.2, 0.2])
        rgb[~mask & target] = torch.tensor([0.2, 0.4, 1.0])
        ax_m.imshow(rgb.numpy())
        ax_m.set_title("green TP, red FP, blue FN", fontsize=9)
        ts = np.linspace(0.0, 1.0, 51)
        curves = np.array([self.scores(float(t)) for t in ts])
        ax_c.plot(ts, curves[:, 0], label="Dice")
        ax_c.plot(ts, curves[:, 1], label="IoU")
        ax_c.axvline(self.threshold, color="gray", ls="--")
        ax_c.set_xlabel("threshold")
        ax_c.set_ylim(0, 1.02)
        ax_c.legend(fontsize=8)
        for ax in (ax_p, ax_m):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(self.summary(), fontsize=9)
        return fig

    def _redraw(self) -> None:
        self.label.value = self.summary()
        self.view.value = figure_png(self.figure())


class PredictionBrowser:
    """Step through test scenes: image, true mask, predicted mask and the wrong pixels.

    Args:
        images (Tensor[N, 3, H, W]); masks (LongTensor[N, H, W]); preds (LongTensor[N, H, W]).
        class_names (Sequence[str]): K names, index 0 the background.

    Attributes:
        slider (ipywidgets.IntSlider): the scene shown; label; widget.
    """

    def __init__(
        self, images: Tensor, masks: Tensor, preds: Tensor, class_names: Sequence[str]
    ) -> None:
        if not (len(images) == len(masks) == len(preds)) or len(images) == 0:
            raise ValueError("images, masks and preds must have the same, non-zero length")
        if masks.shape != preds.shape:
            raise ValueError(f"masks {tuple(masks.shape)} and preds {tuple(preds.shape)} differ")
        self.images, self.masks, self.preds = images, masks.long(), preds.long()
        self.class_names = list(class_names)
        self.slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="scene")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.slider.observe(lambda change: self._redraw(), names="value")
        self.widget = widgets.VBox([self.slider, self.label, self.view])
        self._redraw()

    def select(self, index: int) -> None:
        if not 0 <= index < len(self.images):
            raise IndexError(f"index must be in [0, {len(self.images)}), got {index}")
        if self.slider.value != index:
            self.slider.value = index
        else:
            self._redraw()

    @property
    def index(self) -> int:
        return int(self.slider.value)

    def scores(self, index: int | None = None) -> tuple[float, float]:
        """(pixel accuracy, mIoU over the classes present) of one scene."""
        i = self.index if index is None else index
        cm = confusion_matrix(self.preds[i], self.masks[i], len(self.class_names))
        return pixel_accuracy(cm), mean_iou(cm)

    def summary(self) -> str:
        accuracy, miou = self.scores()
        return f"scene {self.index}: pixel accuracy {accuracy:.3f}, mIoU {miou:.3f}"

    def figure(self) -> Figure:
        i, k = self.index, len(self.class_names)
        fig = Figure(figsize=(10.5, 3.0), layout="constrained")
        axes = fig.subplots(1, 4)
        wrong = (self.preds[i] != self.masks[i]).float()
        panels = [
            (self.images[i].permute(1, 2, 0), "image"),
            (colorize_semantic(self.masks[i], k).permute(1, 2, 0), "true mask"),
            (colorize_semantic(self.preds[i], k).permute(1, 2, 0), "prediction"),
            (wrong, f"wrong pixels: {int(wrong.sum())}"),
        ]
        for ax, (picture, title) in zip(axes, panels, strict=True):
            ax.imshow(picture.numpy(), cmap="gray_r" if picture.dim() == 2 else None)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(self.summary(), fontsize=9)
        return fig

    def _redraw(self) -> None:
        self.label.value = self.summary()
        self.view.value = figure_png(self.figure())
