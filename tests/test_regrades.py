"""Regrades: formgrader's manual grades survive `cvcourse grade` unless --force, regrading one
student touches nobody else, and every grading run backs the gradebook up first, restorably.

The manual grades are written exactly where nbgrader's formgrader writes them
(``Grade.manual_score``, ``Comment.manual_comment`` in the gradebook).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from nbgrader.api import Gradebook

from cvcourse.cli import EXIT_BAD_INPUT, main
from cvcourse.grading.backups import list_backups
from cvcourse.grading.course import Course
from cvcourse.grading.report import collect, totals
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course

pytestmark = pytest.mark.slow

WRONG = {"box_area": "def box_area(b):\n    return b"}
RIGHT_AGAIN = {
    "box_area": "def box_area(b):\n    # resubmitted\n"
    "    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])"
}


def _flags() -> list[str]:
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    unsafe = [] if sandbox_unavailable_reason() is None else ["--unsafe"]
    return ["--workers", "1", "--seed", "3", *unsafe]


def _cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    status = main(["--course", str(root), *args])
    out, err = capsys.readouterr()
    return status, out, err


def _grade(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[set[str], str]:
    status, out, err = _cli(capsys, root, "grade", "toy", *_flags(), *args)
    assert status == 0, out + err
    return {line.split(":")[0] for line in out.splitlines() if " / " in line}, out


def _student_state(course: Course, student: str) -> dict[str, Any]:
    """Everything of one student: gradebook rows, results file, autograded and feedback files."""
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        submission = gb.find_submission("toy", student)
        rows: dict[str, Any] = {
            "timestamp": submission.timestamp,
            "score": submission.score,
            "grades": sorted(
                (g.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                for nb in submission.notebooks
                for g in nb.grades
            ),
            "comments": sorted(
                (c.name, c.auto_comment, c.manual_comment)
                for nb in submission.notebooks
                for c in nb.comments
            ),
        }
    for folder in (
        course.autograded / student,
        course.feedback / student,
        course.root / ".cvcourse" / "results" / "toy",
    ):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (student in path.parts or path.stem == student):
                rows[str(path.relative_to(course.root))] = (
                    path.stat().st_mtime_ns,
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                )
    return rows


def _scores(course: Course) -> dict[str, float]:
    return {s: p for s, (p, _) in totals(collect(course, "toy")).items()}


def test_manual_grades_survive_regrading_force_drops_them_and_backups_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = toy_course(tmp_path / "course")
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.GradebookBackups.keep = 3\n")
    course = Course.open(root)
    for student in ("s0", "s1", "s2"):
        build_submission(root, "toy", student, cells=WRONG if student == "s1" else None)
    assert _grade(capsys, root)[0] == {"s0", "s1", "s2"}
    assert len(list_backups(course)) == 1

    # A grader in formgrader: s0's first test gets 1 of 2 by hand, s1 gets a comment.
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        gb.find_grade("test_box_area_values", "toy", "toy", "s0").manual_score = 1
        gb.find_comment("box_area", "toy", "toy", "s1").manual_comment = "see me after class"
        gb.db.commit()
    assert _scores(course) == {"s0": 2.0, "s1": 0.0, "s2": 3.0}
    rows = {(r.student, r.test): r for r in collect(course, "toy")}
    assert rows[("s0", "test_box_area_values")].reason == "score set by a grader (manual grading)"

    # s0 resubmits: graded again (only s0), the manual score survives; nobody else is touched.
    others = {s: _student_state(course, s) for s in ("s1", "s2")}
    build_submission(root, "toy", "s0", cells=RIGHT_AGAIN)
    graded, out = _grade(capsys, root)
    assert graded == {"s0"}, out
    assert "kept 1 manual score(s) and 0 comment(s) from formgrader" in out
    assert _scores(course)["s0"] == 2.0
    assert {s: _student_state(course, s) for s in ("s1", "s2")} == others
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        assert gb.find_grade("test_box_area_values", "toy", "toy", "s0").auto_score == 2
    before_force = list_backups(course)[-1]  # taken by this run: s0's manual score is in it

    # --force for s0 alone: s0's manual grading goes, s1's comment and s2 stay as they were.
    graded, out = _grade(capsys, root, "--student", "s0", "--force")
    assert graded == {"s0"}, out
    assert "dropped 1 manual score(s) and 0 comment(s) (--force)" in out
    assert _scores(course) == {"s0": 3.0, "s1": 0.0, "s2": 3.0}
    assert {s: _student_state(course, s) for s in ("s1", "s2")} == others
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        assert gb.find_comment("box_area", "toy", "toy", "s1").manual_comment == (
            "see me after class"
        )

    # --force for everyone drops s1's comment too; only the newest 3 backups are kept.
    _, out = _grade(capsys, root, "--force")
    assert "dropped 0 manual score(s) and 1 comment(s)" in out
    assert len(list_backups(course)) == 3

    # Bad input: one line, exit 2, nothing changed.
    gradebook_bytes = course.gradebook_path.read_bytes()
    status, out, err = _cli(capsys, root, "gradebook", "restore", "no-such-backup")
    assert status == EXIT_BAD_INPUT and err.count("\n") == 1 and "no-such-backup" in err, err
    broken = list_backups(course)[0]
    saved = (broken / "gradebook.db").read_bytes()
    (broken / "gradebook.db").write_bytes(b"not a database" * 100)
    status, out, err = _cli(capsys, root, "gradebook", "restore", broken.name)
    assert status == EXIT_BAD_INPUT and err.count("\n") == 1 and "gradebook.db" in err, err
    (broken / "gradebook.db").write_bytes(saved)
    assert course.gradebook_path.read_bytes() == gradebook_bytes

    # Restore the backup taken before the run that graded s0's resubmission: the gradebook and
    # the results as they were then (s0's manual score, s1's comment, s0 not yet regraded).
    assert before_force in list_backups(course)
    status, out, err = _cli(capsys, root, "gradebook", "restore", before_force.name)
    assert status == 0, out + err
    assert f"restored the gradebook and results of {before_force.name}" in out
    assert _scores(course) == {"s0": 2.0, "s1": 0.0, "s2": 3.0}
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        assert gb.find_comment("box_area", "toy", "toy", "s1").manual_comment == (
            "see me after class"
        )
    # The restore backed up what it replaced (no manual grade left there, after --force).
    newest = list_backups(course)[-1]
    assert "before-restore" in newest.name
    with sqlite3.connect(newest / "gradebook.db") as connection:
        manual = connection.execute(
            "SELECT count(*) FROM grade WHERE manual_score IS NOT NULL"
        ).fetchone()
    assert manual == (0,)
    # The results came back with the gradebook: grading again regrades exactly s0's
    # resubmission, which that state had not graded yet, and keeps the manual score.
    graded, out = _grade(capsys, root)
    assert graded == {"s0"} and "already graded, unchanged since: 2" in out, out
    assert "kept 1 manual score(s)" in out
    assert _scores(course) == {"s0": 2.0, "s1": 0.0, "s2": 3.0}


def test_a_backup_that_cannot_be_written_stops_before_anything_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gradebook made by nbgrader's API, a backups folder that is a file."""
    import os
    import sys

    from cvcourse.grading.backups import backup, backups_dir
    from cvcourse.grading.course import CourseError

    # nbgrader runs `alembic` to create a gradebook: the venv's tools first on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    root = toy_course(tmp_path / "course", release=False)
    course = Course.open(root)
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        gb.update_or_create_assignment("toy")
    backups_dir(course).parent.mkdir(parents=True)
    backups_dir(course).write_text("in the way")
    before = course.gradebook_path.read_bytes()
    with pytest.raises(CourseError, match="cannot back up the gradebook"):
        backup(course, "grade-toy")
    assert course.gradebook_path.read_bytes() == before
