"""Grading as an ordinary user: the same sandbox (a user namespace instead of a private uid),
the same scores, the course still invisible to the student's code.

Run as root (CI), the test makes an ordinary user and grades as that user with ``runuser``; run as
an ordinary user, it grades as itself. The interpreter the virtual environment links to may live
under ``/root`` (mode 0700): for the run only, ``/root`` is made traversable (not readable) by
others, and its mode is put back afterwards (``tests/unix_users.py``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.grading.course import Course
from cvcourse.grading.demo import copy_course
from cvcourse.grading.release import release
from cvcourse.grading.submissions import build_submission, load_catalogue
from tests.adversarial import read_gradebook
from tests.unix_users import ensure_user, interpreter_reachable

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a3_boxes"
USER = "cvcourse-grader"
MISTAKE = "iou_plus_one"


def _ensure_user() -> pwd.struct_passwd:
    return ensure_user(USER)


def test_an_ordinary_user_grades_sandboxed_with_the_same_scores() -> None:
    root = Path(tempfile.mkdtemp(prefix="cvcourse-unprivileged-", dir="/tmp"))
    try:
        course = copy_course(REPO / "assignments", root / "course", [ASSIGNMENT])
        release(course, ASSIGNMENT)
        build_submission(course.root, ASSIGNMENT, "ada")
        mistake = next(
            m
            for m in load_catalogue(REPO / "tests/assignments" / ASSIGNMENT / "mistakes")
            if m.id == MISTAKE
        )
        build_submission(course.root, ASSIGNMENT, "bob", cells=mistake.cells)
        build_submission(course.root, ASSIGNMENT, "eve", cells=read_gradebook.CELLS)
        command = [sys.executable, "-m", "cvcourse.cli", "--course", str(course.root)]
        command += ["grade", ASSIGNMENT, "--workers", "1", "--seed", "7", "--no-feedback"]
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8"}
        if os.geteuid() == 0:
            user = _ensure_user()
            for path in [root, *root.rglob("*")]:
                os.lchown(path, user.pw_uid, user.pw_gid)
            command = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", USER, "--", *command]
            env["HOME"] = user.pw_dir
        with interpreter_reachable():
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "--unsafe" not in done.stderr
        with Gradebook(Course.open(course.root).db_url, course_id="cvcourse") as gb:
            scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("ada", "bob", "eve")}
        points = {
            "test_box_iou_slides": 2,
            "test_box_iou_edges": 3,
            "test_box_iou_random": 3,
            "test_box_iou_speed": 2,
        }
        assert scores["ada"] == 29
        assert scores["bob"] == 29 - sum(points[g] for g in mistake.loses)
        assert scores["eve"] == 29 - 3  # the course stayed invisible: box_convert was wrong
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_adversarial_suite_holds_for_an_ordinary_user() -> None:
    """tests/test_adversarial.py, whole, run by pytest as an ordinary user (as root: by the user
    this module makes): every attack earns exactly what it earns as root."""
    command = [sys.executable, "-m", "pytest", "tests/test_adversarial.py", "-q", "-x"]
    command += ["-p", "no:cacheprovider"]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    if os.geteuid() == 0:
        user = _ensure_user()
        command = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", USER, "--", *command]
        env["HOME"] = user.pw_dir
    else:
        env["HOME"] = os.environ.get("HOME", "/tmp")
    with interpreter_reachable():
        done = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, env=env, timeout=1800
        )
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and " failed" not in done.stdout, tail
