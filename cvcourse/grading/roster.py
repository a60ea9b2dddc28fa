"""``cvcourse roster import``: the class list, from a CSV file into nbgrader's gradebook.

The file has a header row and one row per student. Column names are matched without regard to
case or surrounding spaces; the student id column is required, the others are optional:

=================  ==========================================================================
field              accepted column names
=================  ==========================================================================
id                 ``id``, ``student_id``, ``username``, ``login``, ``sis login id``
first_name         ``first_name``, ``first name``, ``given name``
last_name          ``last_name``, ``last name``, ``surname``, ``family name``
email              ``email``, ``email address``, ``e-mail``
lms_user_id        ``lms_user_id``, ``lms id``, ``canvas user id``
=================  ==========================================================================

A Canvas gradebook export (columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
``Section``, ...) is read as it is: the SIS login becomes the student id, Canvas's ``ID`` the
``lms_user_id`` (it is the number in Canvas's bulk-download file names), ``Student`` ("Last,
First") the names; its "Points Possible" row and Canvas's test student are skipped.

The student id is nbgrader's: the name of the student's folder under ``submitted/`` and, on a
JupyterHub, the student's user name. The whole file is checked before anything is written: a bad
row fails the import with the file, the line and the problem, and the gradebook is untouched.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, fields
from pathlib import Path

from cvcourse.grading.course import Course, CourseError

FIELDS = ("id", "first_name", "last_name", "email", "lms_user_id")
_ALIASES = {
    "id": ("id", "student_id", "student id", "username", "login", "sis login id"),
    "first_name": ("first_name", "first name", "given name"),
    "last_name": ("last_name", "last name", "surname", "family name"),
    "email": ("email", "email address", "e-mail"),
    "lms_user_id": ("lms_user_id", "lms id", "lms user id", "canvas user id"),
}
# A folder name on every file system nbgrader runs on, and a Unix user name's characters.
_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True)
class Student:
    """One row of the class list (empty strings for what the file does not give)."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class ImportSummary:
    added: list[str]
    updated: list[str]
    unchanged: list[str]


def check_student_id(student_id: str, where: str) -> str:
    if not _STUDENT_ID.fullmatch(student_id):
        raise CourseError(
            where,
            f"student id {student_id!r} is not usable as a folder name "
            "(letters, digits and . _ @ + -, not starting with a dot)",
        )
    return student_id


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not path.is_file():
        raise CourseError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise CourseError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CourseError(path, f"cannot be read ({exc.strerror})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    numbered = []
    try:
        for row in reader:  # line_num: the file's line where the row ends (quoted newlines)
            if any(cell.strip() for cell in row):
                numbered.append((reader.line_num, row))
    except csv.Error as exc:
        raise CourseError(f"{path}:{reader.line_num}", f"not valid CSV ({exc})") from exc
    if not numbered:
        raise CourseError(path, "empty (a header row and one row per student expected)")
    (_, header), *body = numbered
    return [cell.strip().lower() for cell in header], body


def _canvas_name(student: str) -> tuple[str, str]:
    """Canvas's sortable name "Last, First" as (first, last)."""
    last, _, first = student.partition(",")
    return first.strip(), last.strip()


def read_roster(path: Path | str) -> list[Student]:
    """Every student of a roster CSV, checked (ids usable and unique, LMS ids unique).

    Raises:
        CourseError: ``<file>:<line>`` and the problem, for the first bad row.
    """
    path = Path(path)
    header, body = _read_rows(path)
    canvas = {"student", "id", "sis login id", "section"} <= set(header)
    column: dict[str, int] = {}
    if canvas:
        column = {
            "id": header.index("sis login id"),
            "lms_user_id": header.index("id"),
            "name": header.index("student"),
        }
    else:
        for field, names in _ALIASES.items():
            found = [header.index(name) for name in names if name in header]
            if len(found) > 1:
                raise CourseError(path, f"two columns give the {field} ({', '.join(names)})")
            if found:
                column[field] = found[0]
        if "id" not in column:
            raise CourseError(path, f"no student id column (one of: {', '.join(_ALIASES['id'])})")
    students: list[Student] = []
    seen: dict[str, int] = {}
    seen_lms: dict[str, int] = {}
    for line, row in body:
        cells = {k: (row[i].strip() if i < len(row) else "") for k, i in column.items()}
        where = f"{path}:{line}"
        if canvas:
            name = cells.pop("name")
            # Canvas's export: a "Points Possible" row, and the course's "Test Student"
            if "points possible" in name.lower() or not cells["lms_user_id"]:
                continue
            if name.lower() in ("student, test", "test student"):
                continue
            cells["first_name"], cells["last_name"] = _canvas_name(name)
        if not cells["id"]:
            raise CourseError(where, "empty student id")
        student = Student(**cells)
        check_student_id(student.id, where)
        if student.id in seen:
            raise CourseError(
                where, f"student id {student.id!r} already on line {seen[student.id]}"
            )
        seen[student.id] = line
        if student.lms_user_id:
            if student.lms_user_id in seen_lms:
                raise CourseError(
                    where,
                    f"LMS user id {student.lms_user_id!r} already on line "
                    f"{seen_lms[student.lms_user_id]}",
                )
            seen_lms[student.lms_user_id] = line
        students.append(student)
    if not students:
        raise CourseError(path, "no student rows")
    return students


def gradebook_students(course: Course) -> list[Student]:
    """The students nbgrader's gradebook knows, sorted by id."""
    from nbgrader.api import Gradebook

    course.check_gradebook()
    if not course.gradebook_path.exists():
        return []
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        return sorted(
            (
                Student(**{f.name: str(getattr(s, f.name) or "") for f in fields(Student)})
                for s in gb.students
            ),
            key=lambda s: s.id,
        )


def import_roster(course: Course, path: Path | str) -> ImportSummary:
    """Add or update every student of ``path`` in the gradebook (nbgrader's own API).

    A field the file leaves empty keeps what the gradebook has. Nothing is written when any row
    is bad, or when an LMS user id would belong to two students of the gradebook.
    """
    from nbgrader.api import Gradebook

    students = read_roster(path)
    course.check_gradebook()
    known = {s.id: s for s in gradebook_students(course)}
    lms_owner = {s.lms_user_id: s.id for s in known.values() if s.lms_user_id}
    for student in students:
        owner = lms_owner.get(student.lms_user_id)
        if student.lms_user_id and owner not in (None, student.id):
            raise CourseError(
                path,
                f"LMS user id {student.lms_user_id!r} of {student.id!r} already belongs to "
                f"{owner!r} in the gradebook",
            )
    summary = ImportSummary([], [], [])
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        for student in students:
            given = {f: getattr(student, f) for f in FIELDS[1:] if getattr(student, f)}
            before = known.get(student.id)
            if before is None:
                summary.added.append(student.id)
            elif all(getattr(before, f) == v for f, v in given.items()):
                summary.unchanged.append(student.id)
                continue
            else:
                summary.updated.append(student.id)
            gb.update_or_create_student(student.id, **given)
    return summary
