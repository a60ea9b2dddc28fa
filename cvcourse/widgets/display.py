"""What every widget of the book shares: a matplotlib figure as PNG bytes, and the display protocol
that shows the live widget where a kernel runs and the same figure where none does (the built HTML),
and one redraw for a ``set()`` that moves several controls.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import ipywidgets as widgets
from matplotlib.figure import Figure


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (80 dpi: an ``ipywidgets.Image`` redraws it on every change)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class Explorer:
    """Display protocol: the live widget, with the PNG of :meth:`figure` as a fallback.

    Subclasses set ``widget`` and draw their current state in :meth:`figure`.
    """

    widget: widgets.Widget

    def figure(self) -> Figure:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        """The widget's view, plus a PNG of :meth:`figure` where widgets cannot render."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["image/png"] = figure_png(self.figure())
        return bundle


class SetsSeveralControls:
    """Mixin for a widget whose ``set()`` moves several controls, each observed by
    :meth:`_on_change`: inside :meth:`_setting` the observers wait, and the widget redraws
    (:meth:`_update`) once, when the block ends without an error."""

    _updating = False

    def _update(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def _setting(self) -> Iterator[None]:
        self._updating = True
        try:
            yield
        finally:
            self._updating = False
        self._update()

    def _on_change(self, change: dict) -> None:
        if not self._updating:
            self._update()
