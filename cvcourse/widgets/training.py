"""Three explorers for the training chapter.

- :class:`ActivationExplorer`: an activation function and its derivative (from autograd), the
  value at a chosen input, and what the derivative becomes when a gradient passes ``depth`` such
  layers at that input (the vanishing-gradient factor ``f'(x) ** depth``).
- :class:`DropoutMaskViewer`: a dropout mask drawn on an image or a feature map, the scaled
  output of inverted dropout in training mode, and the untouched input in evaluation mode.
- :class:`ConfusionMatrixExplorer`: a classifier's confusion matrix (counts, or normalised by
  row or column), the precision, recall and F1 of every class, and the samples of a chosen cell.

Each keeps its state in plain Python attributes that tests read, has setters that tests drive,
a ``.widget`` (the ipywidgets view) and a ``.figure()`` that draws the current state as a static
matplotlib figure for readers of the HTML book.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor

from cvcourse.cls_metrics import accuracy, confusion_matrix, precision_recall_f1
from cvcourse.viz.training import plot_confusion
from cvcourse.widgets.display import SetsSeveralControls, figure_png

__all__ = ["ACTIVATIONS", "ActivationExplorer", "ConfusionMatrixExplorer", "DropoutMaskViewer"]


# name -> f(x, slope, alpha); every one is PyTorch's own function, so the explorer shows what a
# network computes. ``slope`` is used by leaky ReLU only, ``alpha`` by ELU only.
ACTIVATIONS: dict[str, Callable[[Tensor, float, float], Tensor]] = {
    "sigmoid": lambda x, slope, alpha: torch.sigmoid(x),
    "tanh": lambda x, slope, alpha: torch.tanh(x),
    "relu": lambda x, slope, alpha: F.relu(x),
    "leaky_relu": lambda x, slope, alpha: F.leaky_relu(x, negative_slope=slope),
    "elu": lambda x, slope, alpha: F.elu(x, alpha=alpha),
}


def activation_and_derivative(
    name: str, x: Tensor, slope: float = 0.01, alpha: float = 1.0
) -> tuple[Tensor, Tensor]:
    """Values and derivatives of activation ``name`` at the points ``x``.

    Args:
        name (str): a key of :data:`ACTIVATIONS`.
        x (Tensor[...]): the inputs (float).
        slope (float): leaky ReLU's negative slope (PyTorch's default 0.01).
        alpha (float): ELU's alpha.

    Returns:
        f(x), f'(x) (Tensor[...] each, like ``x``). The derivative comes from autograd; at the
        kink of ReLU (x = 0) PyTorch uses 0, and leaky ReLU's derivative at 0 is ``slope``.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {list(ACTIVATIONS)}")
    x = x.detach().clone().requires_grad_(True)
    y = ACTIVATIONS[name](x, slope, alpha)
    (grad,) = torch.autograd.grad(y.sum(), x)  # elementwise f, so d(sum f)/dx_i = f'(x_i)
    return y.detach(), grad


class ActivationExplorer(SetsSeveralControls):
    """An activation function, its derivative and the derivative's power over ``depth`` layers.

    Args:
        name (str): a key of :data:`ACTIVATIONS`.
        x (float): the input at which values are read, in [-6, 6].
        depth (int): layers a gradient passes at that input (1..30).
        slope (float): leaky ReLU's negative slope. alpha (float): ELU's alpha.

    Attributes:
        value, derivative (float): ``f(x)`` and ``f'(x)``.
        chain (float): ``f'(x) ** depth``, the factor the activations alone put on a gradient that
            crosses ``depth`` such layers with this same input (weights left aside).
        widget (ipywidgets.VBox): the function menu, sliders, a readout and the plot.
    """

    _RANGE = (-6.0, 6.0)

    def __init__(
        self,
        name: str = "sigmoid",
        x: float = 0.0,
        depth: int = 1,
        slope: float = 0.01,
        alpha: float = 1.0,
    ) -> None:
        self.menu = widgets.Dropdown(options=list(ACTIVATIONS), value="sigmoid", description="f")
        self.x_slider = widgets.FloatSlider(
            value=0.0, min=self._RANGE[0], max=self._RANGE[1], step=0.1, description="x"
        )
        self.depth_slider = widgets.IntSlider(value=1, min=1, max=30, description="layers")
        self.slope_slider = widgets.FloatSlider(
            value=0.01, min=0.0, max=0.5, step=0.01, description="leaky slope"
        )
        self.alpha_slider = widgets.FloatSlider(
            value=1.0, min=0.1, max=2.0, step=0.1, description="ELU alpha"
        )
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        controls = (
            self.menu,
            self.x_slider,
            self.depth_slider,
            self.slope_slider,
            self.alpha_slider,
        )
        for control in controls:
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.menu, self.x_slider, self.depth_slider]),
                widgets.HBox([self.slope_slider, self.alpha_slider]),
                self.label,
                self.view,
            ]
        )
        self.set(name=name, x=x, depth=depth, slope=slope, alpha=alpha)

    @property
    def settings(self) -> dict[str, float | int | str]:
        return {
            "name": self.menu.value,
            "x": self.x_slider.value,
            "depth": self.depth_slider.value,
            "slope": self.slope_slider.value,
            "alpha": self.alpha_slider.value,
        }

    def set(self, **values: float | int | str) -> None:
        """Set any of ``name, x, depth, slope, alpha`` and recompute once.

        Raises:
            KeyError: an unknown setting. ValueError: an unknown function or a value out of range.
        """
        unknown = set(values) - set(self.settings)
        if unknown:
            raise KeyError(f"unknown settings {sorted(unknown)}; valid: {list(self.settings)}")
        new = {**self.settings, **values}
        if new["name"] not in ACTIVATIONS:
            raise ValueError(f"unknown activation {new['name']!r}; known: {list(ACTIVATIONS)}")
        sliders = {
            "x": self.x_slider,
            "depth": self.depth_slider,
            "slope": self.slope_slider,
            "alpha": self.alpha_slider,
        }
        for key, slider in sliders.items():
            if not slider.min <= new[key] <= slider.max:
                raise ValueError(f"{key} must be in [{slider.min}, {slider.max}], got {new[key]!r}")
        with self._setting():
            self.menu.value = new["name"]
            for key, slider in sliders.items():
                slider.value = new[key]

    def _params(self) -> tuple[str, float, float]:
        s = self.settings
        return str(s["name"]), float(s["slope"]), float(s["alpha"])

    def _update(self) -> None:
        name, slope, alpha = self._params()
        x = torch.tensor([float(self.settings["x"])], dtype=torch.float64)
        y, dy = activation_and_derivative(name, x, slope, alpha)
        self.value, self.derivative = float(y), float(dy)
        depth = int(self.settings["depth"])
        self.chain = self.derivative**depth
        self.label.value = (
            f"<b>{html.escape(name)}</b>: f({float(x):.2f}) = {self.value:.4f}, "
            f"f'({float(x):.2f}) = {self.derivative:.4f}; through {depth} such layer(s): "
            f"f'<sup>{depth}</sup> = {self.chain:.3g}"
        )
        self.view.value = figure_png(self.figure())

    def figure(self) -> Figure:
        """The function (left) and its derivative (right) on [-6, 6], with the chosen point."""
        name, slope, alpha = self._params()
        xs = torch.linspace(*self._RANGE, 601, dtype=torch.float64)
        ys, dys = activation_and_derivative(name, xs, slope, alpha)
        x = float(self.settings["x"])
        fig = Figure(figsize=(7.5, 2.6), layout="constrained")
        f_ax, d_ax = fig.subplots(1, 2)
        f_ax.plot(xs, ys, color="C0")
        f_ax.plot([x], [self.value], "o", color="C3")
        f_ax.set_title(f"{name}(x) = {self.value:.4f} at x = {x:.2f}", fontsize=9)
        d_ax.plot(xs, dys, color="C1")
        d_ax.plot([x], [self.derivative], "o", color="C3")
        d_ax.set_title(
            f"derivative = {self.derivative:.4f}; to the power {self.settings['depth']}: "
            f"{self.chain:.3g}",
            fontsize=9,
        )
        for ax in (f_ax, d_ax):
            ax.axhline(0, color="0.7", lw=0.6)
            ax.axvline(0, color="0.7", lw=0.6)
            ax.set_xlabel("x")
        return fig


def dropout_mask(shape: Sequence[int], p: float, seed: int) -> Tensor:
    """A Bernoulli keep-mask: each entry is kept (True) with probability ``1 - p``, independently.

    Args:
        shape: the mask's shape. p (float): drop probability in [0, 1). seed (int): the mask's seed.

    Returns:
        BoolTensor[shape].
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p!r}")
    generator = torch.Generator().manual_seed(int(seed))
    return torch.rand(tuple(shape), generator=generator) >= p


class DropoutMaskViewer(SetsSeveralControls):
    """Inverted dropout on one image or feature map: the mask, the kept values scaled by 1/(1-p).

    In training mode the output is ``x * mask / (1 - p)`` (what ``nn.Dropout`` computes, with a
    mask from :func:`dropout_mask` so that it can be shown and redrawn by seed); in evaluation
    mode the layer passes ``x`` through unchanged.

    Args:
        x (Tensor[H, W]): the values to drop (an image or one channel of a feature map).
        p (float): drop probability, in [0, 0.95].
        seed (int): the mask's seed.
        training (bool): training (drop and scale) or evaluation (identity) mode.

    Attributes:
        mask (BoolTensor[H, W]): kept entries (all True in evaluation mode).
        output (Tensor[H, W]): what the layer returns.
        scale (float): the factor on kept values, ``1 / (1 - p)`` (1 in evaluation mode).
        kept_fraction (float): fraction of entries kept by this mask.
        widget (ipywidgets.VBox): p slider, seed, mode toggle, readout and the three panels.
    """

    def __init__(self, x: Tensor, p: float = 0.5, seed: int = 0, training: bool = True) -> None:
        if x.ndim != 2:
            raise ValueError(f"x must be [H, W], got shape {tuple(x.shape)}")
        self.x = x.detach().double()
        self.p_slider = widgets.FloatSlider(
            value=0.5, min=0.0, max=0.95, step=0.05, description="p"
        )
        self.seed_box = widgets.BoundedIntText(value=0, min=0, max=10**6, description="seed")
        self.mode = widgets.ToggleButtons(options=["train", "eval"], value="train")
        self.label = widgets.HTML()
        self.view = widgets.Image(format="png")
        for control in (self.p_slider, self.seed_box, self.mode):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.p_slider, self.seed_box, self.mode]), self.label, self.view]
        )
        self.set(p=p, seed=seed, training=training)

    @property
    def p(self) -> float:
        return float(self.p_slider.value)

    @property
    def training(self) -> bool:
        return self.mode.value == "train"

    def set(
        self, p: float | None = None, seed: int | None = None, training: bool | None = None
    ) -> None:
        """Change the drop probability, the seed or the mode, and recompute."""
        if p is not None and not 0.0 <= p <= self.p_slider.max:
            raise ValueError(f"p must be in [0, {self.p_slider.max}], got {p!r}")
        with self._setting():
            if p is not None:
                self.p_slider.value = p
            if seed is not None:
                self.seed_box.value = int(seed)
            if training is not None:
                self.mode.value = "train" if training else "eval"

    def resample(self) -> None:
        """Draw the next mask (seed + 1), as a new training step would."""
        self.set(seed=int(self.seed_box.value) + 1)

    def _update(self) -> None:
        if self.training:
            self.mask = dropout_mask(self.x.shape, self.p, int(self.seed_box.value))
            self.scale = 1.0 / (1.0 - self.p)
        else:
            self.mask = torch.ones(self.x.shape, dtype=torch.bool)
            self.scale = 1.0
        self.output = self.x * self.mask * self.scale
        self.kept_fraction = float(self.mask.double().mean())
        mode = "training" if self.training else "evaluation"
        self.label.value = (
            f"<b>{mode}</b>, p = {self.p:.2f}: kept {self.kept_fraction:.1%} of the values, "
            f"each multiplied by {self.scale:.3g}; mean in {float(self.x.mean()):.4f}, "
            f"mean out {float(self.output.mean()):.4f}"
        )
        self.view.value = figure_png(self.figure())

    def figure(self) -> Figure:
        """Input, mask and output side by side, input and output on one colour scale (so that
        the kept values, multiplied by ``scale``, visibly grow)."""
        fig = Figure(figsize=(7.5, 2.7), layout="constrained")
        axes = fig.subplots(1, 3)
        top = max(float(self.output.max()), float(self.x.max()), 1e-12)  # one scale for both
        axes[0].imshow(self.x.numpy(), cmap="gray", vmin=0, vmax=top)
        axes[0].set_title("input", fontsize=9)
        axes[1].imshow(self.mask.numpy(), cmap="gray", vmin=0, vmax=1)
        axes[1].set_title(f"mask: {self.kept_fraction:.0%} kept", fontsize=9)
        axes[2].imshow(self.output.numpy(), cmap="gray", vmin=0, vmax=top)
        mode = "train" if self.training else "eval"
        axes[2].set_title(f"output ({mode}, × {self.scale:.3g})", fontsize=9)
        for ax in axes:
            ax.set_axis_off()
        return fig


class ConfusionMatrixExplorer(SetsSeveralControls):
    """A classifier's confusion matrix, per-class precision/recall/F1 and the samples of a cell.

    Args:
        pred (LongTensor[N]): predicted classes. target (LongTensor[N]): true classes.
        names (Sequence[str]): the K class names.
        images (Tensor[N, C, H, W] | None): the samples, to show those of the selected cell.
        normalize (str): ``"none"``, ``"true"`` (rows sum to 1) or ``"pred"`` (columns sum to 1).
        cell ((int, int) | None): the (true, predicted) cell to select; by default the largest
            off-diagonal cell (the most frequent confusion).

    Attributes:
        cm (LongTensor[K, K]): counts, rows true, columns predicted.
        precision, recall, f1 (Tensor[K] float64). accuracy (float).
        cell ((int, int)): the selected cell. examples (LongTensor[M]): indices of its samples.
        widget (ipywidgets.VBox): class menus, the normalisation toggle, the table and the plot.
    """

    MAX_EXAMPLES = 8

    def __init__(
        self,
        pred: Tensor,
        target: Tensor,
        names: Sequence[str],
        images: Tensor | None = None,
        normalize: str = "none",
        cell: tuple[int, int] | None = None,
    ) -> None:
        self.names = list(names)
        k = len(self.names)
        self.pred, self.target = pred.long(), target.long()
        if images is not None and len(images) != len(self.pred):
            raise ValueError(f"images has {len(images)} samples, pred has {len(self.pred)}")
        self.images = images
        self.cm = confusion_matrix(self.pred, self.target, k)
        self.precision, self.recall, self.f1 = precision_recall_f1(self.cm)
        self.accuracy = accuracy(self.cm)
        if cell is None:
            off = self.cm.clone()
            off.fill_diagonal_(-1)
            flat = int(off.argmax())
            cell = (flat // k, flat % k)
        options = [(f"{i}: {n}", i) for i, n in enumerate(self.names)]
        self.true_menu = widgets.Dropdown(options=options, value=0, description="true")
        self.pred_menu = widgets.Dropdown(options=options, value=0, description="predicted")
        self.norm_buttons = widgets.ToggleButtons(options=["none", "true", "pred"], value="none")
        self.table = widgets.HTML()
        self.view = widgets.Image(format="png")
        for control in (self.true_menu, self.pred_menu, self.norm_buttons):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.true_menu, self.pred_menu]),
                widgets.HBox([widgets.Label("normalise:"), self.norm_buttons]),
                self.view,
                self.table,
            ]
        )
        self.set(cell=cell, normalize=normalize)

    @property
    def cell(self) -> tuple[int, int]:
        return int(self.true_menu.value), int(self.pred_menu.value)

    @property
    def normalize(self) -> str:
        return str(self.norm_buttons.value)

    def set(self, cell: tuple[int, int] | None = None, normalize: str | None = None) -> None:
        """Select a (true, predicted) cell and/or a normalisation, and redraw."""
        k = len(self.names)
        if cell is not None and not all(0 <= c < k for c in cell):
            raise ValueError(f"cell must index a {k}x{k} matrix, got {cell}")
        if normalize is not None and normalize not in ("none", "true", "pred"):
            raise ValueError(f"normalize must be 'none', 'true' or 'pred', got {normalize!r}")
        with self._setting():
            if cell is not None:
                self.true_menu.value, self.pred_menu.value = int(cell[0]), int(cell[1])
            if normalize is not None:
                self.norm_buttons.value = normalize

    def _update(self) -> None:
        t, p = self.cell
        self.examples = torch.nonzero((self.target == t) & (self.pred == p)).flatten()
        mark = ' style="background:#fde"'  # the two classes of the selected cell
        rows = "".join(
            f"<tr{mark if i in (t, p) else ''}><td>{html.escape(n)}</td>"
            f"<td>{float(self.precision[i]):.3f}</td><td>{float(self.recall[i]):.3f}</td>"
            f"<td>{float(self.f1[i]):.3f}</td><td>{int(self.cm[i].sum())}</td></tr>"
            for i, n in enumerate(self.names)
        )
        self.table.value = (
            f"<p>accuracy {self.accuracy:.4f}; cell (true {html.escape(self.names[t])}, predicted "
            f"{html.escape(self.names[p])}): {len(self.examples)} sample(s)</p>"
            "<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
            f"<th>support</th></tr>{rows}</table>"
        )
        self.view.value = figure_png(self.figure())

    def figure(self) -> Figure:
        """The matrix with the selected cell outlined, and up to 8 of that cell's samples."""
        show = self.images is not None and len(self.examples) > 0
        k = len(self.names)
        side = 1.6 + 0.42 * k
        fig = Figure(figsize=(side + 0.8 + (3.2 if show else 0), side), layout="constrained")
        if not show:
            plot_confusion(self.cm, self.names, fig.subplots(), self.normalize, self.cell)
            return fig
        left, right = fig.subfigures(1, 2, width_ratios=[side + 0.8, 3.2])
        plot_confusion(self.cm, self.names, left.subplots(), self.normalize, self.cell)
        assert self.images is not None
        chosen = self.examples[: self.MAX_EXAMPLES]
        axes = right.subplots(4, 2).flatten()
        for ax in axes:
            ax.set_axis_off()
        for ax, index in zip(axes, chosen.tolist(), strict=False):
            image = self.images[index]
            if image.shape[0] == 1:
                ax.imshow(image[0].numpy(), cmap="gray_r")
            else:
                ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
            ax.set_title(f"#{index}", fontsize=7)
        t, p = self.cell
        right.suptitle(f"true {self.names[t]}, predicted {self.names[p]}", fontsize=9)
        return fig
