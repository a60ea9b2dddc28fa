"""Interrupting `cvcourse grade` loses nothing saved; grading again does only what is missing.

Ctrl-C (SIGINT) stops the run after the submission being saved (exit 130); the next run grades
only students with no grade yet or whose submission or assignment changed, unless ``--force``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.cli import EXIT_INTERRUPTED
from cvcourse.grading.course import Course
from cvcourse.grading.results import read_results, results_dir
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course

pytestmark = pytest.mark.slow

STUDENTS = [f"s{i}" for i in range(4)]
WRONG = {"box_area": "def box_area(b):\n    return b"}


def _cvcourse(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cvcourse.cli", "--course", str(root), "grade", "toy", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _flags() -> list[str]:
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    unsafe = [] if sandbox_unavailable_reason() is None else ["--unsafe"]
    return ["--workers", "1", "--seed", "3", "--no-feedback", *unsafe]


@pytest.fixture
def course(tmp_path: Path) -> Course:
    root = toy_course(tmp_path / "course")
    for number, student in enumerate(STUDENTS):
        build_submission(root, "toy", student, cells=WRONG if number % 2 else None)
    return Course.open(root)


def _saved(course: Course) -> dict[str, float]:
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment("toy").submissions}


def test_ctrl_c_keeps_what_is_saved_and_the_next_run_grades_the_rest(course: Course) -> None:
    run = subprocess.Popen(
        _cvcourse(course.root, *_flags()),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    folder = results_dir(course.root, "toy")
    deadline = time.monotonic() + 300
    while not (folder.is_dir() and any(folder.glob("*.json"))):  # the first grade is saved
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "no grade saved in 300 s"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the whole group, kernels included
    out, err = run.communicate(timeout=300)
    assert run.returncode == EXIT_INTERRUPTED, out + err
    assert "interrupted" in err and "grades the rest" in err
    first = read_results(course.root, "toy")
    assert 1 <= len(first) < len(STUDENTS), "stopped after the submission being saved"
    # Every result on file has its grade in the gradebook, and the grades are right.
    saved = _saved(course)
    assert set(first) <= {s for s, score in saved.items()}
    expected = {s: (0.0 if n % 2 else 3.0) for n, s in enumerate(STUDENTS)}
    assert {s: saved[s] for s in first} == {s: expected[s] for s in first}

    again = subprocess.run(
        _cvcourse(course.root, *_flags()), env=_env(), capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"already graded, unchanged since: {len(first)} submission(s)" in again.stdout
    graded_now = {line.split(":")[0] for line in again.stdout.splitlines() if " / " in line}
    assert graded_now == set(STUDENTS) - set(first)
    assert _saved(course) == expected
    # The first run's results were not redone: same seed entry, same file.
    second = read_results(course.root, "toy")
    assert all(second[s] == first[s] for s in first)


def _grade(course: Course, *args: str) -> tuple[set[str], str]:
    """Run `cvcourse grade toy`; the students it graded and its standard output."""
    done = subprocess.run(
        _cvcourse(course.root, *_flags(), *args),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    graded = {line.split(":")[0] for line in done.stdout.splitlines() if " / " in line}
    return graded, done.stdout


def test_changed_submissions_or_assignment_are_graded_again_and_force_grades_all(
    course: Course,
) -> None:
    assert _grade(course)[0] == set(STUDENTS)
    build_submission(course.root, "toy", "s1")  # s1 fixes their mistake and submits again
    graded, out = _grade(course)
    assert graded == {"s1"} and "s1: 3 / 3" in out and _saved(course)["s1"] == 3.0
    assert f"already graded, unchanged since: {len(STUDENTS) - 1}" in out
    # --student narrows the run; unchanged students in it are left alone unless --force
    assert _grade(course, "--student", "s0")[0] == set()
    assert _grade(course, "--student", "s0", "--force")[0] == {"s0"}
    # The instructor edits the assignment: everyone's grade is stale.
    source = course.source / "toy" / "toy.ipynb"
    source.write_text(source.read_text() + "\n")
    assert _grade(course, "--student", "s2", "--student", "s3")[0] == {"s2", "s3"}
