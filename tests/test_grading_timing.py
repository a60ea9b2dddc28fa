"""Speed verdicts are stable: the same submission gets the same score every time, under load.

Ten copies of a correct submission and ten of a Python-loop one are graded in one run, in one
lane (``--workers 1``, the default on two cores) and on two parallel Dask workers, while two extra
processes keep both cores busy. A timed check races the
student's function against the instructor's solution in an identical sandbox at the same moment
(``observe.expect_fast``), so load slows both alike: every correct copy gets full marks and every
loop copy loses exactly the speed cell, never more or less.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from cvcourse.grading.autograde import GradeOptions, grade
from cvcourse.grading.course import Course
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course

pytestmark = pytest.mark.slow

COPIES = 10
LOOP = {
    "box_area": (
        "import torch\n\n"
        "def box_area(boxes):\n"
        "    return torch.stack([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])\n"
    )
}


def _spin() -> None:
    while True:
        pass


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """Two processes that burn CPU for as long as the test runs."""
    hogs = [multiprocessing.get_context("spawn").Process(target=_spin) for _ in range(2)]
    for hog in hogs:
        hog.start()
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.join()


@pytest.mark.parametrize("workers", [1, 2], ids=["lane", "dask"])
def test_the_same_submission_gets_the_same_score_every_time_under_load(
    tmp_path: Path, busy_cores: None, workers: int
) -> None:
    root = toy_course(tmp_path / "course")
    for copy in range(COPIES):
        build_submission(root, "toy", f"correct{copy:02d}")
        build_submission(root, "toy", f"loop{copy:02d}", cells=LOOP)
    course = Course.open(root)
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    options = GradeOptions(
        workers=workers, seed=11, feedback=False, unsafe=sandbox_unavailable_reason() is not None
    )
    summary = grade(course, "toy", options)
    assert not summary.skipped, [r.problem for r in summary.skipped]
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        cells = {
            s.student.id: {g.name: float(g.score) for g in s.notebooks[0].grades}
            for s in gb.find_assignment("toy").submissions
        }
    correct = {s: c for s, c in cells.items() if s.startswith("correct")}
    loop = {s: c for s, c in cells.items() if s.startswith("loop")}
    assert len(correct) == len(loop) == COPIES
    reasons = {r.student: r.note for r in summary.results}
    assert all(
        c == {"test_box_area_values": 2.0, "test_box_area_speed": 1.0} for c in correct.values()
    ), (correct, reasons)
    assert all(
        c == {"test_box_area_values": 2.0, "test_box_area_speed": 0.0} for c in loop.values()
    ), (loop, reasons)
