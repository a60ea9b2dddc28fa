"""``cvcourse release``: nbgrader generate_assignment, then prove the release leaks nothing."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from cvcourse.grading import deadlines
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


def _without_regions(source: str) -> str:
    kept, inside = [], False
    for line in source.splitlines():
        if any(begin in line for begin, _ in _REGIONS.values()):
            inside = True
        elif any(end in line for _, end in _REGIONS.values()):
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def hidden_texts(source_nb: NotebookNode, kinds: tuple[str, ...] = tuple(_REGIONS)) -> list[str]:
    """The lines of solution and hidden test regions that are secret: meaningful ones that do
    not also occur in the public part of the notebook (or in nbgrader's stub)."""
    public = {
        line.strip()
        for cell in source_nb.cells
        for line in _without_regions(cell.source).splitlines()
    }
    public |= {"raise NotImplementedError()", "# YOUR CODE HERE"}
    texts = []
    for cell in source_nb.cells:
        for kind in kinds:
            for region in marked_regions(cell.source, kind):
                texts.extend(line for line in _meaningful_lines(region) if line not in public)
    return texts


def leaks(source_nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """Lines of solutions or hidden tests (or their markers) found in a released notebook."""
    released = "\n".join(cell.source for cell in release_nb.cells)
    released_lines = {line.strip() for line in released.splitlines()}
    found = [f"marker {m!r}" for m in _MARKERS if m in released]
    found += [f"line {line!r}" for line in hidden_texts(source_nb) if line in released_lines]
    return found


def nbgrader_failure(result: dict[str, str]) -> str:
    """The most telling line of a failed nbgrader run's log: its last exception that is not
    nbgrader's generic "see the above traceback"."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [line.strip() for line in text.splitlines()]
    errors = [
        line
        for line in lines
        if re.match(r"^[\w.]*(Error|Exception): ", line) and "NbGraderException" not in line
    ]
    return errors[-1] if errors else (lines[-1] if lines else "unknown error")


def release(course: Course, assignment: str) -> list[Path]:
    """Generate ``release/<assignment>/`` with nbgrader and verify it; returns the notebooks."""
    course.check_assignment(assignment)
    course.check_gradebook()
    deadlines.load(course)  # a bad due date in the config stops the release before it starts
    result = nbgrader_api(course).generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(
            assignment, f"nbgrader generate_assignment failed: {nbgrader_failure(result)}"
        )
    deadlines.sync(course, assignment, [])  # the due date of c.Deadlines.due, into the gradebook
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
