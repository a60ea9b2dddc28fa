"""Sanitizing a submission restores what the student changed in the release's cells.

nbgrader's OverwriteCells restores a cell's source, type and points but not its grade/solution
flags, which enter the checksum it then verifies: a test cell turned into an "answer" cell made
it raise and stop the whole grading run. RestoreCellFlags puts the flags back first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from cvcourse.cli import main
from cvcourse.grading.autograde import sanitize
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.submissions import build_submission

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    root = tmp_path_factory.mktemp("sanitize") / "course"
    (root / "source").mkdir(parents=True)
    shutil.copyfile(ROOT / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(
        ROOT / "tests" / "assignments" / "toy" / "source" / "toy", root / "source" / "toy"
    )
    assert main(["--course", str(root), "release", "toy"]) == 0
    return Course.open(root)


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_test_cell_turned_into_an_answer_cell_is_restored(course: Course) -> None:
    def disguise(nb: nbformat.NotebookNode) -> None:
        flags = _cell(nb, "test_box_area_values").metadata["nbgrader"]
        flags.update(grade=False, solution=True, locked=False, points=100)
        _cell(nb, "test_box_area_values").source = "print('my own notes')"

    path = build_submission(course.root, "toy", "disguise", edit=disguise)
    nb = sanitize(course, course.config(), "toy", "disguise", path)

    restored = _cell(nb, "test_box_area_values")
    flags = restored.metadata["nbgrader"]
    assert (flags["grade"], flags["solution"], flags["locked"]) == (True, False, True)
    assert flags["points"] == 2
    assert "my own notes" not in restored.source
    source = nbformat.read(course.source / "toy" / "toy.ipynb", as_version=4)
    assert restored.source == _cell(source, "test_box_area_values").source


def test_an_unreadable_notebook_is_a_course_error_not_a_crash(course: Course) -> None:
    path = build_submission(course.root, "toy", "garbage", raw_text='{"cells": 3}')
    with pytest.raises(CourseError, match="not a readable notebook"):
        sanitize(course, course.config(), "toy", "garbage", path)
