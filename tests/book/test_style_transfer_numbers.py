"""The worked numbers of the style-transfer chapter, as the chapter glued them (CURRICULUM Ch 6)."""

from __future__ import annotations

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "style-transfer"


def value(name: str):
    return glued_value(CHAPTER, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gram_example", [[5, 11], [11, 25]]),
        ("gram_example_normalized", [[1.25, 2.75], [2.75, 6.25]]),
        ("gram_chw", 4),
        ("random_layers", ["rgb", "relu1", "relu2", "relu3", "relu4"]),
        ("vgg_relu4_2", [512, 16, 16]),
        ("transfer_images", 9),
        ("ex_gram", [[5, 2], [2, 2]]),
        ("ex_gram_normalized", [[0.8333, 0.3333], [0.3333, 0.3333]]),
        ("ex_factor_c64", "0.000977"),
        ("cin_train_steps", 1000),
    ],
)
def test_exact_values(name: str, expected) -> None:
    assert value(name) == expected


def test_the_pixel_gram_ignores_where_pixels_are() -> None:
    assert value("shuffle_rgb_gram_change") < 1e-6
    assert value("shuffle_relu2_gram_change") > 0.05  # a 3x3 filter sees neighbourhoods


def test_content_reconstruction_loses_detail_with_depth() -> None:
    errors = value("recon_pixel_error")
    assert errors["relu1"] < errors["relu3"] < errors["relu4"]
    assert errors["relu1"] < 0.02


def test_style_loss_falls_in_the_optimisation() -> None:
    drops = value("style_drop_all")
    assert list(drops) == ["0.01", "0.1", "1"]
    assert drops["0.01"] < drops["0.1"] < drops["1"]  # a larger style weight fits the style better
    assert value("style_drop_beta1") >= 100
    content = value("content_final_all")
    assert content["0.01"] < content["0.1"] < content["1"]  # ... and moves further from the content
    assert min(value("texture_factors").values()) >= 100


def test_feature_visualisation_and_deep_dream() -> None:
    assert value("digits_accuracy") >= 0.93
    assert value("vis_min_prob") >= 0.9
    assert all(gain > 1 for gain in value("dream_gain").values())


def test_cin_network() -> None:
    assert value("cin_file_mb") < 2
    assert min(value("cin_style_factors").values()) >= 5  # the unseen astronaut, stylised
    assert value("cin_ms") < 1000
    assert value("ex_mix_difference") > 0.005  # mixing parameters is not mixing outputs


def test_texture_exercise() -> None:
    assert value("ex_texture_ratio") >= 3


def test_chapter_within_budget() -> None:
    assert value("chapter_seconds") <= 120
