"""End to end: release a3_boxes, grade a whole class in ONE `cvcourse grade` run, check everything.

Works on a temporary copy of the course. The class: the instructor's solution, the untouched
release, one submission per catalogued mistake and per alternative solution, and submissions that
must be graded without stopping the run (infinite loop, exception at import, syntax error,
deleted test cells) plus one that cannot be graded (not JSON).
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from cvcourse.grading.course import Course
from cvcourse.grading.demo import copy_course
from cvcourse.grading.release import hidden_texts, leaks, marked_regions
from cvcourse.grading.submissions import build_submission, load_catalogue

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a3_boxes"
CATALOGUE = ROOT / "tests" / "assignments" / ASSIGNMENT
MISTAKES = load_catalogue(CATALOGUE / "mistakes") if (CATALOGUE / "mistakes").is_dir() else []
ALTERNATIVES = (
    load_catalogue(CATALOGUE / "alternatives") if (CATALOGUE / "alternatives").is_dir() else []
)
SEED = 20261123


def cvcourse(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "cvcourse.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


def sandbox_flags() -> list[str]:
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    return [] if sandbox_unavailable_reason() is None else ["--unsafe"]


def _source_cells(course: Course) -> dict[str, str]:
    nb = nbformat.read(course.source / ASSIGNMENT / "boxes.ipynb", 4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if "nbgrader" in c.metadata
    }


def _solution(course: Course, grade_id: str) -> str:
    return "\n".join(
        line
        for line in _source_cells(course)[grade_id].splitlines()
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


def _delete_cells(*grade_ids: str):
    def edit(nb: nbformat.NotebookNode) -> None:
        nb.cells = [
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids
        ]

    return edit


@dataclass
class Graded:
    course: Course
    grade: subprocess.CompletedProcess[str]
    scores: dict[str, dict[str, float]]  # student -> grade_id -> score
    max_points: dict[str, float]  # grade_id -> points


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    course = copy_course(ROOT / "assignments", tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    released = cvcourse("--course", str(course.root), "release", ASSIGNMENT)
    assert released.returncode == 0, released.stderr
    root = course.root
    build_submission(root, ASSIGNMENT, "solution")
    untouched = course.submitted / "release" / ASSIGNMENT / "boxes.ipynb"
    untouched.parent.mkdir(parents=True)
    shutil.copyfile(course.release / ASSIGNMENT / "boxes.ipynb", untouched)
    for entry in MISTAKES:
        build_submission(root, ASSIGNMENT, f"mistake-{entry.id}", cells=entry.cells)
    for entry in ALTERNATIVES:
        build_submission(root, ASSIGNMENT, f"alternative-{entry.id}", cells=entry.cells)
    loop = "while True:\n    pass\n\n" + _solution(course, "box_convert")
    build_submission(root, ASSIGNMENT, "infinite-loop", cells={"box_convert": loop})
    broken_import = "import not_a_module_of_this_course\n\n" + _solution(course, "box_iou")
    build_submission(root, ASSIGNMENT, "import-error", cells={"box_iou": broken_import})
    syntax = _solution(course, "nms").replace("def nms(", "def nms(((", 1)
    build_submission(root, ASSIGNMENT, "syntax-error", cells={"nms": syntax})
    build_submission(
        root,
        ASSIGNMENT,
        "deleted-tests",
        edit=_delete_cells("test_box_iou_edges", "test_nms_random"),
    )
    build_submission(root, ASSIGNMENT, "corrupt", raw_text='{"cells": [ this is not json')

    grade = cvcourse(
        "--course", str(root), "grade", ASSIGNMENT, "--workers", "2", "--timeout", "40",
        "--seed", str(SEED), *sandbox_flags(),
    )  # fmt: skip
    scores: dict[str, dict[str, float]] = {}
    max_points: dict[str, float] = {}
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        for submission in gb.find_assignment(ASSIGNMENT).submissions:
            notebook = gb.find_submission_notebook("boxes", ASSIGNMENT, submission.student.id)
            scores[submission.student.id] = {g.name: float(g.score) for g in notebook.grades}
            for g in notebook.grades:
                max_points[g.name] = float(g.max_score)
    return Graded(course, grade, scores, max_points)


def _reasons(graded: Graded, student: str) -> dict[str, str]:
    report = cvcourse("--course", str(graded.course.root), "report", ASSIGNMENT, "--format", "csv")
    assert report.returncode == 0, report.stderr
    rows = csv.DictReader(report.stdout.splitlines())
    return {r["test"]: r["reason"] for r in rows if r["student"] == student}


def _lost(graded: Graded, student: str) -> set[str]:
    return {t for t, s in graded.scores[student].items() if s < graded.max_points[t]}


# ----------------------------------------------------------------------------- release
def test_release_holds_no_solution_and_no_hidden_test(graded: Graded) -> None:
    source = nbformat.read(graded.course.source / ASSIGNMENT / "boxes.ipynb", 4)
    release = nbformat.read(graded.course.release / ASSIGNMENT / "boxes.ipynb", 4)
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN HIDDEN" not in text and "BEGIN SOLUTION" not in text
    secret = hidden_texts(source)
    assert len(secret) > 20, "the source notebook should have solutions and hidden tests"
    released_lines = {line.strip() for line in text.splitlines()}
    assert [line for line in secret if line in released_lines] == []
    assert leaks(source, release) == []


def test_release_check_catches_a_leak(graded: Graded) -> None:
    source = nbformat.read(graded.course.source / ASSIGNMENT / "boxes.ipynb", 4)
    leaky = nbformat.read(graded.course.release / ASSIGNMENT / "boxes.ipynb", 4)
    hidden = next(r for c in source.cells for r in marked_regions(c.source, "hidden test"))
    leaky.cells[-1].source += "\n" + hidden
    assert leaks(source, leaky)


# ----------------------------------------------------------------------------- the whole run
def test_one_grade_run_grades_everything_but_the_corrupt_notebook(graded: Graded) -> None:
    assert graded.grade.returncode == 2, graded.grade.stdout + graded.grade.stderr
    errors = graded.grade.stderr.strip().splitlines()
    corrupt = [line for line in errors if line.startswith("cvcourse: error:")]
    assert len(corrupt) == 1 and "corrupt" in corrupt[0] and "not a readable notebook" in corrupt[0]
    expected = {"solution", "release", "infinite-loop", "import-error", "syntax-error"}
    expected |= {"deleted-tests"} | {f"mistake-{m.id}" for m in MISTAKES}
    expected |= {f"alternative-{a.id}" for a in ALTERNATIVES}
    assert set(graded.scores) == expected


def test_solution_gets_full_marks(graded: Graded) -> None:
    assert _lost(graded, "solution") == set()
    assert sum(graded.scores["solution"].values()) == sum(graded.max_points.values()) > 0


def test_untouched_release_gets_zero(graded: Graded) -> None:
    assert sum(graded.scores["release"].values()) == 0


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_each_mistake_gets_exactly_its_expected_score(graded: Graded, mistake) -> None:
    assert mistake.loses and "TBD" not in mistake.loses, f"{mistake.id}: LOSES not filled in"
    student = f"mistake-{mistake.id}"
    assert _lost(graded, student) == set(mistake.loses)
    expected = sum(graded.max_points.values()) - sum(graded.max_points[t] for t in mistake.loses)
    assert sum(graded.scores[student].values()) == expected
    reasons = _reasons(graded, student)
    assert any(mistake.names in reasons[t] for t in mistake.loses), reasons


def test_the_catalogue_has_the_three_alternatives() -> None:
    assert len(ALTERNATIVES) >= 3, "alternatives: loop NMS, numpy IoU, per-class batched NMS"


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=[a.id for a in ALTERNATIVES])
def test_alternative_solutions_get_full_marks(graded: Graded, alternative) -> None:
    assert _lost(graded, f"alternative-{alternative.id}") == set()


def test_infinite_loop_loses_only_its_function(graded: Graded) -> None:
    lost = _lost(graded, "infinite-loop")
    assert lost == {t for t in graded.max_points if t.startswith("test_box_convert")}


def test_exception_at_import_loses_only_what_needs_it(graded: Graded) -> None:
    lost = _lost(graded, "import-error")
    assert {t for t in graded.max_points if t.startswith("test_box_iou")} <= lost
    assert not any(t.startswith("test_box_convert") for t in lost)


def test_syntax_error_loses_only_what_needs_it(graded: Graded) -> None:
    lost = _lost(graded, "syntax-error")
    assert {t for t in graded.max_points if t.startswith("test_nms")} <= lost
    assert not any(t.startswith(("test_box_convert", "test_box_iou")) for t in lost)
    reason = _reasons(graded, "syntax-error")["test_nms_slides"]
    assert "name 'nms' is not defined" in reason, reason


def test_deleted_test_cells_are_restored_and_graded(graded: Graded) -> None:
    # nbgrader's OverwriteCells.add_missing_cells puts them back from the gradebook.
    assert _lost(graded, "deleted-tests") == set()
    assert set(graded.scores["deleted-tests"]) == set(graded.max_points)


# ----------------------------------------------------------------------------- feedback and CSV
def _visible_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_feedback_shows_reasons_but_no_hidden_test(graded: Graded) -> None:
    source = nbformat.read(graded.course.source / ASSIGNMENT / "boxes.ipynb", 4)
    # Lines long enough to be specific: a student's own code may well contain `continue`.
    hidden = [line for line in hidden_texts(source, kinds=("hidden test",)) if len(line) >= 20]
    assert hidden
    for student in graded.scores:
        page = graded.course.feedback / student / ASSIGNMENT / "boxes.html"
        text = _visible_text(page)
        assert "BEGIN HIDDEN" not in text, student
        shown = {line.strip() for line in text.splitlines()}
        # A line the student wrote (e.g. the same area formula as a hidden helper) is theirs.
        submitted = graded.course.submitted / student / ASSIGNMENT / "boxes.ipynb"
        own = {
            line.strip()
            for c in nbformat.read(submitted, 4).cells
            for line in c.source.splitlines()
        }
        assert [line for line in hidden if line in shown and line not in own] == [], student
        if student.startswith(("mistake-", "solution", "alternative-", "deleted-tests")):
            assert "most recent call last" not in text, student
    # Not vacuous: the autograded notebooks (instructor side) do hold the hidden tests.
    autograded = graded.course.autograded / "release" / ASSIGNMENT / "boxes.ipynb"
    restored = {
        line.strip() for c in nbformat.read(autograded, 4).cells for line in c.source.splitlines()
    }
    assert sum(line in restored for line in hidden) > len(hidden) // 2
    for mistake in MISTAKES:
        text = _visible_text(
            graded.course.feedback / f"mistake-{mistake.id}" / ASSIGNMENT / "boxes.html"
        )
        assert "CheckFailed" in text and mistake.names in text


def test_csv_export_equals_the_gradebook(graded: Graded) -> None:
    rows = list(csv.DictReader((graded.course.root / "grades.csv").read_text().splitlines()))
    by_student = {r["student_id"]: r for r in rows if r["assignment"] == ASSIGNMENT}
    assert set(by_student) == set(graded.scores)
    for student, cells in graded.scores.items():
        assert float(by_student[student]["score"]) == pytest.approx(sum(cells.values()))
        assert float(by_student[student]["max_score"]) == pytest.approx(
            sum(graded.max_points.values())
        )


def test_grading_again_gives_identical_grades(graded: Graded) -> None:
    students = ["solution", f"mistake-{MISTAKES[0].id}"] if MISTAKES else ["solution"]
    flags = [arg for s in students for arg in ("--student", s)]
    again = cvcourse(
        "--course", str(graded.course.root), "grade", ASSIGNMENT, *flags, "--workers", "2",
        "--timeout", "40", "--seed", str(SEED + 1), "--no-feedback", "--force", *sandbox_flags(),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    with Gradebook(graded.course.db_url, course_id=graded.course.course_id) as gb:
        for student in students:
            notebook = gb.find_submission_notebook("boxes", ASSIGNMENT, student)
            assert {g.name: float(g.score) for g in notebook.grades} == graded.scores[student]
