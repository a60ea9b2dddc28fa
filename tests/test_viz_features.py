"""cvcourse.viz.features: the task zoo, the computational graph and histogram plots."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from cvcourse.compgraph import Graph
from cvcourse.data import Shapes
from cvcourse.features import color_histogram
from cvcourse.viz.features import graph_layout, show_graph, show_histograms, show_task_zoo


def test_task_zoo_draws_the_five_tasks() -> None:
    scenes = Shapes(n=1, size=48, split="val", seed=0, min_objects=2, max_objects=2)
    sample = scenes[0]
    fig = show_task_zoo(sample, scenes.classes)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    titles = [ax.get_title() for ax in fig.axes]
    for task in ("classification", "detection", "segmentation", "matching", "captioning"):
        assert any(task in title for title in titles)
    assert sample["caption"] in fig.axes[4].get_xlabel()
    # One matching line per object.
    assert len(fig.axes[3].lines) == len(sample["boxes"])


def test_graph_layout_places_inputs_left_and_the_output_right() -> None:
    graph = Graph.parse("q = x + y; f = q * z")
    positions = graph_layout(graph)
    assert positions["x"][0] == positions["y"][0] == positions["z"][0] == 0
    assert positions["q"][0] == 1 and positions["f"][0] == 2
    assert positions["q"][1] == (positions["x"][1] + positions["y"][1]) / 2


def test_show_graph_writes_values_and_gradients() -> None:
    graph = Graph.parse("q = x + y; f = q * z")
    values = graph.forward(x=-2.0, y=5.0, z=-4.0)
    fig = show_graph(graph, values, graph.backward(values), highlight="q")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "-12" in texts and "3" in texts and "-4" in texts
    empty = show_graph(graph)
    assert "-12" not in [t.get_text() for t in empty.axes[0].texts]


def test_show_histograms_draws_one_line_per_channel() -> None:
    fig = show_histograms(color_histogram(torch.rand(3, 8, 8), bins=32), channels=3)
    assert len(fig.axes[0].lines) == 3
    gray = show_histograms(color_histogram(torch.rand(1, 8, 8), bins=8), channels=1)
    assert len(gray.axes[0].lines) == 1 and "8 bins" in gray.axes[0].get_title()
