"""``cvcourse report``: points per student and test cell, with the reason for every lost point.

Scores come from nbgrader's gradebook (manual overrides included, and a late submission's penalty
as a row ``late_penalty`` of negative points); reasons from the results file
of the last grading run (``cvcourse.grading.results``), or, for a notebook graded before there was
one, from the test cells of the autograded notebook.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from cvcourse.grading import deadlines, results
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.judge import FAILED_ENAME, is_test_cell

FORMATS = ("text", "csv", "json")
LATE = "late_penalty"  # the test name of a late submission's row (points: minus the penalty)


@dataclass
class Row:
    student: str
    notebook: str
    test: str
    points: float
    max_points: float
    reason: str


def _reasons(path: Path) -> dict[str, str]:
    """grade_id -> the reason written by the judge (or the error) in an autograded notebook."""
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    reasons = {}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                evalue = str(output.get("evalue", "")).split("\n", 1)[0]
                prefix = "" if output.get("ename") == FAILED_ENAME else f"{output.get('ename')}: "
                reasons[cell.metadata["nbgrader"]["grade_id"]] = prefix + evalue
                break
    return reasons


def collect(course: Course, assignment: str) -> list[Row]:
    """One row per student and test cell, in notebook order."""
    course.check_assignment(assignment)
    course.check_gradebook(must_exist=True)
    rows = []
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        try:
            assignment_entry = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                assignment, "not released yet (run `cvcourse release` first)"
            ) from None
        notebooks = [nb.name for nb in assignment_entry.notebooks]
        submissions = sorted(assignment_entry.submissions, key=lambda s: s.student.id)
        if not submissions:
            raise CourseError(assignment, "nothing graded yet (run `cvcourse grade` first)")
        for submission in submissions:
            student = submission.student.id
            for notebook in notebooks:
                reasons = results.reasons(course.root, assignment, student, notebook) or _reasons(
                    course.autograded / student / assignment / f"{notebook}.ipynb"
                )
                entry = gb.find_submission_notebook(notebook, assignment, student)
                for grade in entry.grades:
                    if grade.cell_type != "code":
                        continue
                    points, max_points = float(grade.score), float(grade.max_score)
                    reason = ""
                    if points < max_points and grade.manual_score is not None:
                        reason = "score set by a grader (manual grading)"
                    elif points < max_points:
                        reason = reasons.get(grade.name, "no output recorded (not executed)")
                    rows.append(Row(student, notebook, grade.name, points, max_points, reason))
            late = deadlines.lateness(gb, assignment, student)
            if late is not None and late.seconds_late > 0:
                # one more row: the late penalty (nbgrader's, see cvcourse.grading.deadlines)
                points = -late.penalty if late.penalty else 0.0  # never "-0"
                rows.append(Row(student, "", LATE, points, 0.0, late.describe()))
    order = {}
    for path in course.source_notebooks(assignment):
        for i, cell in enumerate(nbformat.read(path, 4).cells):
            order[(path.stem, cell.metadata.get("nbgrader", {}).get("grade_id"))] = i
    rows.sort(
        key=lambda r: (r.student, r.test == LATE, r.notebook, order.get((r.notebook, r.test), 0))
    )
    return rows


def totals(rows: list[Row]) -> dict[str, tuple[float, float]]:
    result: dict[str, tuple[float, float]] = {}
    for row in rows:
        points, max_points = result.get(row.student, (0.0, 0.0))
        result[row.student] = (points + row.points, max_points + row.max_points)
    return result


def render(rows: list[Row], fmt: str = "text") -> str:
    """The report as ``text`` (a table per student), ``csv`` or ``json``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if fmt == "json":
        return json.dumps(
            {
                "rows": [asdict(r) for r in rows],
                "totals": {s: {"points": p, "max": m} for s, (p, m) in totals(rows).items()},
            },
            indent=1,
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student", "notebook", "test", "points", "max", "reason"])
        for r in rows:
            writer.writerow(
                [r.student, r.notebook, r.test, f"{r.points:g}", f"{r.max_points:g}", r.reason]
            )
        return out.getvalue()
    width = max((len(r.test) for r in rows), default=4)
    lines = []
    for student, (points, max_points) in totals(rows).items():
        lines.append(f"{student}: {points:g} / {max_points:g}")
        for r in (r for r in rows if r.student == student):
            mark = "ok  " if r.points >= r.max_points else "LOST"
            line = f"  {mark} {r.test:<{width}}  {r.points:g}/{r.max_points:g}"
            lines.append(line + (f"  {r.reason}" if r.reason else ""))
    return "\n".join(lines)
