"""A layer table for any ``nn.Module``: output shape, parameters and MACs of every layer.

    >>> table = summary(model, (1, 3, 224, 224))
    >>> print(table)                     # one row per layer, then the totals
    >>> table.total_params, table.total_macs

One forward pass on a zero input of ``input_shape`` does it: forward hooks record each layer's
output shape, and :class:`torch.utils.flop_counter.FlopCounterMode` counts the floating-point
operations of every module. A multiply-accumulate (MAC) is two FLOPs, so MACs are half of what it
reports. Like the papers' tables (and torchvision's ``_ops``), the counter counts convolutions and
matrix products only (bias additions, normalisation, activations and pooling are left out): a
convolution costs ``N * H_out * W_out * C_out * (C_in / groups) * K_h * K_w`` MACs.

A model built on the ``meta`` device (``with torch.device("meta"): model = ...``) is summarised
without allocating its weights or computing anything: shapes are all the counter needs. That is
how the architecture chapter tabulates VGG-16's 138 million parameters in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["LayerRow", "Summary", "count_params", "summary"]


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``model`` (a parameter shared by two layers counts once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`Summary`.

    Attributes:
        name: the layer's path in the model (``"layer1.0.conv1"``).
        kind: the layer's class name (``"Conv2d"``).
        output_shape: shape of its output for the summarised input (batch dimension included).
        params: its own parameters (not those of its children).
        macs: multiply-accumulates of its own computation for that input (all its calls, when
            the forward pass uses it more than once).
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


@dataclass
class Summary:
    """The table :func:`summary` returns.

    Attributes:
        rows: the leaf layers (modules without children) in the order the forward pass ran them.
        input_shape: the input that was summarised, batch dimension included.
        total_params: all parameters of the model, each counted once.
        total_macs: all MACs of the forward pass, including matrix products written as plain
            functions in a ``forward`` (these belong to no leaf layer).
    """

    rows: list[LayerRow] = field(default_factory=list)
    input_shape: tuple[int, ...] = ()
    total_params: int = 0
    total_macs: int = 0

    def row(self, name: str) -> LayerRow:
        """The row of the layer called ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no layer {name!r}; layers: {[r.name for r in self.rows]}")

    def table(self, max_rows: int | None = None) -> str:
        """The table as fixed-width text (``max_rows`` keeps the first rows and says how many
        were left out)."""
        header = ("layer", "type", "output shape", "params", "MACs")
        shown = self.rows if max_rows is None else self.rows[:max_rows]
        lines = [
            (
                r.name,
                r.kind,
                "x".join(str(n) for n in r.output_shape),
                f"{r.params:,}",
                f"{r.macs:,}",
            )
            for r in shown
        ]
        total = ("total", "", "", f"{self.total_params:,}", f"{self.total_macs:,}")
        widths = [max(len(row[i]) for row in [header, *lines, total]) for i in range(5)]

        def fmt(row: Sequence[str]) -> str:
            left = [row[i].ljust(widths[i]) for i in range(3)]
            right = [row[i].rjust(widths[i]) for i in range(3, 5)]
            return "  ".join(left + right).rstrip()

        rule = "-" * len(fmt(header))
        body = [fmt(line) for line in lines]
        if max_rows is not None and len(self.rows) > max_rows:
            body.append(f"... {len(self.rows) - max_rows} more layers")
        return "\n".join([fmt(header), rule, *body, rule, fmt(total)])

    def __str__(self) -> str:
        return self.table()


def _shape_of(output: object) -> tuple[int, ...]:
    """The shape of a layer's output (the first tensor when it returns several)."""
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, Sequence) and output and isinstance(output[0], torch.Tensor):
        return tuple(output[0].shape)
    return ()


def summary(model: nn.Module, input_shape: Sequence[int]) -> Summary:
    """Run ``model`` once on zeros of ``input_shape`` and tabulate its layers.

    Args:
        model (nn.Module): any model; it is put in eval mode for the pass (BatchNorm uses its
            running statistics, dropout is off) and set back to the mode it had.
        input_shape (Sequence[int]): the input's shape with the batch dimension, e.g.
            ``(1, 3, 224, 224)``. The input is created on the device and in the dtype of the
            model's first parameter (``meta`` works: nothing is computed then).

    Returns:
        Summary: one :class:`LayerRow` per leaf layer that ran, and the totals.
    """
    shape = tuple(int(n) for n in input_shape)
    if not shape or any(n < 1 for n in shape):
        raise ValueError(f"input_shape must be positive sizes with a batch dimension, got {shape}")
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32

    leaves = {name: m for name, m in model.named_modules() if not any(m.children())}
    order: list[str] = []
    shapes: dict[str, tuple[int, ...]] = {}

    def hook_for(name: str):
        def hook(module: nn.Module, args: object, output: object) -> None:
            if name not in shapes:  # a layer used twice: one row, the first output shape
                order.append(name)
                shapes[name] = _shape_of(output)

        return hook

    handles = [m.register_forward_hook(hook_for(name)) for name, m in leaves.items()]
    was_training = model.training
    model.eval()
    try:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(torch.zeros(shape, device=device, dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    # The counter names modules "<ClassName>.<path>" (the root alone is "<ClassName>").
    counts = counter.get_flop_counts()
    root = type(model).__name__

    def macs_of(name: str) -> int:
        key = f"{root}.{name}" if name else root
        return sum(counts.get(key, {}).values()) // 2

    rows = [
        LayerRow(
            name=name,
            kind=type(leaves[name]).__name__,
            output_shape=shapes[name],
            params=sum(p.numel() for p in leaves[name].parameters(recurse=False)),
            macs=macs_of(name),
        )
        for name in order
    ]
    total_macs = counter.get_total_flops() // 2
    return Summary(rows, shape, count_params(model), int(total_macs))
