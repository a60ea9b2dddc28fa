"""nbgrader preprocessors of this course, named in ``assignments/nbgrader_config.py``.

* :class:`UseJudgedNotebook` takes the place of nbgrader's ``Execute`` in ``Autograde``: the
  notebook was already executed (in parallel, possibly sandboxed) and judged by
  ``cvcourse grade``; this step swaps in those judged outputs, so that nbgrader's own
  ``SaveAutoGrades`` records the scores and its bookkeeping (students, submissions, timestamps,
  late penalties) stays the system of record.
* :class:`RestoreCellFlags` runs before nbgrader's ``OverwriteCells``: it puts back the
  grade/solution/locked flags of every cell the gradebook knows, which ``OverwriteCells`` does not
  restore; a student who turned a test cell into an "answer" cell would otherwise make it raise
  and stop the whole run.
* :class:`RefuseUnsandboxed` takes the place of ``Execute`` in plain ``nbgrader autograde`` (and
  the formgrader's Autograde button, which runs the same code): nbgrader would run student code
  unsandboxed as the instructor, beside the tests; it refuses and points to ``cvcourse grade``.
* :class:`HideTestTracebacks` keeps feedback free of hidden test tracebacks, also for a plain
  ``nbgrader autograde`` run: an error in a test cell is shown as its one-line reason only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Unicode


class SubmissionChanged(RuntimeError):
    """The submission differs from the one that was executed and judged."""


def _fingerprint(nb: NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


class RestoreCellFlags(NbGraderPreprocessor):
    """Give every cell the gradebook knows its release flags back: grade, solution, locked.

    The cell's source, type and points are restored afterwards by nbgrader's ``OverwriteCells``;
    the flags must be right first, because they enter the checksum it verifies.
    """

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            for cell in nb.cells:
                if "nbgrader" in cell.metadata and not cell.metadata.nbgrader.get("grade_id"):
                    # DeduplicateIds empties a duplicate's metadata, which OverwriteCells then
                    # reads as a cell of nbgrader's without an id (KeyError): make it plain.
                    del cell.metadata["nbgrader"]
                    continue
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id is None:
                    continue
                try:
                    source = gradebook.find_source_cell(
                        grade_id, info["notebook"], info["assignment"]
                    )
                except MissingEntry:
                    continue  # OverwriteCells drops the unknown id
                flags = cell.metadata["nbgrader"]
                flags["grade"] = _known(gradebook.find_grade_cell, grade_id, info)
                flags["solution"] = _known(gradebook.find_solution_cell, grade_id, info)
                flags["locked"] = bool(source.locked)
                if flags["grade"] and "points" not in flags:
                    flags["points"] = 0  # the real points come back in OverwriteCells
        return nb, resources


def _known(find: Any, grade_id: str, info: dict[str, str]) -> bool:
    try:
        find(grade_id, info["notebook"], info["assignment"])
    except MissingEntry:
        return False
    return True


class UseJudgedNotebook(NbGraderPreprocessor):
    """Replace the sanitized notebook by its judged version from ``judged_directory``.

    The judged notebook is ``<judged_directory>/<student>/<notebook>.ipynb``; it was produced from
    the same sanitized cells, which is checked (a submission edited between the two steps, or a
    missing judged notebook, stops this submission instead of grading something else).
    """

    judged_directory = Unicode("", help="Directory of judged notebooks: <student>/<nb>.ipynb").tag(
        config=True
    )

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        info = resources["nbgrader"]
        path = Path(self.judged_directory) / info["student"] / f"{info['notebook']}.ipynb"
        if not self.judged_directory or not path.is_file():
            raise SubmissionChanged(f"{path}: no judged notebook (run `cvcourse grade`)")
        judged = nbformat.read(path, as_version=4)
        if _fingerprint(judged) != _fingerprint(nb):
            raise SubmissionChanged(f"{path}: the submission changed while it was being graded")
        return judged, resources


class UnsandboxedGrading(RuntimeError):
    """Plain nbgrader was asked to run student code in this course."""


class RefuseUnsandboxed(NbGraderPreprocessor):
    """Stop plain ``nbgrader autograde``: student code must run through ``cvcourse grade``."""

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        raise UnsandboxedGrading(
            "this course grades only with `cvcourse grade <assignment>` (sandboxed; plain "
            "nbgrader autograde would run student code as you, beside the hidden tests)"
        )


class HideTestTracebacks(NbGraderPreprocessor):
    """In test cells, replace each error's traceback by its one-line ``ename: evalue``."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: Any, index: int
    ) -> tuple[NotebookNode, Any]:
        if cell.cell_type != "code":
            return cell, resources
        outputs = cell.outputs
        if utils.is_grade(cell) and not utils.is_solution(cell):
            for output in outputs:
                if output.output_type == "error":
                    first_line = str(output.get("evalue", "")).split("\n", 1)[0][:300]
                    output.evalue = first_line
                    output.traceback = [f"{output.get('ename', 'Error')}: {first_line}"]
        cell.outputs = outputs
        return cell, resources


# What nbgrader's Autograde runs after the notebook is executed, for plain ``nbgrader autograde``
# (after ``Execute``) and for ``cvcourse grade`` (after ``UseJudgedNotebook``): nbgrader's own
# steps, with tracebacks in test cells cut to one line so hidden test source never reaches feedback.
AFTER_EXECUTION = [
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    HideTestTracebacks,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
