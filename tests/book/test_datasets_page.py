"""The numbers of the page "The datasets of this course" match the package that produced them."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits

from cvcourse.data import Shapes, Vocabulary, digits
from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "datasets"


def value(name: str):  # type: ignore[no-untyped-def]
    return glued_value(CHAPTER, name)


def test_class_balance_is_the_training_split_of_the_page() -> None:
    train = Shapes(n=1000, size=64, split="train", seed=0, background="mixed", max_objects=4)
    counts = train.class_counts()
    assert value("n_train") == 1000
    assert value("class_counts") == dict(zip(train.classes[1:], counts[1:].tolist(), strict=True))
    assert value("n_objects") == int(counts.sum())
    per_image = torch.bincount(torch.tensor([len(train[i]["labels"]) for i in range(len(train))]))
    assert value("objects_per_image") == {k: int(v) for k, v in enumerate(per_image.tolist()) if v}
    assert value("classes") == train.classes
    assert value("foreground_percent") + value("background_percent") == pytest.approx(100.0)


def test_determinism_vocabulary_coco_and_digits_numbers() -> None:
    assert value("identical_reversed") is True
    assert value("vocab_size") == len(Vocabulary.for_shapes())
    assert value("vocab_words") == Vocabulary.for_shapes().itos
    val = Shapes(n=50, split="val", seed=0)
    assert value("coco_images") == 50
    assert value("coco_annotations") == sum(len(val[i]["labels"]) for i in range(50))
    train_x, _, test_x, _ = digits(split="test")
    fit_x, _, val_x, _ = digits(split="val")
    assert (value("digits_train"), value("digits_test")) == (len(train_x), len(test_x))
    assert (value("digits_fit"), value("digits_val")) == (len(fit_x), len(val_x))
    assert value("digits_total") == len(load_digits().target)


def test_documented_defaults() -> None:
    config = Shapes().config
    assert (value("min_size"), value("max_size")) == (10, 28) == config.size_range
    assert value("min_visible_percent") == round(100 * config.min_visible)
