"""Every assignment's catalogue, graded in ONE batched `cvcourse grade` run per assignment.

An assignment joins by having ``assignments/source/<id>/`` and ``tests/assignments/<id>/`` with
``mistakes/`` and ``alternatives/`` (see ``tests/assignments/a3_boxes/README.md`` for the file
format). a3_boxes is graded by ``test_grading_e2e.py``, which adds broken submissions, feedback
and export checks on top of the same rules.

The rules (DESIGN.md, "An assignment is done when"): the instructor's solution scores full marks,
the untouched release zero, each mistake loses exactly its ``LOSES`` cells with a reason naming it,
every alternative full marks, and a mistake costs points only on its own function's tests unless
its file says why (``CROSS = "..."``).
"""

from __future__ import annotations

import ast
import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.grading.course import Course
from cvcourse.grading.demo import copy_course
from cvcourse.grading.submissions import build_submission, load_catalogue

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261130
# Graded with more checks by test_grading_e2e.py.
COVERED_ELSEWHERE = {"a3_boxes"}
ASSIGNMENTS = sorted(
    path.name
    for path in (ROOT / "tests" / "assignments").iterdir()
    if (path / "mistakes").is_dir()
    and (ROOT / "assignments" / "source" / path.name).is_dir()
    and path.name not in COVERED_ELSEWHERE
)


def _cvcourse(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "cvcourse.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)


def _sandbox_flags() -> list[str]:
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    return [] if sandbox_unavailable_reason() is None else ["--unsafe"]


def _cross_reason(path: Path) -> str:
    """The ``CROSS`` constant of a catalogue file: why it may lose another function's cells."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CROSS":
            return str(ast.literal_eval(node.value))
    return ""


@dataclass
class GradedCatalogue:
    assignment: str
    course: Course
    run: subprocess.CompletedProcess[str]
    scores: dict[str, dict[str, float]]  # student -> grade_id -> score
    max_points: dict[str, float]  # grade_id -> points
    reasons: dict[str, dict[str, str]]  # student -> grade_id -> reason

    def lost(self, student: str) -> set[str]:
        return {t for t, s in self.scores[student].items() if s < self.max_points[t]}


@pytest.fixture(scope="module")
def graded_runs() -> dict[str, GradedCatalogue]:
    """assignment -> its one graded run (pytest would set a parametrized fixture up again each
    time the parameter changes between tests, grading a catalogue many times)."""
    return {}


@pytest.fixture
def graded(
    request: pytest.FixtureRequest, graded_runs: dict[str, GradedCatalogue], tmp_path_factory
) -> GradedCatalogue:
    assignment = request.param
    if assignment not in graded_runs:
        graded_runs[assignment] = _grade_catalogue(assignment, tmp_path_factory)
    return graded_runs[assignment]


def _grade_catalogue(assignment: str, tmp_path_factory) -> GradedCatalogue:
    catalogue = ROOT / "tests" / "assignments" / assignment
    course = copy_course(ROOT / "assignments", tmp_path_factory.mktemp(assignment), [assignment])
    released = _cvcourse("--course", str(course.root), "release", assignment)
    assert released.returncode == 0, released.stderr
    build_submission(course.root, assignment, "solution")
    for release_path in (course.release / assignment).glob("*.ipynb"):
        untouched = course.submitted / "release" / assignment / release_path.name
        untouched.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release_path, untouched)
    for kind in ("mistakes", "alternatives"):
        for entry in load_catalogue(catalogue / kind):
            build_submission(course.root, assignment, f"{kind}-{entry.id}", cells=entry.cells)
    run = _cvcourse(
        "--course", str(course.root), "grade", assignment, "--workers", "2",
        "--seed", str(SEED), "--no-feedback", *_sandbox_flags(),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    scores: dict[str, dict[str, float]] = {}
    max_points: dict[str, float] = {}
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            for notebook in submission.notebooks:
                cells = scores.setdefault(submission.student.id, {})
                for g in notebook.grades:
                    cells[g.name] = float(g.score)
                    max_points[g.name] = float(g.max_score)
    report = _cvcourse("--course", str(course.root), "report", assignment, "--format", "csv")
    assert report.returncode == 0, report.stderr
    reasons: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(report.stdout.splitlines()):
        reasons.setdefault(row["student"], {})[row["test"]] = row["reason"]
    return GradedCatalogue(assignment, course, run, scores, max_points, reasons)


def _entries(kind: str) -> list:
    return [
        pytest.param(a, e, id=f"{a}-{e.id}")
        for a in ASSIGNMENTS
        for e in load_catalogue(ROOT / "tests" / "assignments" / a / kind)
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_is_complete(assignment: str) -> None:
    catalogue = ROOT / "tests" / "assignments" / assignment
    assert len(load_catalogue(catalogue / "alternatives")) >= 3, "three correct alternatives"
    mistakes = load_catalogue(catalogue / "mistakes")
    assert mistakes
    for mistake in mistakes:
        assert mistake.loses and mistake.names, f"{mistake.id}: LOSES and NAMES must be set"


@pytest.mark.parametrize("graded", ASSIGNMENTS, indirect=True)
def test_solution_full_marks_release_zero(graded: GradedCatalogue) -> None:
    assert graded.lost("solution") == set(), graded.reasons["solution"]
    assert sum(graded.max_points.values()) > 0
    assert sum(graded.scores["release"].values()) == 0


@pytest.mark.parametrize(("graded", "mistake"), _entries("mistakes"), indirect=["graded"])
def test_each_mistake_gets_exactly_its_expected_score(graded: GradedCatalogue, mistake) -> None:
    student = f"mistakes-{mistake.id}"
    assert graded.lost(student) == set(mistake.loses), graded.reasons[student]
    expected = sum(graded.max_points.values()) - sum(graded.max_points[t] for t in mistake.loses)
    assert sum(graded.scores[student].values()) == expected
    reasons = graded.reasons[student]
    assert any(mistake.names in reasons.get(t, "") for t in mistake.loses), reasons


@pytest.mark.parametrize(("graded", "mistake"), _entries("mistakes"), indirect=["graded"])
def test_points_follow_the_function_that_is_wrong(graded: GradedCatalogue, mistake) -> None:
    """A mistake in one function loses no cell of another (DESIGN.md), unless CROSS says why."""
    own = tuple(f"test_{function}" for function in mistake.cells)
    foreign = [t for t in mistake.loses if not t.startswith(own)]
    path = ROOT / "tests" / "assignments" / graded.assignment / "mistakes" / f"{mistake.id}.py"
    assert not foreign or _cross_reason(path), (
        f"{mistake.id} loses other functions' cells {foreign}: accept the student's own lower "
        "function in those tests (accept=), or say why in CROSS"
    )


@pytest.mark.parametrize(("graded", "alternative"), _entries("alternatives"), indirect=["graded"])
def test_alternatives_get_full_marks(graded: GradedCatalogue, alternative) -> None:
    student = f"alternatives-{alternative.id}"
    assert graded.lost(student) == set(), graded.reasons[student]
