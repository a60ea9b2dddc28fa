"""Due dates, extensions and late penalties (cvcourse.grading.deadlines).

The fast tests check the parsing, the penalty rule and the config errors; the slow one grades the
toy assignment with submissions on time, inside an extension, within the grace period and late,
and reads the penalties back from the gradebook, the report and ``grades.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from cvcourse.cli import EXIT_BAD_INPUT, main
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.deadlines import (
    LatePenalty,
    load,
    parse_due,
    parse_duration,
    penalty,
)
from cvcourse.grading.report import LATE, collect, render, totals
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course

PLUGIN = """
c.Deadlines.due = {"toy": "2026-01-10 12:00:00 UTC"}
c.Deadlines.extensions = {"toy": {"s1": "2d", "s2": "%s"}}
c.AssignLatePenalties.plugin_class = "cvcourse.grading.deadlines.LatePenalty"
c.LatePenalty.percent_per_day = 10
c.LatePenalty.grace_minutes = 5
"""


def test_penalty_is_a_percentage_per_started_day_after_the_grace_period() -> None:
    rule = {"percent_per_day": 10.0, "grace_minutes": 5.0}
    assert penalty(3.0, 0, **rule) is None
    assert penalty(3.0, 5 * 60, **rule) is None  # within the grace period
    assert penalty(3.0, 5 * 60 + 1, **rule) == pytest.approx(0.3)
    assert penalty(3.0, 86400, **rule) == pytest.approx(0.3)
    assert penalty(3.0, 86401, **rule) == pytest.approx(0.6)
    assert penalty(3.0, 30 * 86400, **rule) == pytest.approx(3.0)  # capped at max_percent
    assert penalty(3.0, 30 * 86400, percent_per_day=10, max_percent=50) == pytest.approx(1.5)
    assert penalty(3.0, 86400, percent_per_day=0) is None


def test_the_plugin_reads_its_rule_from_the_config() -> None:
    config = Config()
    config.LatePenalty.percent_per_day = 25.0
    plugin = LatePenalty(config=config)
    assert plugin.late_submission_penalty("ada", 8.0, 2 * 86400 - 1) == pytest.approx(4.0)


def test_dates_need_a_zone_and_durations_a_unit() -> None:
    assert parse_due("2026-12-01 23:59:00 UTC") == dt.datetime(2026, 12, 1, 23, 59)
    assert parse_due("2026-12-01T23:59:00+01:00") == dt.datetime(2026, 12, 1, 22, 59)
    assert parse_due("2026-07-01 12:00 Europe/Berlin") == dt.datetime(2026, 7, 1, 10, 0)
    for bad in ("2026-12-01 23:59", "tomorrow", "2026-12-01 23:59 Mars/Base", 20261201):
        with pytest.raises(ValueError):
            parse_due(bad)  # type: ignore[arg-type]
    assert parse_duration("2d") == dt.timedelta(days=2)
    assert parse_duration("36h") == dt.timedelta(hours=36)
    assert parse_duration("90m") == dt.timedelta(minutes=90)
    assert parse_duration(12) == dt.timedelta(hours=12)
    for bad in ("soon", "-2d", "2 weeks", -1):
        with pytest.raises(ValueError):
            parse_duration(bad)


@pytest.mark.parametrize(
    ("lines", "thing"),
    [
        ('c.Deadlines.due = {"toy": "tomorrow"}', "c.Deadlines.due['toy']"),
        ('c.Deadlines.due = {"a9": "2026-01-10 12:00 UTC"}', "c.Deadlines.due['a9']"),
        ('c.Deadlines.extensions = {"toy": {"ada": "soon"}}', "['ada']"),
        ('c.Deadlines.extensions = {"toy": ["ada"]}', "c.Deadlines.extensions['toy']"),
    ],
)
def test_a_bad_deadline_config_names_itself(tmp_path: Path, lines: str, thing: str) -> None:
    root = toy_course(tmp_path / "course", release=False)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\n" + lines + "\n")
    with pytest.raises(CourseError) as error:
        load(Course.open(root))
    assert thing in str(error.value)


def _submit(root: Path, student: str, when: str) -> None:
    build_submission(root, "toy", student)
    (root / "submitted" / student / "toy" / "timestamp.txt").write_text(when)


@pytest.mark.slow
def test_late_penalties_reach_the_gradebook_report_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    root = toy_course(tmp_path / "course")
    config = root / "nbgrader_config.py"
    base = config.read_text()
    config.write_text(base + PLUGIN % "0h")
    _submit(root, "s0", "2026-01-10 11:00:00.000000 UTC")  # on time
    _submit(root, "s1", "2026-01-11 12:00:00.000000 UTC")  # a day late, inside a 2-day extension
    _submit(root, "s2", "2026-01-11 14:00:00.000000 UTC")  # 26 h late: two started days
    _submit(root, "s3", "2026-01-10 12:03:00.000000 UTC")  # 3 minutes: inside the grace period
    flags = ["--workers", "1", "--seed", "3", "--no-feedback"]
    flags += [] if sandbox_unavailable_reason() is None else ["--unsafe"]
    assert main(["--course", str(root), "grade", "toy", *flags]) == 0, capsys.readouterr()
    course = Course.open(root)
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        assert gb.find_assignment("toy").duedate == dt.datetime(2026, 1, 10, 12)
        s1 = gb.find_submission("toy", "s1")
        assert s1.extension == dt.timedelta(days=2) and s1.total_seconds_late == 0
        penalties = {
            s: float(gb.find_submission("toy", s).late_submission_penalty or 0)
            for s in ("s0", "s1", "s2", "s3")
        }
    assert penalties == pytest.approx({"s0": 0, "s1": 0, "s2": 0.6, "s3": 0})

    rows = collect(course, "toy")
    points = {student: total for student, (total, _) in totals(rows).items()}
    assert points == pytest.approx({"s0": 3, "s1": 3, "s2": 2.4, "s3": 3})
    late = {r.student: r for r in rows if r.test == LATE}
    assert set(late) == {"s2", "s3"}
    assert late["s2"].points == pytest.approx(-0.6)
    assert "submitted 26.0 h late" in late["s2"].reason
    assert "late penalty 0.6" in late["s2"].reason
    assert "no penalty" in late["s3"].reason and late["s3"].points == 0.0
    assert "s2: 2.4 / 3" in render(rows, "text")

    with course.grades_csv.open() as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert exported["s2"]["seconds_late"] == "93600.0"
    assert float(exported["s2"]["late_submission_penalty"]) == pytest.approx(0.6)
    assert float(exported["s2"]["score"]) == pytest.approx(2.4)
    assert exported["s1"]["duedate"] == "2026-01-12 12:00:00"  # the student's own, extended
    assert exported["s1"]["extension_hours"] == "48"
    assert exported["s0"]["duedate"] == "2026-01-10 12:00:00"

    # A new extension for s2 regrades s2 alone (no --force): 2 h late now, one started day.
    config.write_text(base + PLUGIN % "1d")
    capsys.readouterr()
    assert main(["--course", str(root), "grade", "toy", *flags]) == 0
    out = capsys.readouterr().out
    assert "already graded, unchanged since: 3" in out and "s2: 3 / 3" in out, out
    assert totals(collect(course, "toy"))["s2"][0] == pytest.approx(2.7)

    # A broken due date stops the run with one line before anything is written.
    config.write_text(base + 'c.Deadlines.due = {"toy": "next friday"}\n')
    before = course.gradebook_path.read_bytes()
    assert main(["--course", str(root), "grade", "toy", *flags, "--force"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "c.Deadlines.due['toy']" in err, err
    assert course.gradebook_path.read_bytes() == before
