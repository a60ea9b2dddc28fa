"""The grading lane (``--workers 1``): tasks in order, the last one told so, a failed task (the
preflight) stops everything after it, and the lane's kernels are closed when it ends."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest

from cvcourse.grading import autograde, runner
from cvcourse.grading.autograde import GradeOptions, grade
from cvcourse.grading.course import Course
from cvcourse.grading.lane import Lane
from cvcourse.grading.limits import SandboxLimits
from cvcourse.grading.sandbox import SandboxPlan
from cvcourse.grading.submissions import build_submission
from tests.toy_course import toy_course


@pytest.fixture
def closed_pools() -> list[str]:
    """The threads in which a lane's ``on_end`` (closing its kernel pool) ran."""
    return []


def lane_recording(closed: list[str]) -> Lane:
    return Lane(on_end=lambda: closed.append(threading.current_thread().name))


def test_tasks_run_in_order_and_only_the_last_is_told_nothing_follows(
    closed_pools: list[str],
) -> None:
    lane = lane_recording(closed_pools)
    seen: list[tuple[int, bool]] = []
    for n in range(3):
        lane.submit(lambda more, n=n: seen.append((n, more)) or n * 10)
    lane.no_more_tasks()
    assert list(lane.results(3, threading.Event())) == [0, 10, 20]
    lane.close()
    assert seen == [(0, True), (1, True), (2, False)]
    assert closed_pools == ["cvcourse-lane"]  # its kernels go with it


def test_while_more_may_come_every_task_warms_the_next_kernel(closed_pools: list[str]) -> None:
    lane = lane_recording(closed_pools)
    seen: list[bool] = []
    lane.submit(seen.append)
    assert lane.result() is None
    assert seen == [True]  # the caller has not said it is done: another task may follow
    lane.close()


def test_a_failed_task_is_raised_to_the_caller_and_nothing_after_it_runs(
    closed_pools: list[str],
) -> None:
    lane = lane_recording(closed_pools)
    ran: list[str] = []

    def failed_preflight(more: bool) -> None:
        raise autograde.CourseError("preflight", "the instructor's notebook fails")

    lane.submit(failed_preflight)
    lane.submit(lambda more: ran.append("a submission"))
    lane.no_more_tasks()
    with pytest.raises(autograde.CourseError, match="instructor's notebook fails"):
        lane.result()
    lane.close()
    assert ran == []
    assert closed_pools == ["cvcourse-lane"]


def test_results_end_when_asked_to_stop_and_close_waits_for_the_current_task(
    closed_pools: list[str],
) -> None:
    lane = lane_recording(closed_pools)
    started, finished = threading.Event(), threading.Event()

    def slow(more: bool) -> str:
        started.set()
        time.sleep(0.5)
        finished.set()
        return "slow"

    lane.submit(slow)
    lane.submit(lambda more: "never")
    lane.no_more_tasks()
    stop = threading.Event()
    started.wait(5)
    stop.set()  # Ctrl-C while the first task runs
    assert list(lane.results(2, stop)) == []
    lane.close()
    assert finished.is_set() and closed_pools == ["cvcourse-lane"]


def test_the_last_submission_of_a_lane_starts_no_spare_kernel() -> None:
    plan = SandboxPlan(SandboxLimits(), (), False)  # unsandboxed: only the pool is under test
    pool = runner.KernelPool()
    try:
        first = pool.take(plan)
        assert pool.spare is not None  # the next one warms while this one is graded
        last = pool.take(plan, warm_next=False)
        assert pool.spare is None
        assert last is not first
        for kernel in (first, last):
            kernel.close()
    finally:
        pool.close()


def test_default_workers_is_one_per_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, workers in ((1, 1), (2, 1), (3, 1), (4, 2), (16, 8)):
        monkeypatch.setattr(autograde.os, "sched_getaffinity", lambda pid, n=cores: set(range(n)))
        assert autograde.default_workers() == workers
    assert autograde.GradeOptions().workers == 8  # the default follows the machine


@pytest.mark.slow
def test_a_lane_grades_with_kernels_of_its_own_and_leaves_none_running(tmp_path: Path) -> None:
    """``--workers 1``: right scores, the process's shared pool never used (a lane still ending
    after an interrupted run cannot close another run's kernels), no kernel left behind."""
    from cvcourse.grading.sandbox import SUPPORT_PREFIX, sandbox_unavailable_reason

    def kernel_folders() -> set[Path]:
        return set(Path(tempfile.gettempdir()).glob(SUPPORT_PREFIX + "*"))

    root = toy_course(tmp_path / "course")
    build_submission(root, "toy", "good")
    build_submission(root, "toy", "wrong", cells={"box_area": "def box_area(b):\n    return 0"})
    options = GradeOptions(
        workers=1, seed=5, feedback=False, unsafe=sandbox_unavailable_reason() is not None
    )
    runner.close_pool()  # whatever earlier tests of this process left in the shared pool
    before = kernel_folders()
    summary = grade(Course.open(root), "toy", options)
    assert {r.student: r.score for r in summary.results} == {"good": 3.0, "wrong": 0.0}
    assert runner.POOL.spare is None and not runner.POOL.references
    assert kernel_folders() - before == set()  # every kernel of the lane was closed
