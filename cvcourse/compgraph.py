"""A tiny computational graph of scalars, for backpropagation by hand.

A :class:`Graph` is a list of :class:`Node` in topological order (every node after its inputs);
the last node is the output ``f``. :meth:`Graph.forward` computes every node's value from the
inputs; :meth:`Graph.backward` walks the nodes in reverse and applies the chain rule,

    df/d(input) += df/d(node) * d(node)/d(input)      (local derivative of the node's op),

adding the contributions of every consumer (a value used twice gets two gradients, summed).
:meth:`Graph.steps` lists the same computation one node at a time, for the book's stepper widget,
and :func:`autograd_gradients` recomputes the gradients with ``torch.autograd`` as a check.

>>> g = Graph.parse("q = x + y; f = q * z")
>>> g.backward(g.forward(x=-2.0, y=5.0, z=-4.0))["x"]
-4.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

__all__ = ["OPS", "Graph", "Node", "Step", "autograd_gradients", "sigmoid_neuron"]

# op -> (arity, symbol used by parse/formula). "input" and "const" are leaves.
OPS: dict[str, tuple[int, str]] = {
    "add": (2, "+"),
    "mul": (2, "*"),
    "max": (2, "max"),
    "neg": (1, "-"),
    "exp": (1, "exp"),
    "inv": (1, "1/"),
    "relu": (1, "relu"),
    "sigmoid": (1, "sigmoid"),
}


@dataclass(frozen=True)
class Node:
    """One scalar of the graph.

    Attributes:
        name (str): a Python identifier.
        op (str): ``"input"``, ``"const"`` or a key of :data:`OPS`.
        inputs (tuple[str, ...]): names of earlier nodes (2 for binary ops, 1 for unary ones).
        value (float): the constant of a ``"const"`` node (ignored otherwise).
    """

    name: str
    op: str
    inputs: tuple[str, ...] = ()
    value: float = 0.0


@dataclass(frozen=True)
class Step:
    """One step of the forward or backward pass over ``node``.

    Attributes:
        phase (str): ``"forward"`` or ``"backward"``.
        node (str): the node whose value (forward) or gradient df/dnode (backward) is now known.
        number (float): that value or gradient.
        text (str): the computation in words, e.g. ``"q = x + y = -2 + 5 = 3"``.
    """

    phase: str
    node: str
    number: float
    text: str


def _fmt(x: float) -> str:
    """Short numbers for the step texts: 3 rather than 3.0, four significant digits otherwise."""
    return f"{x:.4g}" if x != int(x) or abs(x) >= 1e6 else str(int(x))


class Graph:
    """A computational graph of scalar nodes; the last node is the output.

    Args:
        nodes (Sequence[Node]): in topological order (inputs of a node come before it).
    """

    def __init__(self, nodes: list[Node] | tuple[Node, ...]) -> None:
        seen: dict[str, Node] = {}
        for node in nodes:
            if node.name in seen:
                raise ValueError(f"node {node.name!r} is defined twice")
            if node.op in ("input", "const"):
                if node.inputs:
                    raise ValueError(f"{node.op} node {node.name!r} takes no inputs")
            elif node.op in OPS:
                if len(node.inputs) != OPS[node.op][0]:
                    raise ValueError(
                        f"{node.op} node {node.name!r} takes {OPS[node.op][0]} inputs, "
                        f"got {len(node.inputs)}"
                    )
                missing = [name for name in node.inputs if name not in seen]
                if missing:
                    raise ValueError(f"node {node.name!r} uses {missing} before they are defined")
            else:
                raise ValueError(f"unknown op {node.op!r} of node {node.name!r}")
            seen[node.name] = node
        if not seen:
            raise ValueError("a graph needs at least one node")
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.by_name = seen
        self.output = self.nodes[-1].name

    @property
    def inputs(self) -> list[str]:
        """Names of the ``"input"`` nodes, in order."""
        return [node.name for node in self.nodes if node.op == "input"]

    @classmethod
    def parse(cls, text: str) -> Graph:
        """Build a graph from assignments separated by ``;`` or new lines.

        Each right-hand side is one operation on names or numbers: ``a + b``, ``a * b``, ``-a``,
        ``1/a``, ``exp(a)``, ``relu(a)``, ``sigmoid(a)``, ``max(a, b)``. Names never assigned
        are inputs (in order of first use); numbers become constants.
        """
        nodes: list[Node] = []
        names: set[str] = set()
        counter = 0

        def operand(token: str) -> str:
            nonlocal counter
            token = token.strip()
            if re.fullmatch(r"[A-Za-z_]\w*", token):
                if token not in names:
                    nodes.append(Node(token, "input"))
                    names.add(token)
                return token
            try:
                number = float(token)
            except ValueError:
                raise ValueError(f"cannot read operand {token!r}") from None
            counter += 1
            name = f"c{counter}"
            nodes.append(Node(name, "const", value=number))
            names.add(name)
            return name

        patterns = [
            (r"(.+?)\s*\+\s*(.+)", "add"),
            (r"(.+?)\s*\*\s*(.+)", "mul"),
            (r"max\((.+),(.+)\)", "max"),
            (r"1\s*/\s*(.+)", "inv"),
            (r"-\s*(.+)", "neg"),
            (r"(exp|relu|sigmoid)\((.+)\)", "call"),
        ]
        for statement in re.split(r"[;\n]", text):
            if not statement.strip():
                continue
            target, _, expression = statement.partition("=")
            target, expression = target.strip(), expression.strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", target) or not expression:
                raise ValueError(f"cannot read statement {statement.strip()!r}")
            if target in names:
                raise ValueError(f"{target!r} is assigned twice (or used before it is assigned)")
            for pattern, op in patterns:
                match = re.fullmatch(pattern, expression)
                if match is None:
                    continue
                if op == "call":
                    op, args = match.group(1), (operand(match.group(2)),)
                else:
                    args = tuple(operand(group) for group in match.groups())
                nodes.append(Node(target, op, args))
                names.add(target)
                break
            else:
                raise ValueError(f"cannot read expression {expression!r}")
        return cls(nodes)

    def forward(self, **inputs: float) -> dict[str, float]:
        """The value of every node, given a value for every input node."""
        missing = set(self.inputs) - set(inputs)
        extra = set(inputs) - set(self.inputs)
        if missing or extra:
            raise ValueError(
                f"inputs are {self.inputs}; missing {missing or '{}'}, extra {extra or '{}'}"
            )
        values: dict[str, float] = {}
        for node in self.nodes:
            if node.op == "input":
                values[node.name] = float(inputs[node.name])
            elif node.op == "const":
                values[node.name] = float(node.value)
            else:
                values[node.name] = _apply(node.op, [values[name] for name in node.inputs])
        return values

    def local_gradients(self, node: Node, values: dict[str, float]) -> list[float]:
        """d(node)/d(input) for each of the node's inputs, at ``values``."""
        args = [values[name] for name in node.inputs]
        out = values[node.name]
        op = node.op
        if op == "add":
            return [1.0, 1.0]
        if op == "mul":
            return [args[1], args[0]]
        if op == "max":
            # The gradient goes to the larger input. At a tie max has no derivative; any split
            # is a valid subgradient, and we split evenly as torch.maximum does.
            if args[0] == args[1]:
                return [0.5, 0.5]
            return [1.0, 0.0] if args[0] > args[1] else [0.0, 1.0]
        if op == "neg":
            return [-1.0]
        if op == "exp":
            return [out]
        if op == "inv":
            return [-1.0 / args[0] ** 2]
        if op == "relu":
            return [1.0 if args[0] > 0 else 0.0]
        if op == "sigmoid":
            return [out * (1.0 - out)]
        return []

    def backward(self, values: dict[str, float]) -> dict[str, float]:
        """df/d(node) for every node (f = the output node), by the chain rule in reverse order."""
        grads = {node.name: 0.0 for node in self.nodes}
        grads[self.output] = 1.0
        for node in reversed(self.nodes):
            for name, local in zip(node.inputs, self.local_gradients(node, values), strict=True):
                grads[name] += grads[node.name] * local
        return grads

    def formula(self, node: Node) -> str:
        """The node's operation in symbols, e.g. ``"x + y"``."""
        a = node.inputs
        if node.op in ("add", "mul"):
            return f"{a[0]} {OPS[node.op][1]} {a[1]}"
        if node.op == "max":
            return f"max({a[0]}, {a[1]})"
        if node.op == "neg":
            return f"-{a[0]}"
        if node.op == "inv":
            return f"1/{a[0]}"
        if node.op in ("exp", "relu", "sigmoid"):
            return f"{node.op}({a[0]})"
        return node.name

    def steps(self, **inputs: float) -> list[Step]:
        """The forward pass node by node, then the backward pass node by node.

        Forward: one step per node, in order (inputs and constants included). Backward: one step
        per node except constants, in reverse order, so that a node's gradient is complete (all
        its consumers are done) when its step comes. A backward text reads "upstream gradient ×
        local derivative (via the consumer)", one term per consumer.
        """
        values = self.forward(**inputs)
        grads = self.backward(values)
        out: list[Step] = []
        for node in self.nodes:
            if node.op in ("input", "const"):
                text = f"{node.name} = {_fmt(values[node.name])}"
            else:
                operands = [_fmt(values[name]) for name in node.inputs]
                filled = self.formula(node)
                for name, shown in zip(node.inputs, operands, strict=True):
                    filled = re.sub(rf"\b{re.escape(name)}\b", f"({shown})", filled, count=1)
                text = f"{node.name} = {self.formula(node)} = {filled} = {_fmt(values[node.name])}"
            out.append(Step("forward", node.name, values[node.name], text))
        consumers: dict[str, list[Node]] = {node.name: [] for node in self.nodes}
        for node in self.nodes:
            for name in dict.fromkeys(node.inputs):  # x * x consumes x once, with two terms
                consumers[name].append(node)
        for node in reversed(self.nodes):
            name = node.name
            if node.op == "const":
                continue  # nothing to learn about a constant
            if name == self.output:
                text = f"df/d{name} = 1 (the output itself)"
            else:
                terms = []
                for consumer in consumers[name]:
                    locals_ = self.local_gradients(consumer, values)
                    for input_name, local in zip(consumer.inputs, locals_, strict=True):
                        if input_name == name:
                            upstream = _fmt(grads[consumer.name])
                            terms.append(f"{upstream} × {_fmt(local)} (via {consumer.name})")
                text = f"df/d{name} = " + " + ".join(terms) + f" = {_fmt(grads[name])}"
            out.append(Step("backward", name, grads[name], text))
        return out


def _apply(op: str, args: list[float]) -> float:
    if op == "add":
        return args[0] + args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "max":
        return max(args)
    if op == "neg":
        return -args[0]
    if op == "exp":
        return math.exp(args[0])
    if op == "inv":
        return 1.0 / args[0]
    if op == "relu":
        return max(args[0], 0.0)
    if op == "sigmoid":
        return 1.0 / (1.0 + math.exp(-args[0]))
    raise ValueError(f"unknown op {op!r}")


_TORCH_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "max": torch.maximum,
    "neg": torch.neg,
    "exp": torch.exp,
    "inv": torch.reciprocal,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
}


def autograd_gradients(graph: Graph, **inputs: float) -> dict[str, float]:
    """df/d(input) for every input node, computed by ``torch.autograd`` in float64 (a check)."""
    leaves = {
        name: torch.tensor(float(inputs[name]), dtype=torch.float64, requires_grad=True)
        for name in graph.inputs
    }
    tensors: dict[str, torch.Tensor] = dict(leaves)
    for node in graph.nodes:
        if node.op == "const":
            tensors[node.name] = torch.tensor(node.value, dtype=torch.float64)
        elif node.op != "input":
            tensors[node.name] = _TORCH_OPS[node.op](*(tensors[name] for name in node.inputs))
    tensors[graph.output].backward()
    return {name: float(leaf.grad) for name, leaf in leaves.items()}  # type: ignore[arg-type]


def sigmoid_neuron() -> Graph:
    """``f = sigmoid(w0*x0 + w1*x1 + w2)`` with the sigmoid written as ``1 / (1 + exp(-s))``."""
    return Graph.parse(
        "a = w0 * x0; b = w1 * x1; s1 = a + b; s = s1 + w2; n = -s; e = exp(n); d = e + 1; f = 1/d"
    )
