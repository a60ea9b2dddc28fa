"""The style-transfer chapter's widgets and diagrams, driven through their setters."""

from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

from cvcourse.models.cin import TransformNet
from cvcourse.viz.style import show_fast_transfer, show_gatys_loop
from cvcourse.widgets.style import StyleMixer, StylePicker


def test_style_picker_shows_the_chosen_result() -> None:
    results = {(n, w): torch.full((3, 8, 8), i / 10) for i, (n, w) in enumerate(
        [(n, w) for n in ("fine", "all") for w in (0.1, 1.0)]
    )}  # fmt: skip
    losses = {key: (0.5, 0.25) for key in results}
    picker = StylePicker(
        results, ["fine", "all"], [0.1, 1.0], torch.zeros(3, 8, 8), torch.ones(3, 8, 8), losses
    )
    assert picker.key == ("fine", 0.1)
    picker.set(layers="all", weight=1.0)
    assert picker.key == ("all", 1.0)
    assert torch.equal(picker.image, results["all", 1.0])
    assert "content loss 0.5" in picker.label.value and "1" in picker.summary()
    assert picker.view.value[:4] == b"\x89PNG"
    assert isinstance(picker.figure(), Figure)
    with pytest.raises(ValueError):
        picker.set(weight=0.5)
    with pytest.raises(ValueError, match="no result"):
        StylePicker(results, ["fine", "coarse"], [0.1], torch.zeros(3, 8, 8), torch.ones(3, 8, 8))


def test_style_mixer_mixes_the_parameters() -> None:
    torch.manual_seed(0)
    net = TransformNet(3, width=4).eval()
    content = torch.rand(3, 16, 16)
    mixer = StyleMixer(net, content, styles=(0, 2), names=("a", "c"), num_styles=3)
    assert mixer.weights(0.25).tolist() == [[0.75, 0.0, 0.25]]
    mixer.set(1.0)
    assert mixer.mix == 1.0 and mixer.label.value == "0% a + 100% c"
    with torch.no_grad():
        torch.testing.assert_close(mixer.output(), net(content[None], torch.tensor([2]))[0])
    with pytest.raises(ValueError):
        mixer.set(1.5)
    assert isinstance(mixer.figure(), Figure)


def test_diagrams_draw() -> None:
    for fig in (show_gatys_loop(), show_fast_transfer()):
        assert isinstance(fig, Figure) and fig.axes
