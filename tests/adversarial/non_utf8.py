"""Attack: a notebook file that is not UTF-8 (a Latin-1 byte in it): reported, not graded, and
the run goes on."""

EXPECTED = "skipped"


def raw(text: str) -> bytes:
    """The file's bytes, from the JSON text of a correct submission."""
    return (
        text.replace('"cells": [', '"cells": [\n', 1)
        .encode("utf-8")
        .replace(b"box_convert", "box_convert_\xe9".encode("latin-1"), 1)
    )
