"""cvcourse.images: every bundled photo loads offline as float32 [C,H,W] in [0,1]."""

from __future__ import annotations

import socket

import pytest
import torch

from cvcourse import images


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails, so a loader that downloads is caught."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cvcourse.images tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_names_are_sorted_and_include_the_chapter_photos() -> None:
    listed = images.names()
    assert listed == sorted(listed)
    for name in ("camera", "astronaut", "coins", "coffee", "chelsea", "grace_hopper"):
        assert name in listed


@pytest.mark.parametrize("name", images.names())
def test_every_name_loads_offline_as_float_image(name: str, no_network: None) -> None:
    image = images.load(name, size=32)
    assert image.dtype == torch.float32
    assert image.ndim == 3 and image.shape[0] in (1, 3)
    assert min(image.shape[1:]) == 32
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    assert float(image.std()) > 0.01, "a real photo is not a flat image"
    assert images.describe(name)


def test_original_size_and_range() -> None:
    camera = images.load("camera")
    assert camera.shape == (1, 512, 512)
    assert float(camera.min()) == 0.0 and float(camera.max()) == 1.0
    astronaut = images.load("astronaut")
    assert astronaut.shape == (3, 512, 512)


def test_size_keeps_aspect_ratio() -> None:
    coffee = images.load("coffee")  # 400x600
    small = images.load("coffee", size=100)
    assert coffee.shape == (3, 400, 600)
    assert small.shape == (3, 100, 150)


def test_gray_uses_luma_weights() -> None:
    rgb = images.load("astronaut", size=16)
    gray = images.load("astronaut", size=16, gray=True)
    assert gray.shape == (1, 16, 16)
    expected = 0.2989 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    torch.testing.assert_close(gray[0], expected.clamp(0, 1), atol=1e-5, rtol=0)
    # gray photos stay one channel either way
    assert images.load("camera", size=8, gray=True).shape == images.load("camera", size=8).shape


def test_returned_tensor_is_a_copy() -> None:
    first = images.load("coins")
    first.zero_()
    assert float(images.load("coins").max()) > 0.5


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(KeyError) as info:
        images.load("lena")
    message = str(info.value)
    assert "lena" in message
    for name in images.names():
        assert name in message


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_size_is_rejected(size: object) -> None:
    with pytest.raises(ValueError, match="size"):
        images.load("camera", size=size)  # type: ignore[arg-type]
