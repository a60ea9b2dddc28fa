"""The LMS in and out: submissions from a bulk download, grades to the LMS's import format.

**In** (``cvcourse collect <assignment> --zip FILE``). A learning management system's "download
all submissions" zip names each file after its student; these schemes are recognised:

* **Canvas** (``lib/content_zipper.rb`` of instructure/canvas-lms, ``get_filename`` and
  ``add_upload_submission``)::

      <name>[_LATE]_<user id>_<attachment id>_<file name>
      e.g. smithjane_LATE_48213_9912345_boxes.ipynb

  ``<name>`` is the sortable name ("Smith, Jane") lower-cased, without non-word characters;
  ``_LATE`` marks a submission after the due date; ``<user id>`` is Canvas's user id, the ``ID``
  column of its gradebook export (``lms_user_id`` in the gradebook); Canvas may have renamed a
  re-uploaded file ``boxes-1.ipynb``. With anonymous grading the user id is ``anon_<id>`` and
  there is no name: such files cannot be mapped.
* **Moodle** (``mod/assign/locallib.php`` of moodle/moodle, ``download_submissions``)::

      <full name>_<participant id>_assignsubmission_file_<file name>      (flat)
      <full name>_<participant id>_assignsubmission_file_/<file name>     (folders, Moodle 3.1+)
      e.g. Jane Smith_1234567_assignsubmission_file_/boxes.ipynb

  The participant id is per assignment and appears in no export, so a Moodle file is mapped by
  the full name (first and last name, in either order, ignoring case and accents), which must
  belong to exactly one student of the roster. With blind marking the name is "Participant":
  reveal identities before downloading.

A Canvas file is mapped by its user id, or, when the roster has no LMS ids, by its name. Each
mapped notebook is written to ``submitted/<student>/<assignment>/<notebook>.ipynb``: the same
bytes as an existing submission change nothing; different bytes are refused unless ``replace``,
which first moves the old file to ``.cvcourse/replaced/``. Files that map to no student, to no
notebook of the assignment, or twice to the same one are listed and not written.

**Out** (``cvcourse export --format csv|canvas|moodle``): one row per student of the gradebook,
the score after nbgrader's late penalty (``score - late_submission_penalty``, at least 0, as
nbgrader's own CSV export computes it); a student without a submission gets an empty cell, which
both LMSs import as "no grade" rather than a zero.

* ``csv``: nbgrader's ``CsvExportPlugin`` columns (one row per student and assignment), plus
  each student's ``extension_hours`` and ``seconds_late`` (the file ``cvcourse grade`` writes).
* ``canvas``: the columns of Canvas's gradebook import (``GradebookImporter`` of canvas-lms:
  ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
  assignment, and a ``Points Possible`` row). Canvas finds the student by ``ID`` (the
  ``lms_user_id``), else by ``SIS Login ID`` (the nbgrader id), else by name; a column whose
  title matches no Canvas assignment creates one.
* ``moodle``: ``First name``, ``Last name``, ``Email address``, ``ID number`` (the
  ``lms_user_id``), ``Username`` (the nbgrader id), then one column per assignment; in Moodle's
  "Import grades: CSV file", map from ``Email address`` to ``useremail`` (or ``Username`` to
  ``username``) and each assignment column to its grade item (docs.moodle.org, "Grade import").
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.roster import Student, check_student_id, gradebook_students

FORMATS = ("csv", "canvas", "moodle")
MAX_NOTEBOOK_BYTES = 64 << 20  # a notebook larger than this in a bulk download is refused

# Canvas: the name may itself hold underscores but never "_<digits>_" (canvas-lms collapses that
# in names precisely so the ids can be read back out of the file name).
_CANVAS = re.compile(
    r"(?:(?P<name>[^/]*?)_)?(?:(?P<late>LATE)_)?(?:(?P<uid>\d+)|anon_(?P<anon>[A-Za-z0-9]+))"
    r"_(?P<att>\d+)_(?P<file>[^/]+)"
)
_MOODLE = re.compile(
    r"(?P<name>[^/]+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?(?:/(?:.*/)?|)"
    r"(?P<file>[^/]+)"
)
_CANVAS_COPY = re.compile(r"(?P<stem>.+)-\d+$")  # boxes-1.ipynb: a re-upload renamed by Canvas


@dataclass(frozen=True)
class BulkFile:
    """What the LMS's file name says about one entry of the zip."""

    entry: str
    lms: str  # "canvas" or "moodle"
    name: str  # the student's name as the LMS wrote it
    lms_id: str  # Canvas user id, or Moodle participant id ("" when anonymous)
    file: str  # the file name the student uploaded
    late: bool = False
    anonymous: bool = False
    plugin: str = "file"  # Moodle's submission plugin ("file", "onlinetext", ...)


@dataclass
class CollectSummary:
    written: list[tuple[str, str]] = field(default_factory=list)  # (student, notebook)
    replaced: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # students the LMS marked late
    ignored: list[str] = field(default_factory=list)  # entries that are not notebooks
    problems: list[tuple[str, str]] = field(default_factory=list)  # (entry, problem)


def parse_bulk_name(entry: str) -> BulkFile | None:
    """Read a Canvas or Moodle bulk-download file name; ``None`` for neither."""
    moodle = _MOODLE.fullmatch(entry)
    if moodle:
        name = moodle["name"]
        anonymous = name.strip().lower() == "participant"
        return BulkFile(
            entry,
            "moodle",
            name,
            moodle["pid"],
            moodle["file"],
            anonymous=anonymous,
            plugin=moodle["plugin"],
        )
    canvas = _CANVAS.fullmatch(PurePosixPath(entry).name)
    if canvas and "/" not in entry.strip("/"):
        name, late = canvas["name"] or "", bool(canvas["late"])
        if canvas["anon"] is not None and name == "LATE":  # "LATE_anon_<id>_...": no name
            name, late = "", True
        return BulkFile(
            entry,
            "canvas",
            name,
            canvas["uid"] or "",
            canvas["file"],
            late=late,
            anonymous=canvas["anon"] is not None,
        )
    return None


def _fold(text: str) -> str:
    """Case, accents and spacing removed: how two spellings of one name are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _canvas_key(last: str, first: str) -> str:
    """Canvas's file-name form of a sortable name "Last, First" (word characters, lower case)."""
    return re.sub(r"\W", "", f"{last}, {first}").lower()


class _Roster:
    """Finds the student a bulk file belongs to."""

    def __init__(self, students: list[Student]) -> None:
        self.by_lms = {s.lms_user_id: s.id for s in students if s.lms_user_id}
        self.by_name: dict[str, set[str]] = {}
        self.by_canvas: dict[str, set[str]] = {}
        for s in students:
            if not (s.first_name or s.last_name):
                continue
            for name in (f"{s.first_name} {s.last_name}", f"{s.last_name} {s.first_name}"):
                self.by_name.setdefault(_fold(name), set()).add(s.id)
            self.by_canvas.setdefault(_canvas_key(s.last_name, s.first_name), set()).add(s.id)

    def find(self, bulk: BulkFile) -> tuple[str | None, str]:
        """(student id, "") or (None, why not)."""
        if bulk.anonymous:
            how = "anonymous grading" if bulk.lms == "canvas" else "blind marking"
            return None, f"{how}: the file name does not say whose it is"
        if bulk.lms == "canvas" and bulk.lms_id in self.by_lms:
            return self.by_lms[bulk.lms_id], ""
        if bulk.lms == "canvas":
            matches = self.by_canvas.get(bulk.name.lower(), set())
            what = f"Canvas user id {bulk.lms_id} or name {bulk.name!r}"
        else:
            matches = self.by_name.get(_fold(bulk.name.replace("_", " ")), set())
            what = f"name {bulk.name!r}"
        if len(matches) == 1:
            return next(iter(matches)), ""
        if matches:
            return None, f"{what} fits several students ({', '.join(sorted(matches))})"
        return None, f"{what} is not in the roster (`cvcourse roster import`)"


def _notebook_for(file: str, notebooks: list[str]) -> str | None:
    stem = PurePosixPath(file).stem
    if not file.endswith(".ipynb"):
        return None
    if stem in notebooks:
        return stem
    copy = _CANVAS_COPY.fullmatch(stem)
    if copy and copy["stem"] in notebooks:
        return copy["stem"]
    return notebooks[0] if len(notebooks) == 1 else None


def _open_zip(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise CourseError(path, "no such file")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise CourseError(path, f"not a zip file ({exc})") from exc
    except OSError as exc:
        raise CourseError(path, f"cannot be read ({exc.strerror})") from exc


def collect_zip(
    course: Course, assignment: str, zip_path: Path | str, replace: bool = False
) -> CollectSummary:
    """Put the notebooks of an LMS bulk download where nbgrader expects submissions.

    Raises:
        CourseError: the assignment, the zip or the roster is unusable (nothing is written).
    """
    course.check_assignment(assignment)
    notebooks = [p.stem for p in course.source_notebooks(assignment)]
    roster = gradebook_students(course)
    if not roster:
        raise CourseError(
            course.gradebook_path, "no students in the gradebook (run `cvcourse roster import`)"
        )
    finder = _Roster(roster)
    summary = CollectSummary()
    wanted: dict[tuple[str, str], list[zipfile.ZipInfo]] = {}
    with _open_zip(Path(zip_path)) as archive:
        for info in archive.infolist():
            entry = info.filename
            base = PurePosixPath(entry).name
            if info.is_dir() or entry.startswith("__MACOSX/") or base.startswith("."):
                continue
            bulk = parse_bulk_name(entry)
            if bulk is None:
                summary.problems.append(
                    (entry, "the file name follows neither the Canvas nor the Moodle scheme")
                )
                continue
            if bulk.plugin != "file":
                summary.ignored.append(entry)  # online text, comments: not a notebook
                continue
            student, why = finder.find(bulk)
            if student is None:
                summary.problems.append((entry, why))
                continue
            if not bulk.file.endswith(".ipynb"):
                summary.ignored.append(entry)
                continue
            notebook = _notebook_for(bulk.file, notebooks)
            if notebook is None:
                summary.problems.append(
                    (entry, f"{assignment} has no notebook {bulk.file!r} ({', '.join(notebooks)})")
                )
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                summary.problems.append(
                    (entry, f"{info.file_size} bytes, more than a notebook may have")
                )
                continue
            if bulk.late and student not in summary.late:
                summary.late.append(student)
            wanted.setdefault((student, notebook), []).append(info)
        for (student, notebook), infos in sorted(wanted.items()):
            if len(infos) > 1:
                names = ", ".join(i.filename for i in infos)
                for info in infos:
                    summary.problems.append(
                        (info.filename, f"{student}/{notebook}.ipynb given twice ({names})")
                    )
                continue
            try:
                data = archive.read(infos[0])
            except (zipfile.BadZipFile, OSError) as exc:  # a CRC error, a truncated zip
                summary.problems.append((infos[0].filename, f"cannot be extracted ({exc})"))
                continue
            _place(course, assignment, student, notebook, data, replace, infos[0], summary)
    return summary


def _place(
    course: Course,
    assignment: str,
    student: str,
    notebook: str,
    data: bytes,
    replace: bool,
    info: zipfile.ZipInfo,
    summary: CollectSummary,
) -> None:
    try:  # a gradebook id written by other tools: never a path out of submitted/
        check_student_id(student, str(course.gradebook_path))
    except CourseError as exc:
        summary.problems.append((info.filename, str(exc)))
        return
    folder = course.submitted / student / assignment
    target = folder / f"{notebook}.ipynb"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        summary.problems.append((info.filename, f"{target} exists and is not a file"))
        return
    if target.is_file():
        if target.read_bytes() == data:
            summary.unchanged.append((student, notebook))
            return
        if not replace:
            summary.problems.append(
                (
                    info.filename,
                    f"{target} already holds a different submission (--replace keeps a copy "
                    "in .cvcourse/replaced/ and replaces it)",
                )
            )
            return
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        backup = course.root / ".cvcourse" / "replaced" / assignment / student / stamp
        backup.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup / target.name)
        summary.replaced.append((student, notebook))
    else:
        summary.written.append((student, notebook))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{notebook}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    tmp.replace(target)


# ---------------------------------------------------------------------------------- export
@dataclass(frozen=True)
class _Score:
    score: float | None  # None: no submission
    max_score: float


def _scores(
    course: Course, assignments: list[str] | None
) -> tuple[list[Student], list[str], dict[tuple[str, str], _Score]]:
    from nbgrader.api import Gradebook, MissingEntry

    course.check_gradebook(must_exist=True)
    students = gradebook_students(course)
    if not students:
        raise CourseError(course.gradebook_path, "no students in the gradebook")
    scores: dict[tuple[str, str], _Score] = {}
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        known = sorted(a.name for a in gb.assignments)
        chosen = known if not assignments else assignments
        for name in chosen:
            if name not in known:
                listed = ", ".join(known) if known else "none"
                raise CourseError(name, f"not in the gradebook (released: {listed})")
        if not chosen:
            raise CourseError(course.gradebook_path, "no assignment released yet")
        for name in chosen:
            entry = gb.find_assignment(name)
            max_score = float(entry.max_score)
            for student in students:
                try:
                    submission = gb.find_submission(name, student.id)
                except MissingEntry:
                    scores[(student.id, name)] = _Score(None, max_score)
                    continue
                penalty = float(submission.late_submission_penalty or 0.0)
                score = max(0.0, float(submission.score) - penalty)
                scores[(student.id, name)] = _Score(score, max_score)
    return students, list(chosen), scores


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def export_grades(course: Course, fmt: str, assignments: list[str] | None = None) -> str:
    """The gradebook as the CSV text of ``fmt`` (see the module docstring for the columns)."""
    if fmt not in FORMATS:
        raise CourseError(fmt, f"unknown export format (valid: {', '.join(FORMATS)})")
    if fmt == "csv":
        return _nbgrader_csv(course, assignments)
    students, chosen, scores = _scores(course, assignments)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *chosen])
        max_scores = [_number(scores[(students[0].id, a)].max_score) for a in chosen]
        writer.writerow(["Points Possible", "", "", "", "", *max_scores])
        for s in students:
            name = f"{s.last_name}, {s.first_name}" if s.last_name or s.first_name else s.id
            writer.writerow(
                [
                    name,
                    s.lms_user_id,
                    "",
                    s.id,
                    "",
                    *(_number(scores[(s.id, a)].score) for a in chosen),
                ]
            )
    else:
        writer.writerow(
            ["First name", "Last name", "Email address", "ID number", "Username", *chosen]
        )
        for s in students:
            writer.writerow(
                [
                    s.first_name,
                    s.last_name,
                    s.email,
                    s.lms_user_id,
                    s.id,
                    *(_number(scores[(s.id, a)].score) for a in chosen),
                ]
            )
    return out.getvalue()


def _nbgrader_csv(course: Course, assignments: list[str] | None) -> str:
    """nbgrader's CSV columns (``CsvExportPlugin``) plus each student's due date, extension and
    lateness (:class:`~cvcourse.grading.deadlines.CsvWithDeadlines`), of the chosen assignments."""
    import tempfile

    from nbgrader.api import Gradebook

    from cvcourse.grading.deadlines import CsvWithDeadlines

    _scores(course, assignments)  # the same checks as the other formats
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "grades.csv"
        plugin = CsvWithDeadlines(to=str(target), assignment=list(assignments or []))
        with Gradebook(course.db_url, course_id=course.course_id) as gb:
            plugin.export(gb)
        return target.read_text()


def default_output(course: Course, fmt: str) -> Path:
    return course.root / ("grades.csv" if fmt == "csv" else f"grades-{fmt}.csv")


def write_export(text: str, path: Path) -> Path:
    """Write atomically: a reader (or a crash) sees the old file or the new one."""
    if not path.parent.is_dir():
        raise CourseError(path.parent, "no such folder")
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    tmp.write_text(text)
    tmp.replace(path)
    return path
