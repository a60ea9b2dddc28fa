"""Interactive ipywidgets explorers used by the chapters.

Each explorer is a small class with a ``widget`` (the ipywidgets view), plain setters that tests
drive, and a ``figure()`` method that renders the current state as a static matplotlib figure for
readers of the HTML book. Import them from their modules:
``from cvcourse.widgets.conv import KernelEditor``.
"""
