"""cvcourse.widgets.features: drive both explorers as a reader would and check what they show."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from cvcourse.compgraph import sigmoid_neuron
from cvcourse.widgets.features import BackpropStepper, FeatureExplorer


def test_feature_explorer_reports_lengths_and_follows_its_controls() -> None:
    explorer = FeatureExplorer("astronaut", size=64, bins=256, pixels_per_cell=8)
    assert explorer.lengths == {"pixels": 12288, "histogram": 768, "hog": 7 * 7 * 36}
    assert int(explorer.histogram.sum()) == 3 * 64 * 64
    assert "768" in explorer.readout.value and "12,288" in explorer.readout.value
    png = explorer.view.value
    explorer.bins_slider.value = 16  # as a reader would drag it
    assert explorer.bins == 16 and explorer.lengths["histogram"] == 48
    assert explorer.histogram.shape == (48,) and explorer.view.value != png
    explorer.cell_slider.value = 16
    explorer.orientation_slider.value = 6
    assert explorer.lengths["hog"] == 3 * 3 * 4 * 6
    assert explorer.hog_picture.shape == (64, 64)


def test_feature_explorer_changes_photo_and_checks_its_input() -> None:
    explorer = FeatureExplorer("astronaut", size=64)
    explorer.photo.value = "camera"  # a gray photo: one channel
    assert explorer.name == "camera" and explorer.image.shape[0] == 1
    assert explorer.lengths["histogram"] == 256 and explorer.lengths["pixels"] == 64 * 64
    explorer.set_image("coffee")
    assert explorer.photo.value == "coffee" and explorer.image.shape[0] == 3
    with pytest.raises(ValueError, match="bins"):
        explorer.set_bins(100)
    with pytest.raises(ValueError, match="pixels_per_cell"):
        explorer.set_hog(5, 9)
    with pytest.raises(ValueError, match="orientations"):
        explorer.set_hog(8, 40)
    fig = explorer.figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert "image/png" in explorer._repr_mimebundle_()


def test_backprop_stepper_walks_forward_then_backward() -> None:
    stepper = BackpropStepper()  # the lecture's f = (x + y) z at (-2, 5, -4)
    assert stepper.position == 0 and stepper.values == {} and stepper.grads == {}
    for _ in range(5):
        stepper.next()
    assert stepper.values == {"x": -2.0, "y": 5.0, "q": 3.0, "z": -4.0, "f": -12.0}
    assert stepper.grads == {}
    stepper.next_button.click()  # the first backward step: df/df = 1
    assert stepper.grads == {"f": 1.0} and stepper.current.phase == "backward"
    stepper.slider.value = len(stepper.steps)
    assert stepper.grads == {"f": 1.0, "z": 3.0, "q": -4.0, "y": -4.0, "x": -4.0}
    assert "df/dx" in stepper.text.value
    stepper.next()  # past the end: stays at the end
    assert stepper.position == len(stepper.steps)
    stepper.back_button.click()
    assert "x" not in stepper.grads and stepper.slider.value == len(stepper.steps) - 1
    stepper.reset_button.click()
    assert stepper.position == 0 and stepper.current is None
    stepper.back()
    assert stepper.position == 0


def test_backprop_stepper_on_the_sigmoid_neuron_draws_each_state() -> None:
    point = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    stepper = BackpropStepper(sigmoid_neuron(), **point)
    png = stepper.view.value
    stepper.go_to(len(stepper.steps))
    assert stepper.grads["w0"] == pytest.approx(-0.19661193, abs=1e-8)
    assert stepper.view.value != png
    fig = stepper.figure()
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "-0.197" in texts and "0.731" in texts  # a gradient and the output value are drawn
    assert "image/png" in stepper._repr_mimebundle_()


def test_backprop_stepper_recomputes_when_an_input_changes() -> None:
    stepper = BackpropStepper()
    stepper.go_to(len(stepper.steps))
    stepper.input_boxes["z"].value = 2.0  # typed by a reader: f = (x + y) * 2
    assert stepper.position == len(stepper.steps)  # the walk stays at the same step
    assert stepper.values["f"] == 6.0 and stepper.grads["x"] == 2.0 and stepper.grads["z"] == 3.0
    stepper.set_inputs(x=1.0)
    assert stepper.input_boxes["x"].value == 1.0 and stepper.values["q"] == 6.0
    with pytest.raises(KeyError, match="unknown inputs"):
        stepper.set_inputs(w=1.0)
