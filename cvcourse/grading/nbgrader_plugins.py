"""nbgrader preprocessors of this course, named in ``assignments/nbgrader_config.py``.

* :class:`UseJudgedNotebook` takes the place of nbgrader's ``Execute`` in ``Autograde``: the
  notebook was already executed (in parallel, possibly sandboxed) and judged by
  ``cvcourse grade``; this step swaps in those judged outputs, so that nbgrader's own
  ``SaveAutoGrades`` records the scores and its bookkeeping (students, submissions, timestamps,
  late penalties) stays the system of record.
* :class:`HideTestTracebacks` keeps feedback free of hidden test tracebacks, also for a plain
  ``nbgrader autograde`` run: an error in a test cell is shown as its one-line reason only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from cvcourse.grading.observe import MIME


class SubmissionChanged(RuntimeError):
    """The submission differs from the one that was executed and judged."""


def _fingerprint(nb: NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


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


class HideTestTracebacks(NbGraderPreprocessor):
    """In test cells, replace each error's traceback by its one-line ``ename: evalue``.

    Also drops the observation outputs (plain data for the judge, not for readers).
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: Any, index: int
    ) -> tuple[NotebookNode, Any]:
        if cell.cell_type != "code":
            return cell, resources
        outputs = [o for o in cell.outputs if MIME not in o.get("data", {})]
        if utils.is_grade(cell) and not utils.is_solution(cell):
            for output in outputs:
                if output.output_type == "error":
                    first_line = str(output.get("evalue", "")).split("\n", 1)[0][:300]
                    output.evalue = first_line
                    output.traceback = [f"{output.get('ename', 'Error')}: {first_line}"]
        cell.outputs = outputs
        return cell, resources
