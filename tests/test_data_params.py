"""Bad parameters raise ValueError naming the parameter and what is allowed."""

from __future__ import annotations

import pytest

from cvcourse.data import Shapes, collate_detection, digits


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        (
            {"size": 8, "min_size": 10},
            ["size", "min_size"],
        ),  # image smaller than the smallest object
        ({"size": 64, "min_size": 70, "max_size": 80}, ["size", "min_size"]),
        ({"size": 2}, ["size", ">= 4"]),
        ({"shapes": []}, ["shapes", "circle"]),  # no classes
        ({"shapes": ["circle", "hexagon"]}, ["shapes", "hexagon", "triangle"]),
        ({"shapes": ["circle", "circle"]}, ["shapes", "repeat"]),
        ({"colors": ["red", "teal"]}, ["colors", "teal", "blue"]),
        ({"n": -1}, ["n", ">= 0"]),
        ({"min_objects": -1}, ["min_objects", "[0, "]),
        ({"max_objects": -2}, ["max_objects"]),
        ({"min_objects": 3, "max_objects": 2}, ["max_objects", "[3, "]),
        ({"max_objects": 1000}, ["max_objects", "32"]),
        ({"min_objects": 30, "max_objects": 30, "min_size": 20}, ["min_objects", "fit"]),
        ({"min_size": 2}, ["min_size", ">= 4"]),
        ({"min_size": 20, "max_size": 10}, ["max_size", "[min_size, size]"]),
        ({"max_size": 100}, ["max_size", "[min_size, size]"]),
        ({"background": "checkerboard"}, ["background", "plain", "mixed"]),
        ({"min_visible": 0.0}, ["min_visible", "(0, 1]"]),
        ({"min_visible": 1.5}, ["min_visible", "(0, 1]"]),
        ({"split": "dev"}, ["split", "train", "val", "test"]),
        ({"size": 64.0}, ["size", "integer"]),
        ({"seed": "zero"}, ["seed", "integer"]),
    ],
)
def test_bad_shapes_parameters_raise_value_error_naming_them(
    kwargs: dict, names: list[str]
) -> None:
    with pytest.raises(ValueError) as error:
        Shapes(**kwargs)
    for name in names:
        assert name in str(error.value), (name, str(error.value))


def test_good_edge_parameters_are_accepted() -> None:
    assert len(Shapes(n=0)) == 0
    Shapes(n=1, size=4, min_size=4, max_size=4)[0]
    Shapes(n=1, min_objects=0, max_objects=0)[0]
    Shapes(n=1, shapes="circle")[0]


def test_index_errors() -> None:
    ds = Shapes(n=3)
    with pytest.raises(IndexError):
        ds[3]
    with pytest.raises(IndexError):
        ds[-4]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"size": 7}, "size"), ({"size": 65}, "size"), ({"split": "train"}, "split")],
)
def test_bad_digits_parameters(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        digits(**kwargs)


def test_collating_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="samples"):
        collate_detection([])
