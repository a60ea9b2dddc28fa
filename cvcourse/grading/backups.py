"""Gradebook backups and the manual grades of nbgrader's formgrader, around a grading run.

Before every grading run that will write, ``cvcourse grade`` copies the gradebook (with SQLite's
online backup, consistent even while formgrader has it open) and the results of the last runs
(``.cvcourse/results``: what each grade was given to) into
``<course>/.cvcourse/backups/<UTC time>-<why>/``; the newest ``c.GradebookBackups.keep`` (20) are
kept. ``cvcourse gradebook restore [NAME]`` puts one back (the newest by default), after backing
up the current state, so a restore can itself be undone.

Manual grades given in formgrader (``Grade.manual_score``, ``Grade.extra_credit``,
``Comment.manual_comment``) survive autograding: nbgrader's ``SaveAutoGrades`` writes only
``auto_score`` and a grade's score is the manual one when there is one. ``cvcourse grade --force``
drops them for the students it grades (:func:`clear_manual`), and no one else's.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from traitlets import Int
from traitlets.config import Configurable

from cvcourse.grading.course import Course, CourseError

_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[\w.-]+$")


class GradebookBackups(Configurable):
    """``c.GradebookBackups.keep`` in ``nbgrader_config.py``."""

    keep = Int(20, help="how many gradebook backups to keep (the newest)").tag(config=True)


def backups_dir(course: Course) -> Path:
    return course.root / ".cvcourse" / "backups"


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (the online backup API, not a file copy)."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()


def list_backups(course: Course) -> list[Path]:
    """Backups, oldest first."""
    folder = backups_dir(course)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name) and p.is_dir())


def backup(course: Course, why: str) -> Path | None:
    """Back up the gradebook and the results; prune to the newest ``keep``. None: no gradebook."""
    if not course.gradebook_path.is_file():
        return None
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    label = re.sub(r"[^\w.-]", "_", why)[:60] or "backup"
    target = backups_dir(course) / f"{stamp}-{label}"
    staging = target.with_name(f".{target.name}.partial")
    try:
        staging.mkdir(parents=True)
        _copy_sqlite(course.gradebook_path, staging / "gradebook.db")
        results = course.root / ".cvcourse" / "results"
        if results.is_dir():
            shutil.copytree(results, staging / "results", symlinks=True)
        staging.rename(target)  # a backup is complete or absent
    except (OSError, sqlite3.Error) as exc:  # a full disk, a read-only folder: change nothing
        shutil.rmtree(staging, ignore_errors=True)
        raise CourseError(target.parent, f"cannot back up the gradebook ({exc})") from None
    keep = max(1, int(GradebookBackups(config=course.config()).keep))
    for old in list_backups(course)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def find_backup(course: Course, name: str | None) -> Path:
    """The backup called ``name`` (or a unique prefix of it), or the newest.

    Raises:
        CourseError: there is none, or the name matches none or several.
    """
    backups = list_backups(course)
    if not backups:
        raise CourseError(backups_dir(course), "no gradebook backups yet")
    if name is None:
        return backups[-1]
    matches = [p for p in backups if p.name == name] or [
        p for p in backups if p.name.startswith(name)
    ]
    if len(matches) != 1:
        listed = "several" if matches else "none"
        raise CourseError(
            name, f"matches {listed} of the backups (see `cvcourse gradebook backups`)"
        )
    return matches[0]


def restore(course: Course, name: str | None) -> tuple[Path, Path | None]:
    """Put a backup back; returns (the backup restored, the backup of what it replaced).

    The backup is checked first (a readable SQLite gradebook): a broken one replaces nothing.
    """
    chosen = find_backup(course, name)
    database = chosen / "gradebook.db"
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            status = connection.execute("PRAGMA quick_check").fetchone()
            connection.execute("SELECT count(*) FROM submitted_assignment").fetchone()
    except sqlite3.DatabaseError as exc:
        raise CourseError(database, f"not a usable gradebook backup ({exc})") from None
    if not status or status[0] != "ok":
        raise CourseError(database, f"not a usable gradebook backup ({status})")
    # Stage the chosen backup first: backing up the current state may prune the chosen one.
    tmp = course.gradebook_path.with_name(".gradebook.db.restoring")
    staged_results = course.root / ".cvcourse" / ".results.restoring"
    shutil.rmtree(staged_results, ignore_errors=True)
    _copy_sqlite(database, tmp)
    if (chosen / "results").is_dir():
        shutil.copytree(chosen / "results", staged_results, symlinks=True)
    before = backup(course, f"before-restore-of-{chosen.name[:22]}")
    tmp.replace(course.gradebook_path)
    results = course.root / ".cvcourse" / "results"
    shutil.rmtree(results, ignore_errors=True)
    if staged_results.is_dir():
        staged_results.rename(results)
    return chosen, before


@dataclass(frozen=True)
class Manual:
    """The manual grading of some students' submissions of one assignment."""

    scores: int  # grades with a manual score or extra credit
    comments: int  # comments with a manual comment


def count_manual(course: Course, assignment: str, students: list[str]) -> Manual:
    return _manual(course, assignment, students, clear=False)


def clear_manual(course: Course, assignment: str, students: list[str]) -> Manual:
    """Drop manual scores, extra credit and comments of these students only; what was dropped."""
    return _manual(course, assignment, students, clear=True)


def _manual(course: Course, assignment: str, students: list[str], clear: bool) -> Manual:
    scores = comments = 0
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.manual_score is not None or grade.extra_credit:
                        scores += 1
                        if clear:
                            grade.manual_score = None
                            grade.extra_credit = None
                for comment in notebook.comments:
                    if comment.manual_comment:
                        comments += 1
                        if clear:
                            comment.manual_comment = None
        if clear:
            gb.db.commit()
    return Manual(scores, comments)
