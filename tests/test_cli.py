"""The `cvcourse` command: bad input gets one line naming the thing and the problem, exit 2,
and nothing already graded is lost. Uses the toy assignment in a temporary course."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cvcourse.cli import main
from cvcourse.grading.demo import copy_course
from cvcourse.grading.submissions import build_submission

ROOT = Path(__file__).resolve().parents[1]
TOY_SOURCE = ROOT / "tests" / "assignments" / "toy"


def _course(tmp: Path) -> Path:
    root = tmp / "course"
    (root / "source").mkdir(parents=True)
    shutil.copyfile(ROOT / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(TOY_SOURCE / "source" / "toy", root / "source" / "toy")
    return root


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("cvcourse: error: ")
    return err[0]


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _course(tmp_path_factory.mktemp("cli"))
    assert main(["--course", str(root), "release", "toy"]) == 0
    return root


def test_unknown_assignment_lists_the_valid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _course(tmp_path)
    for command in ("release", "grade", "report"):
        assert main(["--course", str(root), command, "a9_nothing"]) == 2
        line = _one_error_line(capsys)
        assert "a9_nothing: unknown assignment (valid: toy)" in line


def test_not_a_course(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(tmp_path), "report", "toy"]) == 2
    assert "not a course root" in _one_error_line(capsys)


def test_bad_arguments_get_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["grade"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: assignment" in _one_error_line(capsys)


def test_no_submissions(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(released), "grade", "toy", "--unsafe"]) == 2
    assert "no submissions for toy" in _one_error_line(capsys)


def test_unknown_student(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_submission(released, "toy", "someone")
    try:
        assert main(["--course", str(released), "grade", "toy", "--student", "ghost"]) == 2
        assert "ghost/toy: no such submission" in _one_error_line(capsys)
    finally:
        shutil.rmtree(released / "submitted")


def test_report_before_grading(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(released), "report", "toy"]) == 2
    assert "nothing graded yet" in _one_error_line(capsys)


def test_grade_before_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _course(tmp_path)
    assert main(["--course", str(root), "grade", "toy", "--unsafe"]) == 2
    assert "no gradebook yet" in _one_error_line(capsys)


def test_bad_worker_count(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(released), "grade", "toy", "--workers", "0"]) == 2
    assert "--workers: must be at least 1" in _one_error_line(capsys)


def test_corrupt_gradebook_is_reported_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _course(tmp_path)
    gradebook = root / "gradebook.db"
    gradebook.write_bytes(b"this is not an SQLite database, but somebody's grades" * 100)
    before = gradebook.read_bytes()
    for command in ("release", "grade", "report"):
        assert main(["--course", str(root), command, "toy"]) == 2
        line = _one_error_line(capsys)
        assert "gradebook.db: corrupt gradebook" in line
    assert gradebook.read_bytes() == before


def test_release_refuses_a_source_that_leaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A misspelled marker ("TEST", not "TESTS"): nbgrader keeps the region; the check must not.
    import nbformat

    root = _course(tmp_path)
    path = root / "source" / "toy" / "toy.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells[-1].source += "\n### BEGIN HIDDEN TEST\nsecret_expected = 42\n### END HIDDEN TEST"
    nbformat.write(nb, path)
    assert main(["--course", str(root), "release", "toy"]) == 2
    line = _one_error_line(capsys)
    assert "toy.ipynb: the release leaks" in line and "BEGIN HIDDEN" in line


@pytest.mark.slow
def test_grade_reports_a_corrupt_notebook_and_grades_the_rest(released: Path) -> None:
    build_submission(released, "toy", "good")
    build_submission(released, "toy", "wrong", cells={"box_area": "def box_area(b):\n    return b"})
    build_submission(released, "toy", "broken", raw_text="not a notebook at all")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        [sys.executable, "-m", "cvcourse.cli", "--course", str(released), "grade", "toy",
         "--workers", "2", "--timeout", "30"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("cvcourse: error:")]
    assert len(errors) == 1 and "broken/toy/toy.ipynb: not a readable notebook" in errors[0]
    # `wrong` returns its input: wrong values, and a fast wrong answer earns no speed point.
    assert "good: 3 / 3" in run.stdout and "wrong: 0 / 3" in run.stdout
    assert (released / "grades.csv").is_file()
    report = subprocess.run(
        [sys.executable, "-m", "cvcourse.cli", "--course", str(released), "report", "toy",
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    import json

    data = json.loads(report.stdout)
    assert data["totals"] == {"good": {"points": 3, "max": 3}, "wrong": {"points": 0, "max": 3}}
    lost = [r for r in data["rows"] if r["points"] < r["max_points"]]
    assert lost and all(r["reason"].startswith("box_area: ") for r in lost)
    # The reasons come from the run's results file, not from the autograded notebooks.
    assert (released / ".cvcourse" / "results" / "toy" / "wrong.json").is_file()
    shutil.rmtree(released / "autograded" / "wrong")
    without = subprocess.run(
        [sys.executable, "-m", "cvcourse.cli", "--course", str(released), "report", "toy",
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert json.loads(without.stdout)["rows"] == data["rows"]
    # A corrupt gradebook afterwards: one line, and the grades file is not touched.
    copy = released.parent / "copy"
    shutil.copytree(released, copy)
    (copy / "gradebook.db").write_bytes(b"garbage")
    again = subprocess.run(
        [sys.executable, "-m", "cvcourse.cli", "--course", str(copy), "report", "toy"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert (copy / "gradebook.db").read_bytes() == b"garbage"


@pytest.mark.slow
def test_plain_nbgrader_autograde_refuses_and_changes_no_grade(released: Path) -> None:
    """No side door: nbgrader's own autograde (and the formgrader's button) would run student
    code unsandboxed, as the instructor; in this course it refuses and points to cvcourse grade."""
    from nbgrader.api import Gradebook

    build_submission(released, "toy", "good")  # graded here (or already, by an earlier test)
    graded = main(
        [
            "--course",
            str(released),
            "grade",
            "toy",
            "--student",
            "good",
            "--workers",
            "1",
            "--no-feedback",
        ]
    )
    assert graded == 0
    build_submission(released, "toy", "mallory")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "autograde", "toy", "--force"],
        cwd=released, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "cvcourse grade" in done.stdout + done.stderr
    with Gradebook(f"sqlite:///{released / 'gradebook.db'}", course_id="cvcourse") as gb:
        assert gb.find_submission("toy", "good").score == 3  # graded earlier, still there
        assert all(s.score == 0 for s in gb.find_submission("toy", "mallory").notebooks)


def test_copy_course_copies_only_config_and_sources(tmp_path: Path) -> None:
    course = copy_course(ROOT / "assignments", tmp_path / "c", [])
    assert sorted(p.name for p in course.root.iterdir()) == ["nbgrader_config.py", "source"]
