"""A fault of the grader is never a student's grade: nothing is written, the run says so and exits
non-zero, and every earlier grade stays as it was."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from cvcourse.cli import EXIT_GRADER_FAULT, main
from cvcourse.grading import runner
from cvcourse.grading.autograde import GradeOptions, grade
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.proxy import GraderError
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course

pytestmark = pytest.mark.slow

# force: these tests grade the same submissions again on purpose
OPTIONS = dict(workers=1, seed=5, feedback=False, timeout=30.0, force=True)


@pytest.fixture
def graded(tmp_path: Path) -> Course:
    """The toy course with two students graded once: good 3/3, wrong 0/3."""
    root = toy_course(tmp_path / "course")
    build_submission(root, "toy", "good")
    build_submission(root, "toy", "wrong", cells={"box_area": "def box_area(b):\n    return b"})
    course = Course.open(root)
    summary = grade(course, "toy", GradeOptions(**OPTIONS))
    assert {r.student: r.score for r in summary.results} == {"good": 3.0, "wrong": 0.0}
    return course


def _scores(course: Course) -> dict[str, float]:
    with Gradebook(course.db_url, course_id="cvcourse") as gb:
        return {s: gb.find_submission("toy", s).score for s in ("good", "wrong")}


def test_a_kernel_that_cannot_start_is_the_graders_fault_and_saves_nothing(
    graded: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner._grade

    def broken_for_students(job: runner.Job, outcome: runner.Outcome, *rest: bool) -> None:
        if job.student != "(instructor)":  # the preflight still passes
            raise GraderError("the student's kernel could not be prepared: disk full")
        real(job, outcome, *rest)

    monkeypatch.setattr(runner, "_grade", broken_for_students)
    # Now make a student's answer worse: a grader fault must not record it either.
    build_submission(
        graded.root, "toy", "good", cells={"box_area": "def box_area(b):\n    return 0"}
    )
    summary = grade(graded, "toy", GradeOptions(**OPTIONS))
    assert {r.student for r in summary.grader_faults} == {"good", "wrong"}
    assert all("disk full" in (r.problem or "") for r in summary.grader_faults)
    assert _scores(graded) == {"good": 3.0, "wrong": 0.0}  # the earlier grades, untouched
    results = json.loads((graded.root / ".cvcourse/results/toy/good.json").read_text())
    assert results["result"]["score"] == 3.0  # the last good run's word stays


def test_a_broken_instructor_notebook_stops_the_run_before_any_grade(graded: Course) -> None:
    path = graded.source / "toy" / "toy.ipynb"
    nb = nbformat.read(path, 4)
    test = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    test.source = test.source.replace("torch.tensor([6.0, 1.0])", "torch.tensor([7.0, 1.0])")
    nbformat.write(nb, path)
    with pytest.raises(CourseError, match="preflight.*fails 1 of its own test"):
        grade(graded, "toy", GradeOptions(**OPTIONS))
    assert _scores(graded) == {"good": 3.0, "wrong": 0.0}


def test_the_cli_exits_with_its_own_status_on_a_grader_fault(
    graded: Course, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcourse.grading import autograde

    def fault(course: Course, assignment: str, options: GradeOptions) -> autograde.GradeSummary:
        summary = autograde.GradeSummary(assignment, 0)
        summary.results = [
            autograde.SubmissionResult(
                "good", problem="not graded (grader fault): bug", fault="grader"
            )
        ]
        return summary

    monkeypatch.setattr(autograde, "grade", fault)
    assert (
        main(["--course", str(graded.root), "grade", "toy", "--workers", "1"]) == EXIT_GRADER_FAULT
    )
    assert "earlier grades were kept" in capsys.readouterr().err
