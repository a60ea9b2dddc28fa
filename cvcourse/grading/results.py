"""The results file of an assignment: what the last good grading run said about each student.

``<course>/.cvcourse/results/<assignment>.json`` maps a student to their result (score, whose
fault, notes) and outcomes (every test cell's verdict and reason, as
:class:`~cvcourse.grading.protocol.Outcome` data). ``cvcourse grade`` writes it; ``cvcourse
report`` reads the reasons from it instead of parsing them back out of notebooks. It imports
neither torch nor nbgrader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cvcourse.grading.course import CourseError


def results_path(course_root: Path, assignment: str) -> Path:
    return course_root / ".cvcourse" / "results" / f"{assignment}.json"


def read_results(course_root: Path, assignment: str) -> dict[str, Any]:
    """student -> entry; empty when nothing was graded yet.

    Raises:
        CourseError: the file exists but is not valid JSON.
    """
    path = results_path(course_root, assignment)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise CourseError(path, f"corrupt results file ({exc})") from exc
    return data if isinstance(data, dict) else {}


def write_results(course_root: Path, assignment: str, entries: dict[str, Any]) -> Path:
    """Merge this run's ``entries`` (student -> entry) into the file, atomically."""
    path = results_path(course_root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = read_results(course_root, assignment) | entries
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, indent=1))
    tmp.replace(path)
    return path


def reasons(course_root: Path, assignment: str, student: str, notebook: str) -> dict[str, str]:
    """Test cell grade_id -> the reason it failed, from the last good run (empty if unknown)."""
    entry = read_results(course_root, assignment).get(student, {})
    for outcome in entry.get("outcomes", []):
        if outcome.get("notebook") == notebook:
            return {
                grade_id: str(verdict.get("reason", ""))
                for grade_id, verdict in outcome.get("verdicts", {}).items()
                if not verdict.get("passed")
            }
    return {}
