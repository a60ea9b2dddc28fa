"""Read the values a chapter glued (``myst_nb.glue``) from its own execution.

Tests assert the worked numbers a reader sees, so they read them from the chapter's execution:
from the book build when it is newer than the chapter (myst-nb moves a page's glued values out of
its executed notebook into ``_build/jupyter_execute/book/<chapter>.glue.json``), otherwise by
executing the chapter here (jupytext + nbclient) and reading the glue outputs of its cells.

The build counts as current only if it was made with today's ``cvcourse`` too: the hash of the
package's sources stored by the last successful build (``_build/.cvcourse_hash``, written by the
``cvcourse.book_cache`` extension) must equal the hash of the sources now. Otherwise a change in
the package would leave the tests reading numbers the package no longer produces.
"""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jupytext
from nbclient import NotebookClient

from cvcourse.book_cache import HASH_FILE_NAME, source_hash, stored_hash

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
BUILT = BUILD / "jupyter_execute" / "book"


def built_glue_is_current(built: Path, source: Path, hash_file: Path, current_hash: str) -> bool:
    """True if ``built`` (a glue.json) is newer than ``source`` and was built with this package."""
    if not built.exists() or built.stat().st_mtime < source.stat().st_mtime:
        return False
    return stored_hash(hash_file) == current_hash


def _glue_outputs(chapter: str) -> Iterable[dict[str, Any]]:
    """The glue outputs of ``chapter``: dicts with ``metadata.scrapbook`` and ``data``."""
    source = ROOT / "book" / f"{chapter}.md"
    if not source.exists():
        raise FileNotFoundError(f"no chapter {source}")
    built = BUILT / f"{chapter}.glue.json"
    if built_glue_is_current(built, source, BUILD / HASH_FILE_NAME, source_hash(ROOT / "cvcourse")):
        return json.loads(built.read_text()).values()
    nb = jupytext.read(source)
    resources = {"metadata": {"path": str(source.parent)}}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources).execute()
    return [output for cell in nb.cells for output in cell.get("outputs", [])]


@functools.cache
def glued(chapter: str) -> dict[str, str]:
    """Map glue name -> its ``text/plain`` representation, for every value ``chapter`` glued."""
    values: dict[str, str] = {}
    for output in _glue_outputs(chapter):
        record = output.get("metadata", {}).get("scrapbook", {})
        if record.get("name") is None:
            continue
        # In a notebook, glue(..., display=False) stores the value under a prefixed mime type
        # ("application/papermill.record/text/plain"); the build's glue.json has it unprefixed.
        data = output["data"]
        prefixed = record.get("mime_prefix", "") + "text/plain"
        values[record["name"]] = data[prefixed] if prefixed in data else data["text/plain"]
    return values


def glued_value(chapter: str, name: str):
    """The glued value ``name`` of ``chapter``, parsed as a Python literal when it is one."""
    values = glued(chapter)
    if name not in values:
        raise KeyError(f"chapter {chapter!r} glues no {name!r}; it glues {sorted(values)}")
    text = values[name]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip("'\"")
