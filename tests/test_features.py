"""cvcourse.features: pixel, colour-histogram, HOG and bag-of-visual-words features."""

from __future__ import annotations

import pytest
import torch

from cvcourse.features import (
    BagOfVisualWords,
    color_histogram,
    dense_patches,
    hog_features,
    hog_image,
    hog_length,
    pixel_features,
    to_gray,
)


def test_pixel_features_flatten_each_image() -> None:
    images = torch.rand(5, 3, 64, 64)
    features = pixel_features(images)
    assert features.shape == (5, 12288)
    assert torch.equal(features[2], images[2].flatten())
    with pytest.raises(ValueError, match="N, C, H, W"):
        pixel_features(images[0])


def test_color_histogram_counts_8bit_levels_per_channel() -> None:
    image = torch.zeros(3, 2, 2)
    image[0] = 1.0  # red channel at level 255 everywhere
    image[1, 0, 0] = 128 / 255  # one green pixel at level 128, three at 0
    histogram = color_histogram(image)
    assert histogram.shape == (768,) and histogram.dtype == torch.int64
    assert histogram[255] == 4 and histogram[:255].sum() == 0  # red
    assert histogram[256 + 128] == 1 and histogram[256 + 0] == 3  # green
    assert histogram[512] == 4  # blue: all zero
    assert histogram.sum() == 3 * 4  # every pixel counted once per channel


def test_color_histogram_bins_group_levels_and_normalize() -> None:
    image = torch.tensor([[[0.0, 63 / 255, 64 / 255, 1.0]]])  # gray, levels 0, 63, 64, 255
    assert color_histogram(image, bins=4).tolist() == [2, 1, 0, 1]  # 0..63, 64..127, ..., 192..255
    assert color_histogram(image, bins=1).tolist() == [4]
    fractions = color_histogram(image, bins=4, normalize=True)
    assert fractions.dtype == torch.float32 and fractions.sum() == pytest.approx(1.0)
    # The same length for any image size.
    assert color_histogram(torch.rand(3, 7, 5), bins=16).shape == (48,)
    with pytest.raises(ValueError, match="bins"):
        color_histogram(image, bins=0)
    with pytest.raises(ValueError, match="C, H, W"):
        color_histogram(torch.rand(2, 4, 4))


def test_color_histogram_ignores_where_the_pixels_are() -> None:
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(3, 16, 16, generator=generator)
    shuffled = image.flatten(1)[:, torch.randperm(256, generator=generator)].reshape(3, 16, 16)
    assert torch.equal(color_histogram(shuffled), color_histogram(image))
    assert torch.equal(color_histogram(image.flip(-1)), color_histogram(image))


def test_to_gray_uses_bt601_weights() -> None:
    image = torch.zeros(3, 1, 1)
    image[1] = 1.0
    assert to_gray(image).shape == (1, 1, 1)
    assert float(to_gray(image)) == pytest.approx(0.587)
    gray = torch.rand(1, 4, 4)
    assert to_gray(gray) is gray


@pytest.mark.parametrize(
    ("height", "width", "orientations", "cell", "block", "expected"),
    [
        (8, 8, 9, 2, 2, 324),  # the digits: 4x4 cells, 3x3 blocks
        (16, 16, 9, 4, 2, 324),
        (128, 64, 9, 8, 2, 3780),  # Dalal and Triggs' pedestrian window
        (128, 128, 9, 8, 2, 8100),
        (30, 30, 6, 8, 1, 54),  # leftover border dropped: 3x3 cells
    ],
)
def test_hog_length_matches_skimage(height, width, orientations, cell, block, expected) -> None:
    assert hog_length(height, width, orientations, cell, block) == expected
    features = hog_features(torch.rand(2, 1, height, width), orientations, cell, block)
    assert features.shape == (2, expected) and features.dtype == torch.float32


def test_hog_length_rejects_images_too_small_for_a_block() -> None:
    with pytest.raises(ValueError, match="too few"):
        hog_length(8, 8, pixels_per_cell=8, cells_per_block=2)
    with pytest.raises(ValueError, match="too few"):
        hog_features(torch.rand(1, 1, 8, 8), pixels_per_cell=8)


def test_hog_sees_edge_orientation_and_ignores_brightness() -> None:
    vertical = torch.zeros(1, 32, 32)
    vertical[:, :, 16:] = 1.0  # a vertical edge: horizontal gradient
    horizontal = vertical.transpose(1, 2).contiguous()
    h_vertical = hog_features(vertical, orientations=4, pixels_per_cell=8, cells_per_block=1)
    h_horizontal = hog_features(horizontal, orientations=4, pixels_per_cell=8, cells_per_block=1)
    assert not torch.allclose(h_vertical, h_horizontal)
    # One 4-bin histogram per cell; a cell on the edge puts its weight in one bin, and the two
    # edges use different bins.
    cells_v, cells_h = h_vertical.view(16, 4), h_horizontal.view(16, 4)
    assert cells_v.sum(0).argmax() != cells_h.sum(0).argmax()
    # Brightness and contrast: 0.5 * I + 0.2 gives (almost) the same descriptor.
    image = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(hog_features(image), hog_features(0.5 * image + 0.2), atol=1e-3)
    # A colour image is described by its luminance.
    assert torch.allclose(hog_features(image), hog_features(to_gray(image)))


def test_hog_image_is_a_picture_in_unit_range() -> None:
    picture = hog_image(torch.rand(3, 32, 48), pixels_per_cell=8)
    assert picture.shape == (32, 48)
    assert float(picture.min()) >= 0 and float(picture.max()) == pytest.approx(1.0)
    assert float(hog_image(torch.zeros(1, 16, 16), pixels_per_cell=4).max()) == 0


def test_dense_patches_grid_and_standardization() -> None:
    image = torch.arange(3 * 10 * 12, dtype=torch.float32).view(3, 10, 12)
    raw = dense_patches(image, size=4, stride=2, standardize=False)
    assert raw.shape == (4 * 5, 3 * 16)  # ((10-4)//2+1) x ((12-4)//2+1) positions
    assert torch.equal(raw[1], image[:, 0:4, 2:6].flatten())  # second position: one step right
    standardized = dense_patches(image, size=4, stride=2)
    assert torch.allclose(standardized.mean(1), torch.zeros(20), atol=1e-5)
    assert torch.allclose(dense_patches(3 * image + 1, 4, 2), standardized, atol=1e-3)
    with pytest.raises(ValueError, match="exceeds"):
        dense_patches(torch.rand(1, 3, 3), size=4)


def test_bag_of_visual_words_encodes_word_frequencies() -> None:
    # Two well separated kinds of descriptors: the codebook finds them.
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(50, 3, generator=generator) * 0.1 + torch.tensor([5.0, 0, 0])
    b = torch.randn(50, 3, generator=generator) * 0.1 - torch.tensor([5.0, 0, 0])
    bow = BagOfVisualWords(words=2, seed=0).fit([a, b])
    assert bow.codebook is not None and bow.codebook.shape == (2, 3)
    word_a, word_b = int(bow.assign(a[:1])), int(bow.assign(b[:1]))
    assert word_a != word_b
    mix = torch.cat([a[:30], b[:10]])
    histogram = bow.encode(mix)
    assert histogram[word_a] == pytest.approx(0.75) and histogram[word_b] == pytest.approx(0.25)
    # Order does not matter: a bag forgets where each descriptor was.
    assert torch.equal(bow.encode(mix.flip(0)), histogram)
    # Same seed, same codebook.
    assert torch.equal(BagOfVisualWords(2, seed=0).fit([a, b]).codebook, bow.codebook)


def test_bag_of_visual_words_checks_its_use() -> None:
    with pytest.raises(ValueError, match="positive"):
        BagOfVisualWords(words=0)
    with pytest.raises(RuntimeError, match="fit"):
        BagOfVisualWords(words=2).encode(torch.rand(3, 2))
    with pytest.raises(ValueError, match="cannot make"):
        BagOfVisualWords(words=5).fit(torch.rand(3, 2))
