"""cvcourse.widgets.architectures and cvcourse.models.deep_stacks, driven as a reader would."""

from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

from cvcourse.models.deep_stacks import DeepStack, layer_gradient_norms
from cvcourse.widgets.architectures import ConvCostCalculator, GradientNormViewer


def test_calculator_counts_the_grouped_example() -> None:
    calc = ConvCostCalculator(cin=256, cout=128, k=3, groups=32, size=32)
    layer, plain = calc.costs["layer"], calc.costs["plain"]
    assert (layer.params, plain.params) == (9_216, 294_912)
    assert (layer.macs, plain.macs) == (9_437_184, 301_989_888)
    assert layer.output_size == 32
    assert "9,216" in calc.label.value and "294,912" in calc.label.value


def test_separable_toggle_gives_the_mobilenet_count() -> None:
    calc = ConvCostCalculator(cin=32, cout=64, k=3, size=10)
    assert calc.costs["layer"].params == 18_432
    png = calc.view.value
    calc.separable_box.value = True  # as a reader ticking the box
    assert calc.costs["layer"].params == 32 * 9 + 32 * 64 == 2_336
    assert calc.costs["layer"].macs == 10 * 10 * (32 * 9 + 32 * 64)
    assert calc.costs["plain"].params == 18_432
    assert calc.view.value != png


def test_sliders_stride_and_bias() -> None:
    calc = ConvCostCalculator(cin=3, cout=6, k=5, size=32, bias=True)
    assert calc.costs["layer"].params == 456
    calc.sliders["stride"].value = 2
    assert calc.costs["layer"].output_size == 16  # padding k // 2 = 2: (32 + 4 - 5) // 2 + 1
    assert calc.costs["layer"].macs == 16 * 16 * 6 * 3 * 25


def test_calculator_rejects_groups_that_do_not_divide() -> None:
    calc = ConvCostCalculator(cin=32, cout=64)
    with pytest.raises(ValueError, match="groups"):
        calc.set(groups=3)
    assert calc.settings["groups"] == 1
    calc.sliders["groups"].value = 3  # the slider can get there: the label says why nothing moved
    assert "must divide" in calc.label.value
    with pytest.raises(KeyError, match="unknown"):
        calc.set(dilation=2)
    with pytest.raises(ValueError, match="k must be"):
        calc.set(k=9)
    assert isinstance(calc.figure(), Figure)


def test_deep_stack_shapes_and_depth() -> None:
    for residual in (False, True):
        model = DeepStack(depth=8, width=4, residual=residual)
        assert len(model.weighted_layers()) == 8
        assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    with pytest.raises(ValueError, match="even"):
        DeepStack(depth=7, residual=True)
    with pytest.raises(ValueError, match="depth"):
        DeepStack(depth=3)


def test_residual_stack_keeps_the_gradient_and_plain_loses_it() -> None:
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(16, 1, 8, 8, generator=g), torch.randint(0, 10, (16,), generator=g)
    viewer = GradientNormViewer(x, y, depths=(8, 20), width=8)
    for depth in (8, 20):
        for kind in ("plain", "residual"):
            assert viewer.norms[depth][kind].shape == (depth,)
            assert torch.all(viewer.norms[depth][kind] > 0)
    viewer.slider.value = 20  # as a reader moving the slider
    assert viewer.depth == 20
    # at depth 20 the plain stack's first layer gets orders of magnitude less than its last
    assert viewer.ratio("plain") < 1e-3 < viewer.ratio("residual")
    torch.manual_seed(0)
    again = layer_gradient_norms(DeepStack(20, 8, residual=True), x, y)
    torch.testing.assert_close(again, viewer.norms[20]["residual"])
    with pytest.raises(ValueError, match="depth"):
        viewer.set_depth(14)
    assert isinstance(viewer.figure(), Figure)
