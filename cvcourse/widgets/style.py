"""Widgets of the style-transfer chapter.

- :class:`StylePicker`: a style weight slider and a layer-set menu over *precomputed* results of
  the Gatys optimisation (optimising in the browser would take seconds per move).
- :class:`StyleMixer`: a slider that mixes two styles' conditional-instance-norm parameters of a
  transform network and stylises a photo in one forward pass.

Each keeps its state in plain Python (tests drive ``set``); ``.widget`` is the ipywidgets view and
``.figure()`` draws the current state for readers of the static HTML book.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

__all__ = ["StyleMixer", "StylePicker"]


def _figure_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _show(ax, image: Tensor, title: str) -> None:
    ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


class StylePicker:
    """Browse stylised images by style layers and style weight.

    Args:
        results (Mapping[tuple[str, float], Tensor[3, H, W]]): the image for each
            (layer-set name, style weight) pair; every pair of ``layer_sets x weights`` present.
        layer_sets (Sequence[str]), weights (Sequence[float]): the menu entries, in order.
        content, style (Tensor[3, H, W]): shown beside the result.
        losses (Mapping[tuple[str, float], tuple[float, float]], optional): (content loss,
            style loss) of each result, shown in the label.

    Attributes:
        layers (ipywidgets.Dropdown), weight (ipywidgets.SelectionSlider), label, widget.
    """

    def __init__(
        self,
        results: Mapping[tuple[str, float], Tensor],
        layer_sets: Sequence[str],
        weights: Sequence[float],
        content: Tensor,
        style: Tensor,
        losses: Mapping[tuple[str, float], tuple[float, float]] | None = None,
    ) -> None:
        missing = [(n, w) for n in layer_sets for w in weights if (n, w) not in results]
        if missing:
            raise ValueError(f"no result for {missing}")
        self.results, self.content, self.style = dict(results), content, style
        self.losses = dict(losses or {})
        self.layers = widgets.Dropdown(options=list(layer_sets), description="style layers")
        self.weight = widgets.SelectionSlider(
            options=[(f"{w:g}", w) for w in weights], value=weights[0], description="β/α"
        )
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        for control in (self.layers, self.weight):
            control.observe(lambda change: self._redraw(), names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.layers, self.weight]), self.label, self.view]
        )
        self._redraw()

    def set(self, layers: str | None = None, weight: float | None = None) -> None:
        """Choose a layer set and/or a style weight (both must be menu entries)."""
        if layers is not None:
            if layers not in self.layers.options:
                raise ValueError(f"layers must be one of {list(self.layers.options)}")
            self.layers.value = layers
        if weight is not None:
            if weight not in [value for _, value in self.weight.options]:
                raise ValueError(f"weight must be one of {[v for _, v in self.weight.options]}")
            self.weight.value = weight

    @property
    def key(self) -> tuple[str, float]:
        return (self.layers.value, self.weight.value)

    @property
    def image(self) -> Tensor:
        """The stylised image shown now, Tensor[3, H, W]."""
        return self.results[self.key]

    def summary(self) -> str:
        layers, weight = self.key
        text = f"style layers {layers}, style weight β/α = {weight:g}"
        if self.key in self.losses:
            content, style = self.losses[self.key]
            text += f": content loss {content:.3g}, style loss {style:.3g}"
        return text

    def figure(self) -> Figure:
        fig = Figure(figsize=(8.4, 3.0), layout="constrained")
        axes = fig.subplots(1, 3)
        _show(axes[0], self.content, "content")
        _show(axes[1], self.image, "result")
        _show(axes[2], self.style, "style")
        fig.suptitle(self.summary(), fontsize=9)
        return fig

    def _redraw(self) -> None:
        self.label.value = self.summary()
        self.view.value = _figure_png(self.figure())


class StyleMixer:
    """Blend two styles of a conditional-instance-norm transform network with a slider.

    The mix ``t`` gives the style weights ``[1 - t, t]`` over styles ``a`` and ``b``: every CIN
    layer uses ``gamma = (1 - t) gamma_a + t gamma_b`` and the same for ``beta``.

    Args:
        net (nn.Module): ``net(x [N,3,H,W], style [N,S] weights) -> [N,3,H,W]`` in eval mode.
        content (Tensor[3, H, W]): the photo to stylise.
        styles (tuple[int, int]): the ids of the two styles mixed; names: their names.
        num_styles (int): S, the length of the weight vectors.

    Attributes:
        slider (ipywidgets.FloatSlider): ``t`` in [0, 1]; label; widget.
    """

    def __init__(
        self,
        net: nn.Module,
        content: Tensor,
        styles: tuple[int, int] = (0, 1),
        names: tuple[str, str] = ("a", "b"),
        num_styles: int = 2,
    ) -> None:
        self.net, self.content, self.styles = net, content, styles
        self.names, self.num_styles = names, num_styles
        self.slider = widgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.1, description="mix t"
        )
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.slider.observe(lambda change: self._redraw(), names="value")
        self.widget = widgets.VBox([self.slider, self.label, self.view])
        self._redraw()

    def set(self, mix: float) -> None:
        if not 0.0 <= mix <= 1.0:
            raise ValueError(f"mix must be in [0, 1], got {mix}")
        self.slider.value = mix

    @property
    def mix(self) -> float:
        return float(self.slider.value)

    def weights(self, mix: float | None = None) -> Tensor:
        """The style weights Tensor[1, S] for ``mix`` (default: the slider's)."""
        t = self.mix if mix is None else mix
        w = torch.zeros(1, self.num_styles)
        w[0, self.styles[0]] += 1 - t
        w[0, self.styles[1]] += t
        return w

    def output(self, mix: float | None = None) -> Tensor:
        """The stylised photo Tensor[3, H, W] for ``mix``."""
        with torch.no_grad():
            return self.net(self.content.unsqueeze(0), self.weights(mix))[0]

    def summary(self) -> str:
        t = self.mix
        return f"{1 - t:.0%} {self.names[0]} + {t:.0%} {self.names[1]}"

    def figure(self) -> Figure:
        fig = Figure(figsize=(5.6, 3.0), layout="constrained")
        axes = fig.subplots(1, 2)
        _show(axes[0], self.content, "photo")
        _show(axes[1], self.output(), self.summary())
        return fig

    def _redraw(self) -> None:
        self.label.value = self.summary()
        self.view.value = _figure_png(self.figure())
