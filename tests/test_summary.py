"""cvcourse.summary: shapes, parameters and MACs per layer, checked against hand formulas."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cvcourse.summary import count_params, summary


def conv_macs_by_hand(ho: int, wo: int, cin: int, cout: int, k: int, groups: int = 1) -> int:
    """The formula: one MAC per weight of a filter, per output value (no bias)."""
    return ho * wo * cout * (cin // groups) * k * k


@pytest.mark.parametrize(
    ("cin", "cout", "k", "stride", "padding", "groups", "size"),
    [
        (3, 6, 5, 1, 0, 1, 32),
        (256, 128, 3, 1, 1, 32, 32),  # the grouped example of the chapter
        (256, 128, 3, 1, 1, 1, 32),
        (32, 32, 3, 2, 1, 32, 15),  # depthwise, stride 2, odd size
        (32, 64, 1, 1, 0, 1, 7),  # pointwise
        (12, 18, 3, 2, 0, 3, 11),
    ],
)
def test_conv_row_matches_the_hand_formula(cin, cout, k, stride, padding, groups, size) -> None:
    layer = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups)
    table = summary(layer, (2, cin, size, size))
    (row,) = table.rows
    ho = (size + 2 * padding - k) // stride + 1
    assert row.output_shape == (2, cout, ho, ho)
    assert row.params == cout * (cin // groups) * k * k + cout
    assert row.macs == 2 * conv_macs_by_hand(ho, ho, cin, cout, k, groups)
    assert table.total_macs == row.macs and table.total_params == row.params
    assert isinstance(row.macs, int) and isinstance(row.params, int)


def test_lenet_of_the_slides() -> None:
    lenet = nn.Sequential(
        nn.Conv2d(1, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2450, 500), nn.ReLU(), nn.Linear(500, 10),
    )  # fmt: skip
    table = summary(lenet, (1, 1, 28, 28))
    assert [r.output_shape[1:] for r in table.rows] == [
        (20, 28, 28), (20, 28, 28), (20, 14, 14), (50, 14, 14), (50, 14, 14), (50, 7, 7),
        (2450,), (500,), (500,), (10,),
    ]  # fmt: skip
    assert [r.params for r in table.rows if r.params] == [520, 25_050, 1_225_500, 5_010]
    assert table.total_params == count_params(lenet) == 1_256_080
    assert table.row("0").macs == conv_macs_by_hand(28, 28, 1, 20, 5)
    assert table.row("3").macs == conv_macs_by_hand(14, 14, 20, 50, 5)
    assert table.row("7").macs == 2450 * 500  # a linear layer: one MAC per weight
    assert table.total_macs == sum(r.macs for r in table.rows)
    text = table.table()
    assert "1,256,080" in text and "Conv2d" in text and "20x28x28" in text


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.weight = nn.Parameter(torch.ones(3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x + self.bn(self.conv(x))
        return y.mean((2, 3)) @ self.weight.T  # a functional matmul: counted in the total only


def test_functional_ops_count_in_the_total_and_modes_are_restored() -> None:
    model = Residual().train()
    table = summary(model, (5, 4, 6, 6))
    assert model.training  # put back
    assert [r.name for r in table.rows] == ["conv", "bn"]
    assert table.row("bn").params == 8 and table.row("bn").macs == 0
    assert table.row("conv").macs == 5 * conv_macs_by_hand(6, 6, 4, 4, 3)
    assert table.total_macs == table.row("conv").macs + 5 * 4 * 3
    assert table.total_params == 4 * 4 * 9 + 8 + 12


def test_meta_device_models_cost_nothing() -> None:
    with torch.device("meta"):
        model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1))
    table = summary(model, (1, 3, 224, 224))
    assert table.total_macs == conv_macs_by_hand(224, 224, 3, 64, 3) + conv_macs_by_hand(
        224, 224, 64, 64, 3
    )
    assert table.total_params == 64 * 27 + 64 + 64 * 64 * 9 + 64


def test_bad_input_shape() -> None:
    with pytest.raises(ValueError, match="input_shape"):
        summary(nn.Linear(2, 2), (0, 2))
    with pytest.raises(KeyError, match="no layer"):
        summary(nn.Linear(2, 2), (1, 2)).row("nope")


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.conv(x))


def test_a_layer_used_twice_has_one_row_with_the_macs_of_both_calls() -> None:
    table = summary(Twice(), (1, 3, 5, 5))
    (row,) = table.rows
    assert row.params == 81 and row.output_shape == (1, 3, 5, 5)
    assert row.macs == table.total_macs == 2 * conv_macs_by_hand(5, 5, 3, 3, 3)
