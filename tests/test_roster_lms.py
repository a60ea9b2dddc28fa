"""The LMS round trip: import a roster, collect Canvas and Moodle bulk downloads, export the
gradebook for csv, Canvas and Moodle and read each file back. Every bad input gets one line
naming the thing, exit status 2, and loses nothing. Uses the toy assignment (released once);
scores are set through nbgrader's gradebook API, as the formgrader does, so no grading run."""

from __future__ import annotations

import csv
import io
import shutil
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from cvcourse.cli import main
from cvcourse.grading.course import Course
from cvcourse.grading.lms import parse_bulk_name
from tests.toy_course import toy_course

ROSTER = """\
id,first_name,last_name,email,lms_user_id
alice,Alice,Martin,alice@uni.example,1001
bob,Bob,Ng,bob@uni.example,1002
chloe,Chloé,Dupont,chloe@uni.example,1003
dan,Dan,O'Brien,dan@uni.example,
"""


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("cvcourse: error: ")
    return err[0]


def _notebook(course: Path, body: str) -> bytes:
    """The released toy notebook with ``body`` as the student's box_area."""
    nb = nbformat.read(course / "release" / "toy" / "toy.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = body
    return nbformat.writes(nb).encode()


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _students(root: Path) -> dict[str, tuple[str, str, str, str | None]]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="cvcourse") as gb:
        return {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students}


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy_course(tmp_path_factory.mktemp("lms") / "course")


@pytest.fixture
def course(released: Path, tmp_path: Path) -> Path:
    """A fresh copy of the released course for each test."""
    return Path(shutil.copytree(released, tmp_path / "course"))


def test_bulk_file_names_of_canvas_and_moodle() -> None:
    canvas = parse_bulk_name("smithjane_LATE_48213_9912345_boxes-1.ipynb")
    assert canvas is not None
    assert (canvas.lms, canvas.name, canvas.lms_id, canvas.file, canvas.late) == (
        "canvas", "smithjane", "48213", "boxes-1.ipynb", True
    )  # fmt: skip
    anonymous = parse_bulk_name("anon_Ab3x9_9912345_boxes.ipynb")
    assert anonymous is not None and anonymous.anonymous and anonymous.lms_id == ""
    for entry in (
        "Jane Smith_1234567_assignsubmission_file_/boxes.ipynb",  # folders (Moodle >= 3.1)
        "Jane Smith_1234567_assignsubmission_file_boxes.ipynb",  # flat
    ):
        moodle = parse_bulk_name(entry)
        assert moodle is not None
        assert (moodle.lms, moodle.name, moodle.lms_id, moodle.file) == (
            "moodle", "Jane Smith", "1234567", "boxes.ipynb"
        )  # fmt: skip
    assert parse_bulk_name("boxes.ipynb") is None
    assert parse_bulk_name("folder/smithjane_1_2_boxes.ipynb") is None


def test_round_trip(course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = ["--course", str(course)]
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    assert main([*run, "roster", "import", str(roster)]) == 0
    assert "4 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert _students(course) == {
        "alice": ("Alice", "Martin", "alice@uni.example", "1001"),
        "bob": ("Bob", "Ng", "bob@uni.example", "1002"),
        "chloe": ("Chloé", "Dupont", "chloe@uni.example", "1003"),
        "dan": ("Dan", "O'Brien", "dan@uni.example", None),
    }
    assert main([*run, "roster", "import", str(roster)]) == 0  # importing again changes nothing
    assert "0 added, 0 updated, 4 unchanged" in capsys.readouterr().out

    # Canvas: by user id; dan (no LMS id in the roster) by the name in the file name
    alice_nb = _notebook(
        course, "def box_area(b):\n    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])"
    )
    bob_nb = _notebook(course, "def box_area(b):\n    return b.sum(1)")
    dan_nb = _notebook(course, "def box_area(boxes):\n    return boxes[:, 0]")
    canvas = _zip(
        tmp_path / "canvas.zip",
        {
            "martinalice_1001_9001_toy.ipynb": alice_nb,
            "ngbob_LATE_1002_9002_toy-1.ipynb": bob_nb,  # late, and renamed by Canvas
            "obriendan_4242_9003_toy.ipynb": dan_nb,
            "ngbob_1002_9004_notes.txt": b"my notes",
            "someone_9999_9005_toy.ipynb": alice_nb,  # not in the roster
            "anon_Zx81q_9006_toy.ipynb": alice_nb,  # anonymous grading
        },
    )
    assert main([*run, "collect", "toy", "--zip", str(canvas)]) == 2
    out, err = capsys.readouterr()
    for student in ("alice", "bob", "dan"):
        assert f"collected {student}/toy/toy.ipynb" in out
    assert "marked late by the LMS: bob" in out and "ignored (not notebooks): 1 file(s)" in out
    errors = err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("cvcourse: error: ") for e in errors)
    assert any("someone_9999_9005_toy.ipynb: Canvas user id 9999" in e for e in errors)
    assert any("anon_Zx81q_9006_toy.ipynb: anonymous grading" in e for e in errors)
    submitted = course / "submitted"
    assert (submitted / "alice/toy/toy.ipynb").read_bytes() == alice_nb
    assert (submitted / "bob/toy/toy.ipynb").read_bytes() == bob_nb
    assert (submitted / "dan/toy/toy.ipynb").read_bytes() == dan_nb
    assert sorted(p.name for p in submitted.iterdir()) == ["alice", "bob", "dan"]

    # Moodle: by full name (accents and case aside); nothing overwritten silently
    chloe_nb = _notebook(
        course, "def box_area(x):\n    w = x[:, 2] - x[:, 0]\n    return w * (x[:, 3] - x[:, 1])"
    )
    bob_again = _notebook(course, "def box_area(b):\n    return b.prod(1)")
    moodle = _zip(
        tmp_path / "moodle.zip",
        {
            "CHLOE DUPONT_77_assignsubmission_file_/toy.ipynb": chloe_nb,
            "Alice Martin_78_assignsubmission_file_toy.ipynb": alice_nb,  # the same: unchanged
            "Bob Ng_79_assignsubmission_file_/toy.ipynb": bob_again,  # differs from Canvas's
            "Bob Ng_79_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
            "Participant_80_assignsubmission_file_/toy.ipynb": alice_nb,  # blind marking
        },
    )
    assert main([*run, "collect", "toy", "--zip", str(moodle)]) == 2
    out, err = capsys.readouterr()
    assert "collected chloe/toy/toy.ipynb" in out and "unchanged: 1 notebook(s)" in out
    assert "Bob Ng_79_assignsubmission_file_/toy.ipynb" in err and "--replace" in err
    assert "Participant_80_assignsubmission_file_/toy.ipynb: blind marking" in err
    assert (submitted / "chloe/toy/toy.ipynb").read_bytes() == chloe_nb
    assert (submitted / "bob/toy/toy.ipynb").read_bytes() == bob_nb  # kept
    assert main([*run, "collect", "toy", "--zip", str(moodle), "--replace"]) == 2  # Participant
    assert "replaced bob/toy/toy.ipynb (old copy kept)" in capsys.readouterr().out
    assert (submitted / "bob/toy/toy.ipynb").read_bytes() == bob_again
    backups = list((course / ".cvcourse/replaced/toy/bob").glob("*/toy.ipynb"))
    assert [b.read_bytes() for b in backups] == [bob_nb]

    # Scores, as a grading run or the formgrader would leave them (bob 1 point late)
    points = {"alice": (2.0, 1.0), "bob": (2.0, 0.0), "chloe": (0.0, 1.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes inside nbgrader
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="cvcourse") as gb:
            for student, (values, speed) in points.items():
                gb.update_or_create_submission("toy", student)
                gb.find_grade("test_box_area_values", "toy", "toy", student).auto_score = values
                gb.find_grade("test_box_area_speed", "toy", "toy", student).auto_score = speed
            gb.find_submission_notebook("toy", "toy", "bob").late_submission_penalty = 1.0
            gb.db.commit()
    expected = {"alice": "3", "bob": "1", "chloe": "1", "dan": ""}  # dan: nothing submitted

    assert main([*run, "export", "--format", "csv"]) == 0
    assert f"wrote {course / 'grades.csv'} (csv)" in capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO((course / "grades.csv").read_text())))
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: float(v or 0) for s, v in expected.items()
    }
    assert {r["student_id"]: float(r["late_submission_penalty"]) for r in rows}["bob"] == 1.0
    assert {"extension_hours", "seconds_late"} <= set(rows[0])  # the deadline columns too

    assert main([*run, "export", "--format", "canvas"]) == 0
    table = list(csv.reader(io.StringIO((course / "grades-canvas.csv").read_text())))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "toy"]
    assert table[1] == ["Points Possible", "", "", "", "", "3"]
    assert table[2:] == [
        ["Martin, Alice", "1001", "", "alice", "", "3"],
        ["Ng, Bob", "1002", "", "bob", "", "1"],
        ["Dupont, Chloé", "1003", "", "chloe", "", "1"],
        ["O'Brien, Dan", "", "", "dan", "", ""],
    ]

    out_file = tmp_path / "to-moodle.csv"
    assert main([*run, "export", "--format", "moodle", "--output", str(out_file)]) == 0
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert list(rows[0]) == [
        "First name",
        "Last name",
        "Email address",
        "ID number",
        "Username",
        "toy",
    ]
    assert {r["Username"]: r["toy"] for r in rows} == expected
    assert {r["Username"]: r["Email address"] for r in rows}["chloe"] == "chloe@uni.example"

    # A second assignment: every format lists it, `--assignment` keeps only the one asked for
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="cvcourse") as gb:
        gb.update_or_create_assignment("later")
    assert main([*run, "export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO((course / "grades.csv").read_text())))
    assert {r["assignment"] for r in rows} == {"toy", "later"}
    assert main([*run, "export", "--format", "csv", "--assignment", "toy"]) == 0
    only = list(csv.DictReader(io.StringIO((course / "grades.csv").read_text())))
    assert {r["assignment"] for r in only} == {"toy"} and len(only) == len(expected)


def test_roster_from_a_canvas_gradebook_export(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "canvas-export.csv"
    export.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,toy (12)\n"
        "    Points Possible,,,,,3\n"
        '"Martin, Alice",1001,S1,alice,CV 101,\n'
        '"Student, Test",999,,,CV 101,\n'
    )
    assert main(["--course", str(course), "roster", "import", str(export)]) == 0
    assert "1 added" in capsys.readouterr().out
    assert _students(course) == {"alice": ("Alice", "Martin", None, "1001")}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,email\nAlice,a@x\n", "no student id column"),
        ("id,first_name\nalice,A\nalice,B\n", "roster.csv:3: student id 'alice' already on line 2"),
        ("id\n../etc\n", "roster.csv:2: student id '../etc' is not usable as a folder name"),
        ("id,lms_user_id\na,1\nb,1\n", "roster.csv:3: LMS user id '1' already on line 2"),
        ("id,first_name\n,Alice\n", "roster.csv:2: empty student id"),
        ("", "roster.csv: empty"),
    ],
)
def test_bad_roster_changes_nothing(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(ROSTER)
    assert main(["--course", str(course), "roster", "import", str(good)]) == 0
    capsys.readouterr()
    before = _students(course)
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    assert main(["--course", str(course), "roster", "import", str(roster)]) == 2
    assert problem in _one_error_line(capsys)
    assert _students(course) == before


def test_roster_file_problems(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = ["--course", str(course), "roster", "import"]
    assert main([*run, str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: no such file" in _one_error_line(capsys)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,first_name\nchloe,Chlo\xe9\n".encode("latin-1"))
    assert main([*run, str(latin)]) == 2
    assert "latin.csv: not UTF-8 text" in _one_error_line(capsys)
    taken = tmp_path / "taken.csv"
    taken.write_text(ROSTER)
    assert main([*run, str(taken)]) == 0
    capsys.readouterr()
    taken.write_text("id,lms_user_id\nzoe,1001\n")  # alice's LMS id
    assert main([*run, str(taken)]) == 2
    assert "LMS user id '1001' of 'zoe' already belongs to 'alice'" in _one_error_line(capsys)
    assert "zoe" not in _students(course)


def test_collect_and_export_refuse_bad_input(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = ["--course", str(course)]
    some_zip = _zip(tmp_path / "a.zip", {"x_1_2_toy.ipynb": b"{}"})
    assert main([*run, "collect", "toy", "--zip", str(some_zip)]) == 2
    assert "no students in the gradebook" in _one_error_line(capsys)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    assert main([*run, "roster", "import", str(roster)]) == 0
    capsys.readouterr()
    assert main([*run, "collect", "a9", "--zip", str(some_zip)]) == 2
    assert "a9: unknown assignment (valid: toy)" in _one_error_line(capsys)
    assert main([*run, "collect", "toy", "--zip", str(tmp_path / "missing.zip")]) == 2
    assert "missing.zip: no such file" in _one_error_line(capsys)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not a zip")
    assert main([*run, "collect", "toy", "--zip", str(not_zip)]) == 2
    assert "notes.zip: not a zip file" in _one_error_line(capsys)
    twice = _zip(
        tmp_path / "twice.zip",
        {"martinalice_1001_1_toy.ipynb": b"{}", "martinalice_1001_2_toy-1.ipynb": b"[]"},
    )
    assert main([*run, "collect", "toy", "--zip", str(twice)]) == 2
    err = capsys.readouterr().err
    assert err.count("alice/toy.ipynb given twice") == 2
    assert not (course / "submitted" / "alice").exists()

    assert main([*run, "export", "--assignment", "a9"]) == 2
    assert "a9: not in the gradebook (released: toy)" in _one_error_line(capsys)
    assert main([*run, "export", "--output", str(tmp_path / "no" / "such.csv")]) == 2
    assert "no: no such folder" in _one_error_line(capsys)
    with pytest.raises(SystemExit) as exit_info:
        main([*run, "export", "--format", "blackboard"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'blackboard'" in _one_error_line(capsys)


def test_export_without_a_gradebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = toy_course(tmp_path / "course", release=False)
    assert main(["--course", str(root), "export", "--format", "canvas"]) == 2
    assert "no gradebook yet" in _one_error_line(capsys)
    assert not Course.open(root).gradebook_path.exists()


def test_corrupt_gradebook_is_reported_and_left_untouched(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gradebook = course / "gradebook.db"
    gradebook.write_bytes(b"this is not an SQLite database, but somebody's grades" * 100)
    before = gradebook.read_bytes()
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    some_zip = _zip(tmp_path / "a.zip", {"martinalice_1001_1_toy.ipynb": b"{}"})
    run = ["--course", str(course)]
    for command in (
        ["roster", "import", str(roster)],
        ["collect", "toy", "--zip", str(some_zip)],
        ["export", "--format", "canvas"],
    ):
        assert main([*run, *command]) == 2
        assert "gradebook.db: corrupt gradebook" in _one_error_line(capsys)
    assert gradebook.read_bytes() == before
    assert not (course / "submitted").exists()
