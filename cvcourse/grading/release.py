"""``cvcourse release``: nbgrader generate_assignment, then prove the release leaks nothing."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.nbgrader_run import nbgrader_api

_REGIONS = {
    "solution": ("BEGIN SOLUTION", "END SOLUTION"),
    "hidden test": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
}
_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN", "END HIDDEN")


def marked_regions(source: str, kind: str) -> list[str]:
    """The lines between the ``kind`` markers of a cell (``kind``: "solution" or "hidden test")."""
    begin, end = _REGIONS[kind]
    regions, inside, current = [], False, []
    for line in source.splitlines():
        if begin in line:
            inside, current = True, []
        elif end in line and inside:
            inside = False
            regions.append("\n".join(current))
        elif inside:
            current.append(line)
    return regions


def _meaningful_lines(region: str) -> list[str]:
    # Blank lines, comments and bare punctuation also occur in stubs; everything else must not.
    lines = (line.strip() for line in region.splitlines())
    return [line for line in lines if line and not line.startswith("#") and re.search(r"\w", line)]


def hidden_texts(source_nb: NotebookNode) -> list[str]:
    """Every meaningful line of solution and hidden test regions of a source notebook."""
    texts = []
    for cell in source_nb.cells:
        for kind in _REGIONS:
            for region in marked_regions(cell.source, kind):
                texts.extend(_meaningful_lines(region))
    return texts


def leaks(source_nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """Lines of solutions or hidden tests (or their markers) found in a released notebook."""
    released = "\n".join(cell.source for cell in release_nb.cells)
    released_lines = {line.strip() for line in released.splitlines()}
    found = [f"marker {m!r}" for m in _MARKERS if m in released]
    found += [f"line {line!r}" for line in hidden_texts(source_nb) if line in released_lines]
    return found


def release(course: Course, assignment: str) -> list[Path]:
    """Generate ``release/<assignment>/`` with nbgrader and verify it; returns the notebooks."""
    course.check_assignment(assignment)
    course.check_gradebook()
    result = nbgrader_api(course).generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        last = (result.get("error") or result.get("log") or "").strip().splitlines()
        raise CourseError(
            assignment, f"nbgrader generate_assignment failed: {last[-1] if last else '?'}"
        )
    released = []
    for source_path in course.source_notebooks(assignment):
        release_path = course.release / assignment / source_path.name
        if not release_path.is_file():
            raise CourseError(release_path, "missing after generate_assignment")
        found = leaks(nbformat.read(source_path, 4), nbformat.read(release_path, 4))
        if found:
            raise CourseError(release_path, f"the release leaks {len(found)} item(s): {found[0]}")
        released.append(release_path)
    return released
