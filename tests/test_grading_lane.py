"""The grading lane (``--workers 1``): tasks in order, the last one told so, a failed task (the
preflight) stops everything after it, and the lane's kernels are closed when it ends."""

from __future__ import annotations

import threading
import time

import pytest

from cvcourse.grading import autograde, runner
from cvcourse.grading.lane import Lane
from cvcourse.grading.limits import SandboxLimits
from cvcourse.grading.sandbox import SandboxPlan


@pytest.fixture
def closed_pools(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each time a lane closes its kernel pool (instead of closing the real one)."""
    closed: list[str] = []
    monkeypatch.setattr(
        runner, "close_pool", lambda: closed.append(threading.current_thread().name)
    )
    return closed


def test_tasks_run_in_order_and_only_the_last_is_told_nothing_follows(
    closed_pools: list[str],
) -> None:
    lane = Lane()
    seen: list[tuple[int, bool]] = []
    for n in range(3):
        lane.submit(lambda more, n=n: seen.append((n, more)) or n * 10)
    lane.no_more_tasks()
    assert list(lane.results(3, threading.Event())) == [0, 10, 20]
    lane.close()
    assert seen == [(0, True), (1, True), (2, False)]
    assert closed_pools == ["cvcourse-lane"]  # its kernels go with it


def test_while_more_may_come_every_task_warms_the_next_kernel(closed_pools: list[str]) -> None:
    lane = Lane()
    seen: list[bool] = []
    lane.submit(seen.append)
    assert lane.result() is None
    assert seen == [True]  # the caller has not said it is done: another task may follow
    lane.close()


def test_a_failed_task_is_raised_to_the_caller_and_nothing_after_it_runs(
    closed_pools: list[str],
) -> None:
    lane = Lane()
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
    lane = Lane()
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
