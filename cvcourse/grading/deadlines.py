"""Due dates, per-student extensions and late penalties, configured in the course config.

In ``nbgrader_config.py``::

    c.Deadlines.due = {"a3_boxes": "2026-12-01 23:59 Europe/Berlin"}   # or ISO 8601 with a zone
    c.Deadlines.extensions = {"a3_boxes": {"ada": "2d", "bob": "36h"}}  # d, h or m
    c.AssignLatePenalties.plugin_class = "cvcourse.grading.deadlines.LatePenalty"
    c.LatePenalty.percent_per_day = 10     # of the notebook's score, per started day late
    c.LatePenalty.max_percent = 100        # never more than this
    c.LatePenalty.grace_minutes = 5        # this late is on time

nbgrader stays the system of record: ``cvcourse release`` and ``cvcourse grade`` write the due
date into the gradebook's assignment and each extension into the student's submission
(``SubmittedAssignment.extension``, nbgrader's own column); nbgrader's ``AssignLatePenalties``
then asks :class:`LatePenalty` (an nbgrader ``LateSubmissionPlugin``) for the penalty of a
submission whose ``timestamp.txt`` (written by ``nbgrader collect``) is after the student's due
date, and stores it as the notebook's ``late_submission_penalty``. The report and the CSV export
show it. Imports no torch.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dateutil.tz
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import CsvExportPlugin, LateSubmissionPlugin
from nbgrader.utils import parse_utc
from traitlets import Dict, Float
from traitlets.config import Configurable

from cvcourse.grading.course import Course, CourseError

DAY = 86400.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$")
_UNIT_SECONDS = {"d": DAY, "h": 3600.0, "m": 60.0}


class Deadlines(Configurable):
    """The course's due dates and extensions (``c.Deadlines.*`` in ``nbgrader_config.py``)."""

    due = Dict(
        help="assignment -> due date: '2026-12-01 23:59:00 Europe/Berlin' or ISO 8601 with a zone"
    ).tag(config=True)
    extensions = Dict(help="assignment -> {student: extra time, '2d', '36h' or '90m'}").tag(
        config=True
    )


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin: a percentage of the score per started day late.

    With ``percent_per_day=10``: 1 minute to 24 hours late loses 10 % of the notebook's score,
    24 h 1 min late 20 %, ..., never more than ``max_percent``. Up to ``grace_minutes`` late counts
    as on time (no penalty).
    """

    percent_per_day = Float(0.0, help="percent of the score lost per started day late").tag(
        config=True
    )
    max_percent = Float(100.0, help="the most a late submission loses, in percent").tag(config=True)
    grace_minutes = Float(0.0, help="minutes late that still count as on time").tag(config=True)

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        return penalty(
            score,
            total_seconds_late,
            percent_per_day=self.percent_per_day,
            max_percent=self.max_percent,
            grace_minutes=self.grace_minutes,
        )


def penalty(
    score: float,
    seconds_late: float,
    *,
    percent_per_day: float,
    max_percent: float = 100.0,
    grace_minutes: float = 0.0,
) -> float | None:
    """Points lost by a submission ``seconds_late`` late that scored ``score`` (None: none)."""
    if seconds_late <= grace_minutes * 60 or percent_per_day <= 0:
        return None
    days = math.ceil(seconds_late / DAY)
    percent = min(max_percent, percent_per_day * days)
    return round(score * percent / 100.0, 6)


def parse_duration(text: object) -> dt.timedelta:
    """``'2d'``, ``'36h'``, ``'90m'`` (or a number of hours) as a timedelta.

    Raises:
        ValueError: anything else, or a negative time.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"{text!r} is negative")
        return dt.timedelta(hours=float(text))
    match = _DURATION.match(str(text))
    if match is None:
        raise ValueError(f"{text!r} is not a duration like '2d', '36h' or '90m'")
    return dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def parse_due(text: object) -> dt.datetime:
    """A due date with its time zone, as naive UTC (how nbgrader stores times).

    Raises:
        ValueError: not a date, or no time zone (a due date must say which midnight it means).
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date string")
    parts = text.split()
    if len(parts) == 3:  # '2026-12-01 23:59 Europe/Berlin', nbgrader's own form
        zone = parts[2]
        if not re.fullmatch(r"[+-]?\d+", zone) and dateutil.tz.gettz(zone) is None:
            raise ValueError(f"{text!r}: unknown time zone {zone!r}")
    try:
        parsed = parse_utc(text)
        zoned = len(parts) == 3 or dt.datetime.fromisoformat(text.strip()).tzinfo is not None
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError(f"{text!r} is not a date ({exc})") from None
    if not zoned:
        raise ValueError(f"{text!r} has no time zone (add one: '... UTC' or '+01:00')")
    return parsed


@dataclass
class CourseDeadlines:
    """The parsed ``c.Deadlines`` of a course: naive UTC due dates and extensions."""

    due: dict[str, dt.datetime] = field(default_factory=dict)
    extensions: dict[str, dict[str, dt.timedelta]] = field(default_factory=dict)

    def key(self, assignment: str, student: str) -> str:
        """What a student's deadline is, as text: part of what a grade was given to."""
        due = self.due.get(assignment)
        extension = self.extensions.get(assignment, {}).get(student)
        if due is None and extension is None:
            return ""
        text = json.dumps([str(due), str(extension)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load(course: Course) -> CourseDeadlines:
    """Read and check ``c.Deadlines`` of the course config.

    Raises:
        CourseError: a due date or extension that is not one, or an unknown assignment.
    """
    deadlines = Deadlines(config=course.config())
    known = set(course.assignments())
    result = CourseDeadlines()
    for assignment, text in dict(deadlines.due).items():
        thing = f"c.Deadlines.due[{assignment!r}]"
        if assignment not in known:
            raise CourseError(thing, f"unknown assignment (valid: {', '.join(sorted(known))})")
        try:
            result.due[assignment] = parse_due(text)
        except ValueError as exc:
            raise CourseError(thing, str(exc)) from None
    for assignment, per_student in dict(deadlines.extensions).items():
        thing = f"c.Deadlines.extensions[{assignment!r}]"
        if assignment not in known:
            raise CourseError(thing, f"unknown assignment (valid: {', '.join(sorted(known))})")
        if not isinstance(per_student, dict):
            raise CourseError(thing, "must map student ids to durations like '2d'")
        for student, text in per_student.items():
            try:
                result.extensions.setdefault(assignment, {})[str(student)] = parse_duration(text)
            except ValueError as exc:
                raise CourseError(f"{thing}[{student!r}]", str(exc)) from None
    return result


def sync(course: Course, assignment: str, students: list[str]) -> CourseDeadlines:
    """Write the assignment's due date and these students' extensions into the gradebook.

    The config is authoritative only for what it names: an assignment in ``c.Deadlines.due``
    gets exactly that due date, and for an assignment in ``c.Deadlines.extensions`` each of
    ``students`` gets exactly their extension (none when not listed, so an extension removed from
    the config is removed). Due dates and extensions of other assignments (set in formgrader or
    with ``nbgrader db``) are left alone. A student without a submission row yet gets one (their
    submission is about to be graded).
    """
    deadlines = load(course)
    if assignment not in deadlines.due and assignment not in deadlines.extensions:
        return deadlines
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        if assignment in deadlines.due:
            gb.find_assignment(assignment).duedate = deadlines.due[assignment]
        if assignment in deadlines.extensions:
            for student in students:
                gb.update_or_create_student(student)
                submission = gb.update_or_create_submission(assignment, student)
                submission.extension = deadlines.extensions[assignment].get(student)
        gb.db.commit()
    return deadlines


@dataclass(frozen=True)
class Lateness:
    """A student's submission against their due date."""

    duedate: dt.datetime | None  # the student's own, extension included (naive UTC)
    extension: dt.timedelta | None
    timestamp: dt.datetime | None
    seconds_late: float
    penalty: float  # points subtracted from the score (0: none)

    def describe(self) -> str:
        if self.seconds_late <= 0:
            return ""
        hours = self.seconds_late / 3600
        late = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"
        due = f"due {self.duedate:%Y-%m-%d %H:%M} UTC"
        if self.extension:
            due += f" with an extension of {_human(self.extension)}"
        charged = f"late penalty {self.penalty:g}" if self.penalty else "no penalty"
        return f"submitted {late} late ({due}): {charged}"


def _human(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} d" if hours % 24 == 0 else f"{hours:g} h"


def lateness(gb: Gradebook, assignment: str, student: str) -> Lateness | None:
    """The student's lateness from the gradebook (None: no submission)."""
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    penalty_points = float(submission.late_submission_penalty or 0.0)
    return Lateness(
        duedate=submission.duedate,
        extension=submission.extension,
        timestamp=submission.timestamp,
        seconds_late=float(submission.total_seconds_late or 0.0),
        penalty=penalty_points,
    )


CSV_COLUMNS = [
    "assignment",
    "duedate",
    "extension_hours",
    "timestamp",
    "seconds_late",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


class CsvWithDeadlines(CsvExportPlugin):
    """nbgrader's CSV export, with each student's own due date, extension and lateness.

    The columns of nbgrader's ``CsvExportPlugin`` (``duedate`` is the student's, extension
    included) plus ``extension_hours`` and ``seconds_late``.
    """

    def export(self, gradebook: Gradebook) -> None:
        with Path(self.to or "grades.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, CSV_COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if self.assignment and assignment.name not in self.assignment:
                    continue  # `cvcourse export ... <assignment>`: only the ones asked for
                for student in gradebook.students:
                    writer.writerow(_csv_row(gradebook, assignment, student))


def _csv_row(gradebook: Gradebook, assignment: Any, student: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "assignment": assignment.name,
        "duedate": assignment.duedate or "",
        "extension_hours": "",
        "timestamp": "",
        "seconds_late": 0.0,
        "student_id": student.id,
        "last_name": student.last_name or "",
        "first_name": student.first_name or "",
        "email": student.email or "",
        "raw_score": 0.0,
        "late_submission_penalty": 0.0,
        "score": 0.0,
        "max_score": assignment.max_score,
    }
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
    except MissingEntry:  # nothing submitted: zero, as nbgrader's export
        return row
    raw, late = float(submission.score), float(submission.late_submission_penalty or 0.0)
    row.update(
        duedate=submission.duedate or "",
        extension_hours=(
            f"{submission.extension.total_seconds() / 3600:g}" if submission.extension else ""
        ),
        timestamp=submission.timestamp or "",
        seconds_late=float(submission.total_seconds_late or 0.0),
        raw_score=raw,
        late_submission_penalty=late,
        score=max(0.0, raw - late),
    )
    return row
