"""Setup cells tagged ``student-side``: run only in the student's kernel, their functions proxied.

The end-to-end use is a6_segmentation's ``overfit_one_batch`` (graded in tests/test_catalogues.py);
here, the pieces the runner relies on.
"""

from __future__ import annotations

import nbformat

from cvcourse.grading.runner import STUDENT_SIDE_TAG, _defined_functions, _student_side


def test_top_level_functions_only() -> None:
    source = "import torch\n\ndef train(model):\n    def inner():\n        pass\n    return 1\n\n"
    source += "class Helper:\n    def method(self):\n        pass\n\nx = 1\n%time y = 2\n"
    assert _defined_functions(source) == ["train"]


def test_the_tag_marks_the_cell() -> None:
    tagged = nbformat.v4.new_code_cell("def f():\n    pass", metadata={"tags": [STUDENT_SIDE_TAG]})
    plain = nbformat.v4.new_code_cell("def f():\n    pass")
    assert _student_side(tagged) and not _student_side(plain)


def test_the_a6_notebook_has_its_helper_in_a_locked_student_side_cell() -> None:
    from pathlib import Path

    path = (
        Path(__file__).resolve().parents[1]
        / "assignments/source/a6_segmentation/segmentation.ipynb"
    )
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if _student_side(c)]
    assert len(cells) == 1
    meta = cells[0].metadata["nbgrader"]
    assert meta["locked"] and not meta["solution"] and not meta["grade"]
    assert _defined_functions(cells[0].source) == ["overfit_one_batch"]
