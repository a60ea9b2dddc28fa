"""cvcourse.compgraph: forward and backward passes by hand, checked against torch.autograd."""

from __future__ import annotations

import math

import pytest

from cvcourse.compgraph import Graph, Node, autograd_gradients, sigmoid_neuron

LECTURE = {"x": -2.0, "y": 5.0, "z": -4.0}


def test_the_lecture_example() -> None:
    graph = Graph.parse("q = x + y; f = q * z")
    assert graph.inputs == ["x", "y", "z"] and graph.output == "f"
    values = graph.forward(**LECTURE)
    assert values["q"] == 3 and values["f"] == -12
    grads = graph.backward(values)
    assert (grads["x"], grads["y"], grads["z"], grads["q"], grads["f"]) == (-4, -4, 3, -4, 1)
    assert autograd_gradients(graph, **LECTURE) == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_sigmoid_neuron_matches_autograd_and_the_closed_form() -> None:
    graph = sigmoid_neuron()
    point = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    values = graph.forward(**point)
    f = 1 / (1 + math.exp(-1.0))  # s = 2*-1 + -3*-2 - 3 = 1
    assert values["f"] == pytest.approx(f)
    grads = graph.backward(values)
    assert grads["s"] == pytest.approx(f * (1 - f))  # sigmoid'(s) = sigmoid (1 - sigmoid)
    reference = autograd_gradients(graph, **point)
    assert {name: grads[name] for name in point} == pytest.approx(reference, rel=1e-12)
    assert grads["x0"] == pytest.approx(point["w0"] * f * (1 - f))


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("m = x * x; f = m + x", {"x": 3.0}),  # a value used twice: gradients add
        ("a = x * y; m = max(y, z); f = a + m", {"x": 3.0, "y": -2.0, "z": 1.0}),
        ("a = x * y; r = relu(a); s = sigmoid(r); f = s * z", {"x": 0.5, "y": 2.0, "z": -3.0}),
        ("n = -x; e = exp(n); d = e + 1; f = 1/d", {"x": 0.3}),
        ("a = relu(x); f = a * y", {"x": -1.0, "y": 2.0}),  # relu routes nothing when off
    ],
)
def test_backward_matches_autograd(text: str, point: dict[str, float]) -> None:
    graph = Graph.parse(text)
    grads = graph.backward(graph.forward(**point))
    assert {name: grads[name] for name in point} == pytest.approx(
        autograd_gradients(graph, **point), rel=1e-12, abs=1e-15
    )


def test_gradients_add_at_forks_and_max_routes() -> None:
    graph = Graph.parse("a = x * y; m = max(y, z); f = a + m")
    grads = graph.backward(graph.forward(x=3.0, y=-2.0, z=1.0))
    assert (grads["x"], grads["y"], grads["z"]) == (-2.0, 3.0, 1.0)
    square = Graph.parse("m = x * x; f = m + x")
    assert square.backward(square.forward(x=3.0))["x"] == 7.0  # 2x + 1


def test_steps_forward_then_backward_in_reverse() -> None:
    graph = Graph.parse("q = x + y; f = q * z")
    steps = graph.steps(**LECTURE)
    assert [s.phase for s in steps] == ["forward"] * 5 + ["backward"] * 5
    assert [s.node for s in steps] == ["x", "y", "q", "z", "f", "f", "z", "q", "y", "x"]
    assert steps[2].text == "q = x + y = (-2) + (5) = 3"
    assert steps[4].number == -12
    assert steps[6].text == "df/dz = 1 × 3 (via f) = 3"
    assert steps[-1].number == -4
    # A value used twice has one term per use; constants get no backward step.
    square = Graph.parse("m = x * x; d = m + 1; f = d + x").steps(x=3.0)
    last = square[-1]
    assert last.node == "x" and last.number == 7.0 and last.text.count("(via ") == 3
    assert all(s.node != "c1" for s in square if s.phase == "backward")


def test_parse_reads_constants_and_rejects_bad_text() -> None:
    graph = Graph.parse("a = 2 * x\nf = a + 0.5")
    assert graph.forward(x=1.5)["f"] == 3.5
    assert [n.op for n in graph.nodes] == ["const", "input", "mul", "const", "add"]
    with pytest.raises(ValueError, match="cannot read expression"):
        Graph.parse("f = x ^ y")
    with pytest.raises(ValueError, match="assigned twice"):
        Graph.parse("f = x + y; f = x * y")
    with pytest.raises(ValueError, match="cannot read statement"):
        Graph.parse("x + y")


def test_graph_validates_nodes_and_inputs() -> None:
    with pytest.raises(ValueError, match="before they are defined"):
        Graph([Node("f", "add", ("x", "y"))])
    with pytest.raises(ValueError, match="takes 2 inputs"):
        Graph([Node("x", "input"), Node("f", "mul", ("x",))])
    with pytest.raises(ValueError, match="unknown op"):
        Graph([Node("x", "input"), Node("f", "tan", ("x",))])
    with pytest.raises(ValueError, match="defined twice"):
        Graph([Node("x", "input"), Node("x", "input")])
    graph = Graph.parse("f = x * y")
    with pytest.raises(ValueError, match="missing"):
        graph.forward(x=1.0)


def test_max_splits_a_tie_evenly_as_torch_does() -> None:
    # At a tie max has no derivative; the package, like torch.maximum, splits the gradient.
    graph = Graph.parse("a = x * y; m = max(y, z); f = a + m")
    point = {"x": 3.0, "y": 1.0, "z": 1.0}
    grads = graph.backward(graph.forward(**point))
    assert (grads["x"], grads["y"], grads["z"]) == (1.0, 3.5, 0.5)
    assert autograd_gradients(graph, **point) == {name: grads[name] for name in point}
