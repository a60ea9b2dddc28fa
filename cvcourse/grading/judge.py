"""Notebook side of judging: which cell is what, the static scan, and verdicts into the notebook.

The verdicts themselves are made by :mod:`cvcourse.grading.runner` (test cells run in the
grader's process against proxies of the student's functions). Here:

* :func:`is_test_cell`, :func:`is_solution_cell`, :func:`function_of` read nbgrader's metadata;
* :func:`scan_solutions` runs the static delegation scan on the student's cells (a second line of
  defence: the sandbox already makes the forbidden packages unimportable);
* :func:`apply_outcome` writes an :class:`~cvcourse.grading.protocol.Outcome` into the sanitized
  notebook so that nbgrader's ``SaveAutoGrades`` scores exactly the verdicts: a passed test cell
  has no output, a failed one a single ``CheckFailed`` error whose text is the reason (never a
  traceback, never hidden test source); the student's cells show what they printed and raised.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat import NotebookNode

from cvcourse.grading.protocol import Outcome
from cvcourse.grading.static_scan import findings_by_function

FAILED_ENAME = "CheckFailed"


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def is_test_cell(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("solution"))


def function_of(test_id: str, solutions: list[str]) -> str:
    """The graded function a test cell belongs to: ``test_box_iou_edges`` -> ``box_iou``."""
    matches = [
        name
        for name in solutions
        if test_id == f"test_{name}" or test_id.startswith(f"test_{name}_")
    ]
    return max(matches, key=len) if matches else test_id.removeprefix("test_")


def forbidden_calls(source: NotebookNode) -> dict[str, list[str]]:
    """Functions inside allowed packages that a graded function must not call: the instructor's
    notebook metadata ``cvcourse.forbidden_calls`` (grade_id -> dotted names), else none."""
    listed = source.metadata.get("cvcourse", {}).get("forbidden_calls", {})
    return {str(k): [str(n) for n in v] for k, v in dict(listed).items()}


def scan_solutions(
    nb: NotebookNode, solutions: list[str], forbidden: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Static delegation findings: solution grade_id -> reasons.

    Every solution cell and every code cell the student added is scanned. A cell's findings count
    against its own function and every graded function it (re)defines, assigns or imports, so a
    ``nms = torchvision.ops.nms`` in another function's cell or in an added cell is caught; a
    dynamic escape (``exec``, ``globals()``, ``__main__``...) counts against all of them.
    ``forbidden`` (see :func:`forbidden_calls`) adds, per function, names it must not reach.
    """
    cells = [
        (nbgrader_meta(cell).get("grade_id") if is_solution_cell(cell) else None, cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and (is_solution_cell(cell) or not nbgrader_meta(cell))
    ]
    return findings_by_function(cells, solutions, forbidden)


def apply_outcome(nb: NotebookNode, outcome: Outcome) -> NotebookNode:
    """Write the outcome's verdicts and cell runs into ``nb`` (in place; returned)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        if is_test_cell(cell):
            verdict = outcome.verdicts.get(nbgrader_meta(cell).get("grade_id", ""))
            if verdict is not None and not verdict.passed:
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error",
                        ename=FAILED_ENAME,
                        evalue=verdict.reason,
                        traceback=[verdict.reason],
                    )
                ]
            continue
        run = outcome.cells.get(index)
        if run is None:
            continue
        if run.printed:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=run.printed))
        if run.error:
            cell.outputs.append(
                nbformat.v4.new_output("error", ename="Error", evalue=run.error, traceback=[])
            )
    return nb
