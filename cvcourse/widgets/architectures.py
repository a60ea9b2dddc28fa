"""Two explorers for the architecture chapter.

- :class:`ConvCostCalculator`: parameters and multiply-accumulates (MACs) of one convolution layer
  (channels, kernel, groups, stride, input size), or of its depthwise-separable replacement, next
  to the plain layer of the same shape.
- :class:`GradientNormViewer`: the gradient norm of every layer of a plain and of a residual stack
  (:class:`cvcourse.models.deep_stacks.DeepStack`) at initialisation, for several depths.

Both keep their state in plain Python (``.costs``, ``.norms``) so tests can drive them without a
browser; ``.widget`` is the ipywidgets view and ``.figure()`` a static matplotlib figure of the
current state for readers of the HTML book. Every count comes from :func:`cvcourse.summary.summary`
run on real ``nn.Conv2d`` layers (on the meta device, so nothing is computed), not from a formula
typed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from cvcourse.models.deep_stacks import DeepStack, layer_gradient_norms
from cvcourse.summary import summary
from cvcourse.widgets.display import SetsSeveralControls, figure_png

__all__ = ["ConvCost", "ConvCostCalculator", "GradientNormViewer"]


@dataclass(frozen=True)
class ConvCost:
    """Parameters, MACs (for one image) and output side of a layer (or a pair of layers)."""

    params: int
    macs: int
    output_size: int


class ConvCostCalculator(SetsSeveralControls):
    """Parameters and MACs of a ``k x k`` convolution, plain or grouped or depthwise-separable.

    Args:
        cin, cout (int): input and output channels.
        k (int): kernel side; the padding is ``k // 2`` (odd ``k`` keeps the size at stride 1).
        groups (int): channel groups (both channel counts must be divisible by it).
        stride (int): stride of the (depthwise) convolution.
        size (int): side of the square input map.
        separable (bool): replace the layer by a depthwise ``k x k`` convolution (``groups=cin``)
            followed by a pointwise ``1 x 1`` one, as MobileNet does (``groups`` is then unused).
        bias (bool): count one bias per output channel of each convolution.

    Attributes:
        costs (dict[str, ConvCost]): ``"layer"`` (the configured one) and ``"plain"`` (a plain
            ``k x k`` convolution ``cin -> cout`` with the same stride), updated on every change.
        widget (ipywidgets.VBox): sliders, the separable toggle, a summary line and the bar chart.
    """

    _LIMITS = {
        "cin": (1, 512),
        "cout": (1, 512),
        "k": (1, 7),
        "groups": (1, 512),
        "stride": (1, 4),
        "size": (1, 224),
    }

    def __init__(
        self,
        cin: int = 32,
        cout: int = 64,
        k: int = 3,
        groups: int = 1,
        stride: int = 1,
        size: int = 56,
        separable: bool = False,
        bias: bool = False,
    ) -> None:
        self.bias = bool(bias)
        self.sliders = {
            name: widgets.IntSlider(value=low, min=low, max=high, description=name)
            for name, (low, high) in self._LIMITS.items()
        }
        self.separable_box = widgets.Checkbox(value=False, description="depthwise-separable")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.costs: dict[str, ConvCost] = {}
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.separable_box.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.sliders[n] for n in ("cin", "cout", "k")]),
                        widgets.VBox([self.sliders[n] for n in ("groups", "stride", "size")]),
                    ]
                ),
                self.separable_box,
                self.label,
                self.view,
            ]
        )
        self.set(
            cin=cin, cout=cout, k=k, groups=groups, stride=stride, size=size, separable=separable
        )

    @property
    def settings(self) -> dict[str, int | bool]:
        """The current values by name (``separable`` is a bool)."""
        values: dict[str, int | bool] = {n: s.value for n, s in self.sliders.items()}
        values["separable"] = self.separable_box.value
        return values

    def set(self, **values: int | bool) -> None:
        """Set any of ``cin, cout, k, groups, stride, size, separable`` and recompute once.

        Raises:
            KeyError: an unknown name. ValueError: a value out of range, or channel counts that
            ``groups`` does not divide (nothing is changed then).
        """
        unknown = set(values) - set(self._LIMITS) - {"separable"}
        if unknown:
            raise KeyError(f"unknown settings {sorted(unknown)}; valid: {list(self.settings)}")
        new = {**self.settings, **values}
        for name, (low, high) in self._LIMITS.items():
            value = new[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an int in [{low}, {high}], got {value!r}")
        if not new["separable"] and (new["cin"] % new["groups"] or new["cout"] % new["groups"]):
            raise ValueError(
                f"groups={new['groups']} must divide cin={new['cin']} and cout={new['cout']}"
            )
        with self._setting():
            for name in self._LIMITS:
                self.sliders[name].value = new[name]
            self.separable_box.value = bool(new["separable"])

    def _layers(self) -> list[nn.Conv2d]:
        """The configured layer, or the depthwise and pointwise pair when separable."""
        s = {name: int(value) for name, value in self.settings.items()}
        cin, cout, k, stride = s["cin"], s["cout"], s["k"], s["stride"]
        with torch.device("meta"):  # shapes only: nothing is allocated or computed
            if s["separable"]:
                return [
                    nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=self.bias),
                    nn.Conv2d(cin, cout, 1, bias=self.bias),
                ]
            return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=s["groups"], bias=self.bias)]

    def _plain(self) -> nn.Conv2d:
        s = {name: int(value) for name, value in self.settings.items()}
        with torch.device("meta"):
            return nn.Conv2d(s["cin"], s["cout"], s["k"], s["stride"], s["k"] // 2, bias=self.bias)

    def _cost(self, layers: list[nn.Conv2d]) -> ConvCost:
        size = int(self.settings["size"])
        table = summary(nn.Sequential(*layers), (1, layers[0].in_channels, size, size))
        return ConvCost(table.total_params, table.total_macs, table.rows[-1].output_shape[-1])

    def _update(self) -> None:
        s = self.settings
        self.costs = {"layer": self._cost(self._layers()), "plain": self._cost([self._plain()])}
        layer, ref = self.costs["layer"], self.costs["plain"]
        what = "depthwise-separable" if s["separable"] else f"groups={s['groups']}"
        self.label.value = (
            f"<b>{what}</b>: {layer.params:,} parameters, {layer.macs:,} MACs "
            f"(output {layer.output_size}&times;{layer.output_size}); plain layer: "
            f"{ref.params:,} parameters, {ref.macs:,} MACs; ratio {layer.params / ref.params:.4f}"
        )
        self.view.value = figure_png(self.figure())

    def _on_change(self, change: dict) -> None:
        if self._updating:
            return
        groups = self.sliders["groups"].value
        if not self.separable_box.value and (
            self.sliders["cin"].value % groups or self.sliders["cout"].value % groups
        ):
            self.label.value = (
                f"<b>groups={groups} must divide cin={self.sliders['cin'].value} and "
                f"cout={self.sliders['cout'].value}</b>"
            )
            return
        self._update()

    def figure(self) -> Figure:
        """Bars of parameters and MACs: the configured layer beside the plain one (log scale)."""
        fig = Figure(figsize=(6.5, 2.6), layout="constrained")
        names = ["plain", "separable" if self.settings["separable"] else "this layer"]
        pair = [self.costs["plain"], self.costs["layer"]]
        panels = zip(fig.subplots(1, 2), ("params", "macs"), ("parameters", "MACs"), strict=True)
        for ax, field, title in panels:
            values = [getattr(c, field) for c in pair]
            bars = ax.bar(names, values, color=["0.6", "C0"])
            ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8)
            ax.set_yscale("log")
            ax.set_ylim(top=max(values) * 8)
            ax.set_title(title, fontsize=10)
        return fig


class GradientNormViewer:
    """Per-layer gradient norms of a plain and a residual stack at initialisation, by depth.

    For each depth, a :class:`~cvcourse.models.deep_stacks.DeepStack` of each kind is built with
    the same seed and one batch goes forward and backward; the norms are computed once, when the
    viewer is built (a fraction of a second per model on 8x8 digits).

    Args:
        x (Tensor[N, C, S, S]), y (Tensor[N]): the batch.
        depths (Sequence[int]): depths to offer (each with an even ``depth - 2``).
        width (int): channels of the stacks.
        seed (int): seeds the initialisation of every model.

    Attributes:
        norms (dict[int, dict[str, Tensor]]): depth -> ``{"plain": Tensor[depth], "residual":
            Tensor[depth]}``, layer 1 (the input side) first.
        depth (int): the depth shown. widget (ipywidgets.VBox): the depth slider and the plot.
    """

    def __init__(
        self,
        x: Tensor,
        y: Tensor,
        depths: Sequence[int] = (8, 14, 20, 32),
        width: int = 16,
        seed: int = 0,
    ) -> None:
        if not depths:
            raise ValueError("depths must not be empty")
        self.norms: dict[int, dict[str, Tensor]] = {}
        for depth in depths:
            self.norms[depth] = {}
            for kind in ("plain", "residual"):
                torch.manual_seed(seed)
                model = DeepStack(depth, width, kind == "residual", x.shape[1], x.shape[-1])
                self.norms[depth][kind] = layer_gradient_norms(model, x, y)
        self.depth = int(depths[0])
        self.slider = widgets.SelectionSlider(
            options=list(depths), value=self.depth, description="depth"
        )
        self.view = widgets.Image(format="png")
        self.slider.observe(lambda change: self.set_depth(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.view])
        self.set_depth(self.depth)

    def set_depth(self, depth: int) -> None:
        """Show the stacks of ``depth`` layers (one of the depths given)."""
        if depth not in self.norms:
            raise ValueError(f"depth must be one of {list(self.norms)}, got {depth}")
        self.depth = depth
        if self.slider.value != depth:
            self.slider.value = depth  # calls back here once, with the same depth
            return
        self.view.value = figure_png(self.figure())

    def ratio(self, kind: str) -> float:
        """First layer's gradient norm over the last's, for the depth shown (1 = no decay)."""
        norms = self.norms[self.depth][kind]
        return float(norms[0] / norms[-1])

    def figure(self) -> Figure:
        """Gradient norm per layer (log scale), plain and residual, for the depth shown."""
        fig = Figure(figsize=(6.5, 3.0), layout="constrained")
        ax = fig.subplots()
        for kind, color in (("plain", "C3"), ("residual", "C0")):
            norms = self.norms[self.depth][kind]
            ax.semilogy(range(1, len(norms) + 1), norms.tolist(), "o-", color=color, label=kind)
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("gradient norm")
        ax.set_title(f"{self.depth} layers, at initialisation", fontsize=10)
        ax.legend()
        return fig
