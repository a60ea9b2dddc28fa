"""cvcourse.viz.architectures: every diagram draws, and LeNet-5's shows the summary's shapes."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from torch import nn

from cvcourse.summary import summary
from cvcourse.viz import architectures


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def test_lenet_diagram_shows_the_shapes_and_parameters_of_the_table() -> None:
    lenet = nn.Sequential(
        nn.Conv2d(1, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2450, 500), nn.ReLU(), nn.Linear(500, 10),
    )  # fmt: skip
    texts = _texts(architectures.show_lenet5(summary(lenet, (1, 1, 28, 28))))
    for expected in ("20×28×28", "20×14×14", "50×14×14", "50×7×7", "2450", "500", "10"):
        assert expected in texts
    assert "1,225,500 params" in texts and "520 params" in texts


@pytest.mark.parametrize(
    ("draw", "expected"),
    [
        (architectures.show_vgg_block, "2 · 9·C² = 18·C² weights\nreceptive field 3 + 2 = 5"),
        (architectures.show_inception_module, "concatenate channels"),
        (architectures.show_residual_blocks, "1×1, 256"),
        (architectures.show_resnext_block, "3×3, 128, groups=32"),
        (architectures.show_mobilenet_block, "3×3 depthwise, Cin"),
    ],
)
def test_block_diagrams(draw, expected: str) -> None:
    fig = draw()
    assert isinstance(fig, Figure)
    assert expected in _texts(fig)
