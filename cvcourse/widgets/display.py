"""What every widget of the book shares: a matplotlib figure as PNG bytes, and the display protocol
that shows the live widget where a kernel runs and the same figure where none does (the built HTML).
"""

from __future__ import annotations

import io

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
