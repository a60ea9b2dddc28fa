"""A term on a shared server: nbgrader's file-system exchange between three real Unix users.

The instructor releases the toy assignment to the exchange; two students fetch it, answer (one
right, one with a catalogued mistake), validate and submit, each as themselves; the instructor
collects, grades with ``cvcourse grade`` (sandboxed, feedback included) and releases the
feedback; each student fetches their own feedback and only theirs. Throughout, a student can read
neither the other's work nor the instructor's course (source, gradebook, submissions).

The exchange is set up as nbgrader documents it: one folder writable by everyone
(``c.Exchange.root``), the course id in each user's ``~/.jupyter/nbgrader_config.py``; the
course root belongs to the instructor, mode 0700. Needs root (CI): it makes the users.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.grading.course import Course
from tests.toy_course import toy_course
from tests.unix_users import REPO, as_user, ensure_user, interpreter_reachable

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="makes Unix users: needs root (as in CI)"),
]

INSTRUCTOR, ADA, BOB = "cvcourse-teach", "cvcourse-ada", "cvcourse-bob"
BIN = Path(sys.executable).parent
ANSWERS = {
    ADA: "def box_area(boxes):\n    # ada's answer\n"
    "    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])\n",
    BOB: "def box_area(boxes):\n    # bob's answer\n    return (boxes[:, 2] - boxes[:, 0]) ** 2\n",
}
# Run by a student: fill in their own notebook (they never see the instructor's solution).
ANSWER = """
import nbformat, sys
path, answer = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, 4)
cell = next(c for c in nb.cells if "raise NotImplementedError" in c.source)
cell.source = answer
nbformat.write(nb, path)
"""
# Run by a student: try to read what is not theirs; prints what they could read.
PRY = """
import json, os, sys
readable = []
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        readable.append(path)
    except OSError:
        pass
print(json.dumps(readable))
"""


def _env(user: str, home: Path) -> dict[str, str]:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "USER": user,
        "LOGNAME": user,
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "OMP_WAIT_POLICY": "PASSIVE",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _shows(page: str, text: str) -> bool:
    return text in page or text.replace("'", "&#39;") in page


def test_release_submit_collect_grade_and_feedback_between_real_users() -> None:
    users = {name: ensure_user(name) for name in (INSTRUCTOR, ADA, BOB)}
    homes = {name: Path(user.pw_dir) for name, user in users.items()}
    top = Path(tempfile.mkdtemp(prefix="cvcourse-exchange-", dir="/tmp"))
    top.chmod(0o755)
    exchange = top / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader: the exchange is writable by everyone (it sets sub-modes)
    course_root = toy_course(top / "course", release=False)
    config = course_root / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.Exchange.root = {str(exchange)!r}\n")
    for path in [course_root, *course_root.rglob("*")]:
        os.lchown(path, users[INSTRUCTOR].pw_uid, users[INSTRUCTOR].pw_gid)
    course_root.chmod(0o700)
    for name in (ADA, BOB):
        home = homes[name]
        for old in ("toy", ".jupyter", ".local"):
            shutil.rmtree(home / old, ignore_errors=True)  # a previous run's leftovers
        (home / ".jupyter").mkdir()
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
            "c.CourseDirectory.course_id = 'cvcourse'\n"
        )
        for path in [home, *home.rglob("*")]:
            os.lchown(path, users[name].pw_uid, users[name].pw_gid)
        home.chmod(0o700)

    def run(name: str, *command: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            as_user(users[name], list(command)),
            cwd=cwd or homes[name],
            env=_env(name, homes[name]),
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{name}: {' '.join(command)}\n{output[-3000:]}"
        return output

    nbgrader = str(BIN / "nbgrader")
    cvcourse = [sys.executable, "-m", "cvcourse.cli"]
    try:
        with interpreter_reachable():
            # The instructor releases to the exchange.
            run(INSTRUCTOR, *cvcourse, "release", "toy", cwd=course_root)
            run(INSTRUCTOR, nbgrader, "release_assignment", "toy", cwd=course_root)
            # Each student fetches, answers, validates and submits, as themselves.
            validated = {}
            for name in (ADA, BOB):
                run(name, nbgrader, "fetch_assignment", "toy")
                notebook = homes[name] / "toy" / "toy.ipynb"
                run(name, sys.executable, "-c", ANSWER, str(notebook), ANSWERS[name])
                validated[name] = run(name, nbgrader, "validate", str(notebook))
                run(name, nbgrader, "submit", "toy")
            assert "Success! Your notebook passes all the tests." in validated[ADA]
            assert "VALIDATION FAILED" in validated[BOB]
            assert "width times width" in validated[BOB]
            # The instructor collects, grades (sandboxed, with feedback) and releases feedback.
            run(INSTRUCTOR, nbgrader, "collect", "toy", cwd=course_root)
            graded = run(
                INSTRUCTOR, *cvcourse, "grade", "toy", "--workers", "1", "--seed", "5",
                cwd=course_root,
            )  # fmt: skip
            assert f"{ADA}: 3 / 3" in graded and f"{BOB}: 0 / 3" in graded, graded
            report = run(
                INSTRUCTOR, *cvcourse, "report", "toy", "--format", "json", cwd=course_root
            )
            reasons = [r["reason"] for r in json.loads(report)["rows"] if r["student"] == BOB]
            assert any("width times width" in r for r in reasons), reasons
            run(INSTRUCTOR, nbgrader, "release_feedback", "toy", cwd=course_root)
            # Each student fetches their own feedback, and only theirs.
            feedback = {}
            for name in (ADA, BOB):
                run(name, nbgrader, "fetch_feedback", "toy")
                pages = list((homes[name] / "toy" / "feedback").glob("*/toy.html"))
                assert len(pages) == 1, pages
                feedback[name] = pages[0].read_text()
            assert _shows(feedback[ADA], "ada's answer")
            assert not _shows(feedback[ADA], "bob's answer")
            assert _shows(feedback[BOB], "bob's answer") and "width times width" in feedback[BOB]
            assert not _shows(feedback[BOB], "ada's answer")
            assert all("SECRET_TOY_HIDDEN" not in page for page in feedback.values())
            # Nobody reads what is not theirs: the other's home, the exchange's inbound and
            # feedback folders (listing), the course (source, gradebook, submissions).
            for name, other in ((ADA, BOB), (BOB, ADA)):
                targets = [
                    homes[other] / "toy" / "toy.ipynb",
                    homes[other],
                    exchange / "cvcourse" / "inbound",
                    exchange / "cvcourse" / "feedback",
                    course_root / "source" / "toy" / "toy.ipynb",
                    course_root / "gradebook.db",
                    course_root / "submitted" / other / "toy" / "toy.ipynb",
                    course_root / "feedback" / other / "toy" / "toy.html",
                ]
                pried = run(name, sys.executable, "-c", PRY, *map(str, targets))
                assert json.loads(pried.strip().splitlines()[-1]) == [], pried
        with Gradebook(Course.open(course_root).db_url, course_id="cvcourse") as gb:
            assert {s.student.id for s in gb.find_assignment("toy").submissions} == {ADA, BOB}
            assert gb.find_submission("toy", ADA).timestamp is not None  # from the exchange
    finally:
        shutil.rmtree(top, ignore_errors=True)
        for name in (ADA, BOB):
            for old in ("toy", ".local"):
                shutil.rmtree(homes[name] / old, ignore_errors=True)
