"""Captions for Shapes scenes: a tiny grammar, its parser, a tokenizer and a vocabulary.

The grammar (objects are mentioned in depth order, back to front, two per clause)::

    caption  := clause (" and " clause)*  |  "no shapes"
    clause   := object | object " " relation " " object
    object   := "a " size " " colour " " shape          e.g. "a small red circle"
    relation := "left of" | "right of" | "above" | "below"

so a scene with objects 0, 1, 2 reads "<0> <rel> <1> and <2>". The relation compares the centres of
the two objects' boxes: along x when they are further apart horizontally than vertically ("left of",
"right of"), along y otherwise ("above", "below"; y grows downwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from .raster import SHAPE_NAMES

SIZE_NAMES: tuple[str, ...] = ("small", "medium", "large")
COLOR_NAMES: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "white")
RELATIONS: tuple[str, ...] = ("left of", "right of", "above", "below")
EMPTY_CAPTION = "no shapes"

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, BOS, EOS, UNK)


@dataclass(frozen=True)
class Mention:
    """One object as a caption names it."""

    size: str
    color: str
    shape: str

    def __str__(self) -> str:
        return f"a {self.size} {self.color} {self.shape}"


def relation(first_center: Sequence[float], second_center: Sequence[float]) -> str:
    """Where the first object is relative to the second: one of :data:`RELATIONS`.

    Args:
        first_center, second_center: ``(x, y)`` in pixels, y pointing down.
    """
    dx = float(second_center[0]) - float(first_center[0])
    dy = float(second_center[1]) - float(first_center[1])
    if abs(dx) >= abs(dy):
        return "left of" if dx > 0 else "right of"
    return "above" if dy > 0 else "below"


def format_caption(mentions: Sequence[Mention], centers: Tensor) -> str:
    """The caption of a scene (the inverse of :func:`parse_caption`).

    Args:
        mentions (Sequence[Mention]): the K objects in depth order.
        centers (Tensor[K, 2]): their ``(x, y)`` centres in pixels.
    """
    if len(mentions) != len(centers):
        raise ValueError(f"got {len(mentions)} mentions but {len(centers)} centers")
    if not mentions:
        return EMPTY_CAPTION
    clauses = []
    for start in range(0, len(mentions), 2):
        if start + 1 == len(mentions):
            clauses.append(str(mentions[start]))
        else:
            rel = relation(centers[start].tolist(), centers[start + 1].tolist())
            clauses.append(f"{mentions[start]} {rel} {mentions[start + 1]}")
    return " and ".join(clauses)


def tokenize(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: ``"A red circle."`` -> ``["a", "red", "circle"]``."""
    cleaned = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text.lower())
    return cleaned.split()


def parse_caption(text: str) -> list[tuple[Mention, str | None, Mention | None]]:
    """Invert :func:`format_caption`: the clauses of a caption as ``(object, relation, object)``.

    A clause with a single object gives ``(object, None, None)``. Raises ``ValueError`` on a caption
    outside the grammar (useful to score generated captions).
    """
    words = tokenize(text)
    if words == tokenize(EMPTY_CAPTION):
        return []
    clauses: list[tuple[Mention, str | None, Mention | None]] = []
    position = 0

    def mention() -> Mention:
        nonlocal position
        chunk = words[position : position + 4]
        if (
            len(chunk) != 4
            or chunk[0] != "a"
            or chunk[1] not in SIZE_NAMES
            or chunk[2] not in COLOR_NAMES
            or chunk[3] not in SHAPE_NAMES
        ):
            raise ValueError(f"expected 'a <size> <colour> <shape>' at word {position} of {text!r}")
        position += 4
        return Mention(chunk[1], chunk[2], chunk[3])

    while True:
        first = mention()
        rel = None
        for candidate in RELATIONS:
            parts = candidate.split()
            if words[position : position + len(parts)] == parts:
                rel = candidate
                position += len(parts)
                break
        second = mention() if rel is not None else None
        clauses.append((first, rel, second))
        if position == len(words):
            return clauses
        if words[position] != "and":
            raise ValueError(f"expected 'and' at word {position} of {text!r}")
        position += 1


class Vocabulary:
    """Maps caption words to integer ids and back. Ids 0..3 are ``<pad> <bos> <eos> <unk>``.

    >>> vocab = Vocabulary.for_shapes()
    >>> vocab.decode(vocab.encode("a small red circle"))
    'a small red circle'
    """

    def __init__(self, words: Sequence[str]) -> None:
        self.itos: list[str] = list(SPECIAL_TOKENS) + [
            w for w in dict.fromkeys(words) if w not in SPECIAL_TOKENS
        ]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    @classmethod
    def for_shapes(cls) -> Vocabulary:
        """Every word the Shapes grammar can produce, in a fixed order."""
        words = ["a", "and", *SIZE_NAMES, *COLOR_NAMES, *SHAPE_NAMES]
        words += [w for rel in RELATIONS for w in rel.split()]
        words += tokenize(EMPTY_CAPTION)
        return cls(words)

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad_id(self) -> int:
        return self.stoi[PAD]

    @property
    def bos_id(self) -> int:
        return self.stoi[BOS]

    @property
    def eos_id(self) -> int:
        return self.stoi[EOS]

    @property
    def unk_id(self) -> int:
        return self.stoi[UNK]

    def encode(self, text: str, add_bos_eos: bool = True) -> Tensor:
        """Token ids of a caption.

        Returns:
            Tensor[L] int64: ``<bos> w1 ... wn <eos>`` (or only the words); unknown words map
            to ``<unk>``.
        """
        ids = [self.stoi.get(w, self.unk_id) for w in tokenize(text)]
        if add_bos_eos:
            ids = [self.bos_id, *ids, self.eos_id]
        return torch.tensor(ids, dtype=torch.int64)

    def decode(self, ids: Tensor | Sequence[int]) -> str:
        """The words of ``ids`` up to the first ``<eos>``, skipping ``<bos>`` and ``<pad>``."""
        words = []
        for i in torch.as_tensor(ids).tolist():
            if i == self.eos_id:
                break
            if i in (self.bos_id, self.pad_id):
                continue
            words.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return " ".join(words)
