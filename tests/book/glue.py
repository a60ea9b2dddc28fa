"""Read the values a chapter glued (``myst_nb.glue``) from its executed notebook.

Tests assert the worked numbers a reader sees, so they read them from the chapter's own execution:
``_build/jupyter_execute/book/<chapter>.ipynb`` when the book build is newer than the chapter,
otherwise the chapter is executed here (jupytext + nbclient) into a temporary notebook.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


def _executed_notebook(chapter: str) -> nbformat.NotebookNode:
    source = ROOT / "book" / f"{chapter}.md"
    if not source.exists():
        raise FileNotFoundError(f"no chapter {source}")
    built = ROOT / "_build" / "jupyter_execute" / "book" / f"{chapter}.ipynb"
    if built.exists() and built.stat().st_mtime >= source.stat().st_mtime:
        return nbformat.read(built, as_version=4)
    nb = jupytext.read(source)
    resources = {"metadata": {"path": str(source.parent)}}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources).execute()
    return nb


@functools.cache
def glued(chapter: str) -> dict[str, str]:
    """Map glue name -> its ``text/plain`` representation, for every value ``chapter`` glued."""
    values: dict[str, str] = {}
    for cell in _executed_notebook(chapter).cells:
        for output in cell.get("outputs", []):
            # glue(..., display=False) stores the value under a prefixed mime type
            # ("application/papermill.record/text/plain"); the prefix is in the metadata.
            record = output.get("metadata", {}).get("scrapbook", {})
            if record.get("name") is not None:
                mime = record.get("mime_prefix", "") + "text/plain"
                values[record["name"]] = output["data"][mime]
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
