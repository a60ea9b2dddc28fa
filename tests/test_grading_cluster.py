"""Grading on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
loopback, started here. Jobs carry their data, so the workers run in a folder of their own with no
access to the course; a worker killed during the run loses no submission."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.cli import main
from cvcourse.grading.autograde import GradeOptions, grade
from cvcourse.grading.course import Course
from cvcourse.grading.submissions import build_submission

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    elsewhere = tmp_path / "workers"  # not the course: the jobs must bring everything
    elsewhere.mkdir()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": elsewhere}
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        start_new_session=True,
        **quiet,  # type: ignore[arg-type]
    )
    workers = [
        subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"],
            start_new_session=True,
            **quiet,  # type: ignore[arg-type]
        )
        for _ in range(2)
    ]
    try:
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _course(tmp: Path, students: int) -> Course:
    root = tmp / "course"
    (root / "source").mkdir(parents=True)
    shutil.copyfile(ROOT / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "tests/assignments/toy/source/toy", root / "source" / "toy")
    assert main(["--course", str(root), "release", "toy"]) == 0
    for i in range(students):
        build_submission(root, "toy", f"s{i}")
    build_submission(root, "toy", "wrong", cells={"box_area": "def box_area(b):\n    return b"})
    return Course.open(root)


def test_a_dask_cluster_grades_and_a_killed_worker_loses_nothing(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    course = _course(tmp_path, students=5)

    def kill_one_worker_once_grading_runs() -> None:
        time.sleep(8)  # the preflight runs first, in this process
        workers[0].send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker_once_grading_runs, daemon=True)
    killer.start()
    options = GradeOptions(scheduler=address, seed=3, feedback=False, timeout=30)
    summary = grade(course, "toy", options)
    killer.join()
    assert workers[0].poll() is not None  # the worker really died during the run
    scores = {r.student: r.score for r in summary.results}
    assert scores == {**{f"s{i}": 3.0 for i in range(5)}, "wrong": 0.0}
    with Gradebook(course.db_url, course_id="cvcourse") as gb:
        assert gb.find_submission("toy", "s4").score == 3.0
