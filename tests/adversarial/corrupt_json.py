"""Attack: a notebook that is not valid JSON (cut in the middle): reported, not graded, and the
run goes on."""

EXPECTED = "skipped"


def raw(text: str) -> bytes:
    return text[: len(text) // 2].encode("utf-8")
