"""Two explorers for the chapter on images, features and backprop.

- :class:`FeatureExplorer`: pick an offline photo, the number of histogram bins and the HOG cell
  size and orientations; see the colour histogram, the HOG cells and the length of each feature.
- :class:`BackpropStepper`: a computational graph walked one node at a time, first the forward
  values, then the gradients in reverse order.

Each keeps its state in plain Python and tensors so tests can drive it without a browser;
``.widget`` is the ipywidgets view (its image area holds :meth:`figure`) and ``.figure()`` a static
matplotlib figure of the current state. Displaying an explorer (a cell that ends with it) shows the
live widget, and its output also carries the figure as a PNG for viewers that cannot run widgets.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.figure import Figure
from torch import Tensor

from cvcourse import images
from cvcourse.compgraph import Graph, Step
from cvcourse.features import color_histogram, hog_image, hog_length
from cvcourse.viz.features import show_graph, show_histograms

__all__ = ["PHOTOS", "BackpropStepper", "FeatureExplorer"]

# Offline photos offered by the explorer (colour and gray, faces, animals, objects, texture).
PHOTOS: tuple[str, ...] = ("astronaut", "chelsea", "coffee", "camera", "coins", "rocket", "brick")


def _figure_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class _Explorer:
    """Display protocol: the live widget, with the PNG of :meth:`figure` as a fallback."""

    widget: widgets.Widget

    def figure(self) -> Figure:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["image/png"] = _figure_png(self.figure())
        return bundle


class FeatureExplorer(_Explorer):
    """Colour histogram and HOG of one offline photo, with their lengths.

    Args:
        name (str): a photo of :data:`PHOTOS` (any name of :func:`cvcourse.images.names` works).
        size (int): the photo is resized so its shorter side has ``size`` pixels.
        bins (int): histogram bins per channel (a divisor of 256).
        pixels_per_cell (int), orientations (int): the HOG parameters (blocks of 2x2 cells).

    Attributes:
        image (Tensor[C, H, W]): the photo.
        histogram (Tensor[C * bins] int64): :func:`cvcourse.features.color_histogram`.
        hog_picture (Tensor[H, W]): :func:`cvcourse.features.hog_image`.
        lengths (dict[str, int]): the length of the pixel, histogram and HOG feature vectors.
        widget (ipywidgets.VBox): photo menu, three sliders, a readout and the figure.
    """

    BIN_CHOICES: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256)
    CELL_CHOICES: tuple[int, ...] = (4, 8, 16, 32)

    def __init__(
        self,
        name: str = "astronaut",
        size: int = 128,
        bins: int = 256,
        pixels_per_cell: int = 8,
        orientations: int = 9,
    ) -> None:
        self.size = size
        self.photo = widgets.Dropdown(options=list(PHOTOS), description="photo")
        self.bins_slider = widgets.SelectionSlider(
            options=list(self.BIN_CHOICES), description="bins", continuous_update=False
        )
        self.cell_slider = widgets.SelectionSlider(
            options=list(self.CELL_CHOICES), description="HOG cell", continuous_update=False
        )
        self.orientation_slider = widgets.IntSlider(
            min=2, max=18, description="orientations", continuous_update=False
        )
        self.readout = widgets.HTML()
        self.view = widgets.Image(format="png")
        self._quiet = True  # no recomputation while the constructor sets the controls
        self.set_image(name)
        self.set_bins(bins)
        self.set_hog(pixels_per_cell, orientations)
        self._quiet = False
        self._update()
        self.photo.observe(lambda change: self.set_image(change["new"]), names="value")
        self.bins_slider.observe(lambda change: self.set_bins(change["new"]), names="value")
        self.cell_slider.observe(
            lambda change: self.set_hog(change["new"], self.orientations), names="value"
        )
        self.orientation_slider.observe(
            lambda change: self.set_hog(self.pixels_per_cell, change["new"]), names="value"
        )
        controls = widgets.HBox(
            [
                widgets.VBox([self.photo, self.bins_slider]),
                widgets.VBox([self.cell_slider, self.orientation_slider]),
            ]
        )
        self.widget = widgets.VBox([controls, self.readout, self.view])

    def set_image(self, name: str) -> None:
        """Show the offline photo ``name``."""
        self.image: Tensor = images.load(name, size=self.size)
        self.name = name
        if name in PHOTOS and self.photo.value != name:
            self.photo.value = name  # re-enters set_image through the observer: harmless
        self._update()

    def set_bins(self, bins: int) -> None:
        """Use ``bins`` histogram bins per channel (one of :attr:`BIN_CHOICES`)."""
        if bins not in self.BIN_CHOICES:
            raise ValueError(f"bins must be one of {self.BIN_CHOICES}, got {bins!r}")
        self.bins = bins
        self.bins_slider.value = bins
        self._update()

    def set_hog(self, pixels_per_cell: int, orientations: int) -> None:
        """Use square HOG cells of ``pixels_per_cell`` and ``orientations`` bins (2..18)."""
        if pixels_per_cell not in self.CELL_CHOICES:
            raise ValueError(
                f"pixels_per_cell must be one of {self.CELL_CHOICES}, got {pixels_per_cell!r}"
            )
        if not 2 <= orientations <= 18:
            raise ValueError(f"orientations must be in [2, 18], got {orientations!r}")
        self.pixels_per_cell, self.orientations = pixels_per_cell, orientations
        self.cell_slider.value, self.orientation_slider.value = pixels_per_cell, orientations
        self._update()

    def _update(self) -> None:
        if self._quiet or not hasattr(self, "orientations") or not hasattr(self, "bins"):
            return
        channels, height, width = self.image.shape
        self.histogram = color_histogram(self.image, self.bins)
        self.hog_picture = hog_image(self.image, self.orientations, self.pixels_per_cell)
        self.lengths = {
            "pixels": channels * height * width,
            "histogram": channels * self.bins,
            "hog": hog_length(height, width, self.orientations, self.pixels_per_cell),
        }
        self.readout.value = (
            f"<b>{self.name}</b> {height}×{width}×{channels}: pixels {self.lengths['pixels']:,} "
            f"numbers · histogram {channels}×{self.bins} = {self.lengths['histogram']:,} · "
            f"HOG {self.lengths['hog']:,}"
        )
        self.view.value = _figure_png(self.figure())

    def figure(self) -> Figure:
        """The photo, its histogram and its HOG cells."""
        fig = Figure(figsize=(10, 3), layout="constrained")
        ax_image, ax_hist, ax_hog = fig.subplots(1, 3, width_ratios=[1, 1.2, 1])
        channels = self.image.shape[0]
        shown = self.image.permute(1, 2, 0).numpy()
        ax_image.imshow(
            shown if channels == 3 else shown[..., 0], cmap=None if channels == 3 else "gray"
        )
        ax_image.set_title(f"{self.name}: {self.lengths['pixels']:,} pixel values", fontsize=9)
        show_histograms(self.histogram, channels, ax=ax_hist)
        ax_hog.imshow(self.hog_picture.numpy(), cmap="gray")
        ax_hog.set_title(
            f"HOG ({self.pixels_per_cell}px cells, {self.orientations} bins): "
            f"{self.lengths['hog']:,} numbers",
            fontsize=9,
        )
        for ax in (ax_image, ax_hog):
            ax.set_axis_off()
        return fig


class BackpropStepper(_Explorer):
    """Walk a computational graph: forward values node by node, then gradients node by node.

    Args:
        graph (Graph | str): a :class:`cvcourse.compgraph.Graph`, or text for :meth:`Graph.parse`.
        inputs (dict[str, float]): a value for each input node.

    Attributes:
        steps (list[Step]): every step (:meth:`Graph.steps`); ``position`` of them are done.
        position (int): 0 (nothing computed) to ``len(steps)`` (all gradients known).
        values, grads (dict[str, float]): what is known after ``position`` steps.
        input_boxes (dict[str, ipywidgets.FloatText]): one box per input node.
        widget (ipywidgets.VBox): the input boxes, back/next/reset buttons, a step slider, the
            step's text and the drawing.
    """

    def __init__(self, graph: Graph | str = "q = x + y; f = q * z", **inputs: float) -> None:
        self.graph = Graph.parse(graph) if isinstance(graph, str) else graph
        if not inputs and set(self.graph.inputs) == {"x", "y", "z"}:
            inputs = {"x": -2.0, "y": 5.0, "z": -4.0}  # the lecture's example
        self.inputs = {name: float(value) for name, value in inputs.items()}
        self.steps: list[Step] = self.graph.steps(**self.inputs)
        self.position = 0
        # One box per input node: change a value and the walk is recomputed at the same step.
        self.input_boxes = {
            name: widgets.FloatText(
                value=value, description=name, layout=widgets.Layout(width="140px")
            )
            for name, value in self.inputs.items()
        }
        for name, box in self.input_boxes.items():
            box.observe(
                lambda change, name=name: self.set_inputs(**{name: change["new"]}), names="value"
            )
        self.slider = widgets.IntSlider(
            min=0, max=len(self.steps), description="step", continuous_update=False
        )
        self.back_button = widgets.Button(description="◀ back")
        self.next_button = widgets.Button(description="next ▶")
        self.reset_button = widgets.Button(description="reset")
        self.text = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.slider.observe(lambda change: self.go_to(change["new"]), names="value")
        self.back_button.on_click(lambda _: self.back())
        self.next_button.on_click(lambda _: self.next())
        self.reset_button.on_click(lambda _: self.go_to(0))
        buttons = widgets.HBox([self.back_button, self.next_button, self.reset_button, self.slider])
        boxes = widgets.HBox(list(self.input_boxes.values()))
        self.widget = widgets.VBox([boxes, buttons, self.text, self.view])
        self.go_to(0)

    def set_inputs(self, **values: float) -> None:
        """Change some input values; the steps are recomputed and the position is kept."""
        unknown = set(values) - set(self.inputs)
        if unknown:
            raise KeyError(f"unknown inputs {sorted(unknown)}; the inputs are {list(self.inputs)}")
        self.inputs.update({name: float(value) for name, value in values.items()})
        self.steps = self.graph.steps(**self.inputs)
        for name, value in values.items():
            if self.input_boxes[name].value != float(value):
                self.input_boxes[name].value = float(value)  # re-enters: harmless
        self.go_to(self.position)

    @property
    def done(self) -> list[Step]:
        return self.steps[: self.position]

    @property
    def values(self) -> dict[str, float]:
        return {s.node: s.number for s in self.done if s.phase == "forward"}

    @property
    def grads(self) -> dict[str, float]:
        return {s.node: s.number for s in self.done if s.phase == "backward"}

    @property
    def current(self) -> Step | None:
        """The step just done (None before the first)."""
        return self.steps[self.position - 1] if self.position else None

    def go_to(self, position: int) -> None:
        """Show the state after ``position`` steps (clipped to ``0..len(steps)``)."""
        self.position = max(0, min(int(position), len(self.steps)))
        if self.slider.value != self.position:
            self.slider.value = self.position  # re-enters go_to through the observer: harmless
        step = self.current
        if step is None:
            self.text.value = "Press <i>next</i>: the forward pass computes each node's value."
        else:
            phase = "forward" if step.phase == "forward" else "backward"
            self.text.value = (
                f"<b>{phase}</b> ({self.position}/{len(self.steps)}): <code>{step.text}</code>"
            )
        self.view.value = _figure_png(self.figure())

    def next(self) -> None:
        """One more step (nothing after the last)."""
        self.go_to(self.position + 1)

    def back(self) -> None:
        """One step back (nothing before the first)."""
        self.go_to(self.position - 1)

    def figure(self) -> Figure:
        """The graph with the values and gradients known so far; the current node is ringed."""
        step = self.current
        title = step.text if step is not None else "forward values: green; gradients: red"
        return show_graph(
            self.graph, self.values, self.grads, highlight=step.node if step else None, title=title
        )
