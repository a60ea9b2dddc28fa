"""The results of an assignment: what the last good grading run said about each student.

``<course>/.cvcourse/results/<assignment>/<student>.json`` holds a student's result (score, whose
fault, notes), outcomes (every test cell's verdict and reason, as
:class:`~cvcourse.grading.protocol.Outcome` data) and the fingerprint of what was graded (the
submission's files and the instructor's source). ``cvcourse grade`` writes each student's file the
moment their grade is saved, so an interrupted run keeps everything it finished, and the next run
grades only students whose fingerprint is missing or changed. ``cvcourse report`` reads the
reasons from here instead of parsing them back out of notebooks. One small file per student: a
class of 1,000 never rewrites one big file 1,000 times. Imports neither torch nor nbgrader.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cvcourse.grading.course import CourseError


def results_dir(course_root: Path, assignment: str) -> Path:
    return course_root / ".cvcourse" / "results" / assignment


def read_results(course_root: Path, assignment: str) -> dict[str, Any]:
    """student -> entry; empty when nothing was graded yet.

    Raises:
        CourseError: a student's file exists but is not a JSON object.
    """
    entries: dict[str, Any] = {}
    folder = results_dir(course_root, assignment)
    if not folder.is_dir():
        return entries
    for path in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(path.read_text())
        except ValueError as exc:
            raise CourseError(path, f"corrupt results file ({exc})") from exc
        if not isinstance(entry, dict):
            raise CourseError(path, "corrupt results file (not a JSON object)")
        entries[path.stem] = entry
    return entries


def write_result(course_root: Path, assignment: str, student: str, entry: dict[str, Any]) -> Path:
    """Replace one student's entry, atomically (a crash leaves the old file or the new one)."""
    folder = results_dir(course_root, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{student}.json"
    tmp = folder / f".{student}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(entry, indent=1))
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


def fingerprint(*folders: Path) -> str:
    """SHA-256 of every file below ``folders`` (relative path, link target or bytes), in order.

    Notebook checkpoints are left out: opening a notebook changes them, not the submission.
    """
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(f"\0folder\0{folder.name}\0".encode())
        if not folder.is_dir():
            continue
        for here, subfolders, files in os.walk(folder, followlinks=False):
            subfolders[:] = sorted(d for d in subfolders if d != ".ipynb_checkpoints")
            # os.walk lists a linked folder among the folders and does not enter it
            links = [d for d in subfolders if (Path(here) / d).is_symlink()]
            for name in sorted(files + links):
                path = Path(here) / name
                digest.update(f"\0{path.relative_to(folder)}\0".encode(errors="surrogateescape"))
                if path.is_symlink():
                    digest.update(b"link:" + os.readlink(path).encode(errors="surrogateescape"))
                elif path.is_file():
                    with path.open("rb") as f:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            digest.update(block)
    return digest.hexdigest()
