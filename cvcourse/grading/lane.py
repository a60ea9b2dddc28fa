"""One grading lane: jobs graded one after another in a background thread of this process.

``cvcourse grade --workers 1`` (the default on a machine of two or three cores) grades here
instead of on Dask. The lane grades the preflight first, then the submissions in the order they
were given, while the calling thread sanitizes the next submissions and saves the finished ones:
grading and saving overlap, and the lane's spare kernel warms up on the other core meanwhile.
Only the lane judges (one judging thread per process: :mod:`~cvcourse.grading.observe` and the
kernel pool are not shared), and the caller only reads results.

A task that raises (the preflight's ``CourseError``) stops the lane before it takes another
task, so no submission is graded after a failed preflight. :meth:`Lane.close` asks the lane to
stop after its current task; the lane calls ``on_end`` (closing its own kernel pool) when it
ends, so a lane still finishing a task after an interrupted run touches no other run's kernels.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_END = object()  # no more tasks


@dataclass
class _Done:
    """What one task returned or raised."""

    value: Any = None
    error: BaseException | None = None


class Lane:
    """A background thread that runs tasks in order: ``submit`` them, then ``results``.

    Args:
        on_end: called in the lane's thread when it ends (say, closing its kernels).
    """

    def __init__(self, on_end: Callable[[], None]) -> None:
        self._on_end = on_end
        self._tasks: queue.Queue[Any] = queue.Queue()
        self._done: queue.Queue[_Done] = queue.Queue()
        self._stop = threading.Event()
        self._input_closed = threading.Event()
        self._submitted = 0  # tasks given (by the caller)
        self._taken = 0  # tasks started (by the lane)
        self._thread = threading.Thread(target=self._run, name="cvcourse-lane", daemon=True)
        self._thread.start()

    def submit(self, task: Callable[[bool], Any]) -> None:
        """Queue ``task(more)``; ``more`` says whether another task may follow it (so the lane
        warms a kernel for it, or not)."""
        self._submitted += 1
        self._tasks.put(task)

    def no_more_tasks(self) -> None:
        self._input_closed.set()
        self._tasks.put(_END)

    def result(self) -> Any:
        """The next task's return value, in order; re-raises what the task raised."""
        done = self._done.get()
        if done.error is not None:
            raise done.error
        return done.value

    def results(self, count: int, stop: threading.Event) -> Iterator[Any]:
        """The next ``count`` results as they come; ends early once ``stop`` is set."""
        for _ in range(count):
            while True:
                if stop.is_set():
                    return
                try:
                    done = self._done.get(timeout=0.2)
                    break
                except queue.Empty:
                    continue
            if done.error is not None:
                raise done.error
            yield done.value

    def close(self, wait: float = 30.0) -> None:
        """Stop after the current task; wait up to ``wait`` seconds for the lane to end."""
        self._stop.set()
        self._tasks.put(_END)
        self._thread.join(timeout=wait)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                task = self._tasks.get()
                if task is _END:
                    break
                self._taken += 1
                more = not self._input_closed.is_set() or self._taken < self._submitted
                try:
                    self._done.put(_Done(value=task(more)))
                except BaseException as exc:  # handed to the caller; nothing runs after it
                    self._done.put(_Done(error=exc))
                    break
        finally:
            self._on_end()
