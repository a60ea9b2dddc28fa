"""cvcourse.widgets.conv: drive the explorers as a reader would and check what they show."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from cvcourse.widgets.conv import (
    PRESETS,
    KernelEditor,
    WindowExplorer,
    filter_response_for_display,
)

# A small image keeps every test well under a second.
IMAGE = torch.rand(1, 12, 16, generator=torch.Generator().manual_seed(0))


def _reference(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    padded = F.pad(image.unsqueeze(0), (1, 1, 1, 1), mode="replicate")
    return F.conv2d(padded, kernel.view(1, 1, 3, 3)).squeeze(0)


def test_kernel_editor_starts_from_its_preset() -> None:
    editor = KernelEditor(IMAGE, preset="laplacian")
    torch.testing.assert_close(editor.kernel, PRESETS["laplacian"])
    assert editor.preset_dropdown.value == "laplacian"
    assert editor.output.shape == IMAGE.shape
    torch.testing.assert_close(editor.output, _reference(IMAGE, PRESETS["laplacian"]))


def test_identity_preset_returns_the_image() -> None:
    editor = KernelEditor(IMAGE)
    editor.set_preset("identity")
    torch.testing.assert_close(editor.output, IMAGE)


def test_typing_in_a_box_updates_output_image_and_dropdown() -> None:
    editor = KernelEditor(IMAGE, preset="identity")
    png_before = editor.output_view.value
    editor.inputs[5].value = -1.0  # kernel[1, 2], as a reader typing in the box
    expected_kernel = PRESETS["identity"].clone()
    expected_kernel[1, 2] = -1.0
    torch.testing.assert_close(editor.kernel, expected_kernel)
    torch.testing.assert_close(editor.output, _reference(IMAGE, expected_kernel))
    assert editor.preset_dropdown.value == "custom"
    assert editor.output_view.value != png_before


def test_choosing_a_preset_in_the_dropdown_fills_the_boxes() -> None:
    editor = KernelEditor(IMAGE, preset="identity")
    editor.preset_dropdown.value = "sobel_x"
    assert [box.value for box in editor.inputs] == PRESETS["sobel_x"].flatten().tolist()
    torch.testing.assert_close(editor.output, _reference(IMAGE, PRESETS["sobel_x"]))


def test_set_kernel_recognises_a_preset_and_rejects_bad_shapes() -> None:
    editor = KernelEditor(IMAGE)
    editor.set_kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert editor.preset_dropdown.value == "custom"  # the unnormalised Gaussian is no preset
    editor.set_kernel(PRESETS["gaussian"].tolist())
    assert editor.preset_dropdown.value == "gaussian"
    with pytest.raises(ValueError, match="3x3"):
        editor.set_kernel(torch.zeros(2, 2))
    with pytest.raises(KeyError, match="sobel_x"):
        editor.set_preset("prewitt")


def test_colour_image_is_converted_to_gray() -> None:
    rgb = torch.rand(3, 6, 6, generator=torch.Generator().manual_seed(1))
    editor = KernelEditor(rgb, preset="identity")
    assert editor.image.shape == (1, 6, 6)


def test_kernel_editor_figure_shows_input_kernel_output() -> None:
    editor = KernelEditor(IMAGE, preset="sharpen")
    fig = editor.figure()
    assert len(fig.axes) == 3
    assert fig.axes[1].get_title() == "kernel (sharpen)"
    assert [t.get_text() for t in fig.axes[1].texts] == [
        "0",
        "-1",
        "0",
        "-1",
        "5",
        "-1",
        "0",
        "-1",
        "0",
    ]


def _torch_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    x = torch.zeros(1, 1, size, size)
    w = torch.zeros(1, 1, kernel, kernel)
    return F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1]


def test_window_explorer_slide_examples() -> None:
    explorer = WindowExplorer(size=7, kernel=3)
    assert explorer.output_size == 5
    explorer.sliders["padding"].value = 1  # as a reader dragging the slider
    assert explorer.output_size == 7
    assert explorer.label.value.endswith("= 7")
    explorer.set(padding=0, stride=2)
    assert explorer.output_size == 3
    explorer.set(stride=3)
    assert explorer.output_size == 2
    assert "⌊(7 + 2·0 − 1·(3−1) − 1) / 3⌋ + 1 = ⌊4/3⌋ + 1 = 2" in explorer.label.value


def test_window_explorer_matches_torch_on_every_setting() -> None:
    explorer = WindowExplorer()
    # Drag the sliders without redrawing after each one (a redraw renders a PNG); the output
    # size is read from the slider values, which is what this test is about.
    explorer._updating = True
    checked = 0
    for size, kernel, stride, padding, dilation in itertools.product(
        range(1, 10), range(1, 6), range(1, 4), range(0, 3), range(1, 4)
    ):
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue
        settings = {"size": size, "kernel": kernel, "stride": stride, "padding": padding}
        for name, value in {**settings, "dilation": dilation}.items():
            explorer.sliders[name].value = value
        assert explorer.output_size == _torch_output_size(size, kernel, stride, padding, dilation)
        checked += 1
    assert checked > 500


def test_taps_follow_stride_and_dilation() -> None:
    explorer = WindowExplorer(size=7, kernel=3, stride=2, padding=1, dilation=2)
    assert explorer.output_size == 3
    taps = explorer.taps(1, 2)
    assert taps[0] == (2, 4) and taps[-1] == (6, 8)
    assert len(taps) == 9
    with pytest.raises(ValueError, match="outside"):
        explorer.taps(3, 0)


def test_output_cell_sliders_follow_the_output_size() -> None:
    explorer = WindowExplorer(size=7, kernel=3)
    explorer.set(row=4, col=4)
    explorer.sliders["stride"].value = 3  # output shrinks to 2x2
    assert explorer.sliders["row"].max == 1 and explorer.sliders["row"].value == 1
    explorer.set(kernel=7, dilation=3)  # nothing fits
    assert explorer.output_size == 0
    assert "no window fits" in explorer.label.value
    assert explorer.figure().axes[1].get_title() == "output 0x0"


def test_window_explorer_redraws_and_validates() -> None:
    explorer = WindowExplorer()
    before = explorer.view.value
    explorer.set(dilation=2, row=1, col=0)
    assert explorer.view.value != before
    fig = explorer.figure()
    assert fig.axes[1].get_title() == "output 3x3"
    assert "D=2" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="stride"):
        explorer.set(stride=0)
    with pytest.raises(ValueError, match="row"):
        explorer.set(row=5)
    with pytest.raises(KeyError, match="groups"):
        explorer.set(groups=2)


def test_display_mapping_keeps_brightness_and_centres_signed_responses() -> None:
    image = torch.rand(1, 20, 20, generator=torch.Generator().manual_seed(2))
    doubled = 2 * PRESETS["identity"]  # sums to 2: divided by the sum, the photo comes back
    torch.testing.assert_close(filter_response_for_display(2 * image, doubled), image)
    signed = torch.linspace(-1, 1, 400).view(1, 20, 20)
    shown = filter_response_for_display(signed, PRESETS["laplacian"])
    assert 0.0 <= float(shown.min()) and float(shown.max()) <= 1.0
    assert float(shown[0, 0, 0]) == 0.0 and float(shown[0, -1, -1]) == 1.0
    middle = filter_response_for_display(torch.zeros(1, 3, 3), PRESETS["edge"])
    assert torch.equal(middle, torch.full((1, 3, 3), 0.5))
