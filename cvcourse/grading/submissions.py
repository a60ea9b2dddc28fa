"""Build submissions from the release: for tests, the demo class and the adversarial suite.

A submission is the released notebook with every solution cell filled with the instructor's
solution (markers removed), except the cells given in ``cells``; ``edit`` may then change the
notebook freely (delete a test cell, add a cell, ...), and ``raw_text`` writes a file as-is.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from cvcourse.grading.course import Course, CourseError

_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def solution_text(source: str) -> str:
    """A source solution cell without its solution markers (what a perfect student writes)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in _MARKERS)


def solution_cells(nb: NotebookNode) -> dict[str, str]:
    """grade_id -> source of every solution cell of a notebook."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def build_submission(
    course_root: Path | str,
    assignment: str,
    student: str,
    cells: dict[str, str] | None = None,
    edit: Callable[[NotebookNode], None] | None = None,
    raw_text: str | None = None,
) -> Path:
    """Write ``submitted/<student>/<assignment>/<notebook>.ipynb`` and return its path.

    Args:
        course_root: the course root (released already: reads ``release/<assignment>/``).
        assignment: assignment id.
        student: student id (a folder name).
        cells: solution grade_id -> full replacement source; other solution cells get the
            instructor's solution. Unknown grade_ids raise ``KeyError``.
        edit: called with the notebook before it is written, to change it further.
        raw_text: written verbatim instead of a notebook (e.g. a corrupt file).
    """
    course = Course.open(course_root)
    release_dir = course.release / assignment
    released = sorted(release_dir.glob("*.ipynb"))
    if not released:
        raise CourseError(release_dir, "no released notebook (run `cvcourse release` first)")
    out_dir = course.submitted / student / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = dict(cells or {})
    paths = []
    for release_path in released:
        out_path = out_dir / release_path.name
        paths.append(out_path)
        if raw_text is not None:
            out_path.write_text(raw_text)
            continue
        nb = nbformat.read(release_path, as_version=4)
        source = solution_cells(nbformat.read(course.source / assignment / release_path.name, 4))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                continue
            if grade_id in wanted:
                cell.source = wanted.pop(grade_id)
            elif grade_id in source:
                cell.source = solution_text(source[grade_id])
        if edit is not None:
            edit(nb)
        nbformat.write(nb, out_path)
    if wanted:
        raise KeyError(f"cells: unknown solution cells {sorted(wanted)} in {assignment}")
    return paths[0]


@dataclass(frozen=True)
class CatalogueEntry:
    """A mistake or an alternative solution from ``tests/assignments/<assignment>/<kind>/``.

    Attributes:
        id: the file's stem.
        doc: the module docstring (what the mistake is).
        names: substring that the reason of at least one lost cell must contain (mistakes).
        loses: grade_ids of the test cells that must fail ([] for alternatives).
        cells: solution grade_id -> replacement source.
    """

    id: str
    doc: str
    names: str
    loses: list[str]
    cells: dict[str, str]


def load_catalogue(directory: Path | str) -> list[CatalogueEntry]:
    """Read every ``*.py`` of a catalogue folder with ``ast`` (never executed), sorted by id."""
    entries = []
    for path in sorted(Path(directory).glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        constants: dict[str, object] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    constants[target.id] = ast.literal_eval(node.value)
        if "CELLS" not in constants:
            raise ValueError(f"{path}: no CELLS constant")
        entries.append(
            CatalogueEntry(
                id=path.stem,
                doc=ast.get_docstring(tree) or "",
                names=str(constants.get("NAMES", "")),
                loses=list(constants.get("LOSES", [])),  # type: ignore[call-overload]
                cells=dict(constants["CELLS"]),  # type: ignore[call-overload]
            )
        )
    return entries
