"""Captions: consistent with the labels, colours, sizes and positions; vocabulary and collate."""

from __future__ import annotations

import pytest
import torch

from cvcourse.data import (
    COLOR_NAMES,
    SIZE_NAMES,
    Mention,
    Shapes,
    Vocabulary,
    collate_captioning,
    format_caption,
    parse_caption,
    tokenize,
)
from cvcourse.data.captions import relation


def test_captions_name_every_object_in_depth_order_with_true_relations() -> None:
    ds = Shapes(n=80, seed=9, min_objects=0, max_objects=5, background="mixed")
    seen_relations = set()
    for i in range(len(ds)):
        s = ds[i]
        clauses = parse_caption(s["caption"])
        mentions = [m for first, _, second in clauses for m in (first, second) if m is not None]
        expected = [
            Mention(SIZE_NAMES[size], COLOR_NAMES[color], ds.classes[label])
            for label, color, size in zip(
                s["labels"].tolist(), s["colors"].tolist(), s["sizes"].tolist(), strict=True
            )
        ]
        assert mentions == expected, s["caption"]
        centers = ((s["boxes"][:, :2] + s["boxes"][:, 2:]) / 2).tolist()
        k = 0
        for _, rel, second in clauses:
            if second is None:
                assert rel is None
                k += 1
                continue
            a, b = centers[k], centers[k + 1]
            dx, dy = b[0] - a[0], b[1] - a[1]
            # Check the words against the geometry directly, not through captions.relation.
            if rel == "left of":
                assert dx > 0 and abs(dx) >= abs(dy)
            elif rel == "right of":
                assert dx <= 0 and abs(dx) >= abs(dy)
            elif rel == "above":
                assert dy > 0 and abs(dy) > abs(dx)
            else:
                assert rel == "below" and dy <= 0 and abs(dy) > abs(dx)
            seen_relations.add(rel)
            k += 2
    assert seen_relations == {"left of", "right of", "above", "below"}


def test_size_words_follow_the_object_diameter() -> None:
    ds = Shapes(n=40, seed=1, min_size=10, max_size=28, max_objects=3)
    for i in range(len(ds)):
        for obj, size in zip(ds.scene(i).objects, ds[i]["sizes"].tolist(), strict=True):
            third = (2 * obj.radius - 10) / (28 - 10) * 3
            assert size == min(int(third), 2)


def test_format_caption_examples() -> None:
    a = Mention("small", "red", "circle")
    b = Mention("large", "blue", "square")
    c = Mention("medium", "green", "triangle")
    centers = torch.tensor([[10.0, 30.0], [50.0, 32.0], [30.0, 5.0]])
    assert format_caption([a, b], centers[:2]) == "a small red circle left of a large blue square"
    assert format_caption([a, b, c], centers) == (
        "a small red circle left of a large blue square and a medium green triangle"
    )
    assert (
        format_caption([b, c], centers[1:]) == "a large blue square below a medium green triangle"
    )
    assert format_caption([], torch.zeros(0, 2)) == "no shapes"
    assert relation((5, 5), (5, 9)) == "above"


@pytest.mark.parametrize(
    "bad",
    [
        "a red circle",  # no size
        "a small red circle near a large blue square",
        "a small red circle left of",
        "a small red circle a large blue square",
        "a tiny red circle",
    ],
)
def test_parse_rejects_captions_outside_the_grammar(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_caption(bad)


def test_vocabulary_covers_every_caption_and_round_trips() -> None:
    vocab = Vocabulary.for_shapes()
    assert vocab.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert len(set(vocab.itos)) == len(vocab)
    ds = Shapes(n=50, seed=0, min_objects=0, max_objects=5)
    for i in range(len(ds)):
        caption = ds[i]["caption"]
        ids = vocab.encode(caption)
        assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
        assert vocab.unk_id not in ids.tolist()
        assert vocab.decode(ids) == caption
    assert vocab.encode("a purple zebra", add_bos_eos=False).tolist()[-1] == vocab.unk_id
    assert tokenize("A small, red Circle.") == ["a", "small", "red", "circle"]


def test_collate_captioning_pads_with_bos_and_eos() -> None:
    ds = Shapes(n=6, size=32, seed=0, min_objects=1, max_objects=4)
    vocab = ds.vocab
    samples = [ds[i] for i in range(6)]
    images, tokens, lengths = collate_captioning(samples, vocab)
    assert images.shape == (6, 3, 32, 32) and tokens.dtype == torch.int64
    assert tokens.shape == (6, int(lengths.max()))
    for row, s in enumerate(samples):
        n = int(lengths[row])
        assert n == len(tokenize(s["caption"])) + 2
        assert tokens[row, 0] == vocab.bos_id and tokens[row, n - 1] == vocab.eos_id
        assert bool((tokens[row, n:] == vocab.pad_id).all())
        assert vocab.decode(tokens[row]) == s["caption"]


def test_one_public_describe() -> None:
    # cvcourse.images.describe describes a photo; the caption of a scene is format_caption.
    import cvcourse.data
    from cvcourse import images

    assert not hasattr(cvcourse.data, "describe")
    assert callable(images.describe) and callable(cvcourse.data.format_caption)
