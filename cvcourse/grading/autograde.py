"""``cvcourse grade``: preflight, grade submissions in parallel (Dask), save one by one.

The flow for one assignment (nbgrader stays the system of record):

1. **sanitize** each submission with nbgrader's own preprocessors (``ClearOutput``,
   ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells`` — which restores test cells,
   hidden tests and deleted test cells from the gradebook —, ``CheckCellMetadata``); a submission
   that is a symbolic link, is not a notebook or carries too many bytes is reported, not graded;
2. **preflight** (job 0): the instructor's own notebook goes through the very same sandbox and
   judge and must score full marks, or the run stops before any grade is touched;
3. **grade** each submission as a :class:`~cvcourse.grading.protocol.Job` (plain data) with
   :func:`~cvcourse.grading.runner.grade_job`: the student's cells in a sandboxed kernel, the
   test cells in the worker against proxies of the student's functions. ``workers=1`` (the
   default on two or three cores) grades in one :class:`~cvcourse.grading.lane.Lane`, a thread of
   this process, preflight first; more workers grade on Dask (a ``LocalCluster`` of processes,
   or any cluster with ``scheduler=``);
4. **save**, in this process only (one writer to the gradebook), as outcomes arrive: the verdicts
   are written into the test cells' outputs and ``nbgrader autograde`` runs with
   :class:`~cvcourse.grading.nbgrader_plugins.UseJudgedNotebook` in place of ``Execute``, so
   nbgrader's ``SaveAutoGrades`` records the scores and ``autograded/`` holds the judged notebooks.
   An outcome with a **grader fault** is never saved: the earlier grade stays, the run reports it
   and exits non-zero;
5. **feedback** (hidden tests stripped) as each grade is saved, **export** to ``grades.csv``.

Each saved student's results file (every outcome, for ``cvcourse report``, and the fingerprint of
what was graded) is written as soon as their grade is saved. Grading again therefore picks up only
students who were not graded yet or whose submission or assignment changed (``force`` grades
everyone again), and Ctrl-C stops the run after the submission being saved, losing nothing saved.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import stat
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from cvcourse.grading import deadlines as course_deadlines
from cvcourse.grading.backups import Manual, backup, clear_manual, count_manual
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.judge import apply_outcome
from cvcourse.grading.lane import Lane
from cvcourse.grading.limits import MB, SandboxLimits
from cvcourse.grading.nbgrader_plugins import (
    AFTER_EXECUTION,
    RestoreCellFlags,
    UseJudgedNotebook,
)
from cvcourse.grading.nbgrader_run import nbgrader_api
from cvcourse.grading.protocol import (
    Fault,
    Job,
    Outcome,
    job_from_json,
    outcome_from_json,
    to_json,
)
from cvcourse.grading.results import fingerprint, read_results, write_result

if TYPE_CHECKING:  # the runner imports torch: only the workers and the lane need it
    from cvcourse.grading.runner import KernelPool

# nbgrader's sanitizing, with the cells' flags restored first (see RestoreCellFlags).
SANITIZE = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreCellFlags,
    OverwriteCells,
    CheckCellMetadata,
]
JUDGED_DIR = ".cvcourse-judged"
CLUSTER_START_SECONDS = 180
WORKERLESS_POLL_SECONDS = 5
WORKERLESS_GIVE_UP_SECONDS = 60
LANE_STOP_SECONDS = 5  # after Ctrl-C, how long to let the lane finish its submission


def default_workers() -> int:
    """Submissions graded at once by default: one per two cores this process may use.

    Each one keeps about two cores busy: its judge, and the next kernel warming up (starting a
    sandboxed kernel, mostly ``import torch``, costs about a core-second). On two cores one lane
    (no Dask) grades 10 submissions in about 15 s where two Dask workers take 21 to 25 s.
    """
    return max(1, len(os.sched_getaffinity(0)) // 2)


@dataclass
class GradeOptions:
    """How to grade. ``students``: None for every submission; ``seed``: None for a fresh one."""

    students: list[str] | None = None
    workers: int = field(default_factory=default_workers)
    scheduler: str | None = None
    unsafe: bool = False
    seed: int | None = None
    timeout: float | None = None
    feedback: bool = True
    # grade again students whose submission and assignment are unchanged since their last grade
    force: bool = False
    # sandbox limits overriding c.SandboxExecutor.* (None: keep the course's); see grading.limits
    sandbox_limits: dict[str, float | None] = field(default_factory=dict)
    # called with the number of submissions, then once with each result as it is saved
    progress: Callable[[int | SubmissionResult], None] | None = None


@dataclass
class SubmissionResult:
    """One student's result in a run: graded (``problem`` None) or why not, and whose fault."""

    student: str
    score: float | None = None
    max_score: float | None = None
    execute_seconds: float = 0.0
    save_seconds: float = 0.0
    problem: str | None = None  # why it was not graded (None: graded)
    note: str | None = None  # e.g. the kernel died: graded, with later checks failed
    fault: str = Fault.NONE.value


@dataclass
class GradeSummary:
    assignment: str
    seed: int
    results: list[SubmissionResult] = field(default_factory=list)
    preflight_seconds: float = 0.0
    total_seconds: float = 0.0
    grades_csv: Path | None = None
    # graded before, and neither their submission nor the assignment changed since (not --force)
    unchanged: list[str] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C: the submissions saved so far are kept, the rest wait
    # regrades (cvcourse.grading.backups): the gradebook's backup taken before this run, and
    # the formgrader's manual grades kept (no --force) or dropped (--force) for these students
    backup: Path | None = None
    manual_kept: Manual | None = None
    manual_dropped: Manual | None = None

    @property
    def graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.problem is None]

    @property
    def skipped(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.problem is not None]

    @property
    def grader_faults(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.fault == Fault.GRADER.value]


# ----------------------------------------------------------------------------- sanitize
def _resources(course: Course, assignment: str, student: str, notebook: str) -> dict[str, Any]:
    return {
        "nbgrader": {
            "db_url": course.db_url,
            "assignment": assignment,
            "notebook": notebook,
            "student": student,
        }
    }


def sanitize(
    course: Course, config: Config, assignment: str, student: str, path: Path
) -> NotebookNode:
    """Read a submitted notebook and sanitize it exactly as ``nbgrader autograde`` does.

    Raises:
        CourseError: the file is not a readable notebook.
    """
    try:
        with warnings.catch_warnings():  # old notebooks without cell ids are fine (normalized)
            warnings.simplefilter("ignore")
            nb = nbformat.reads(read_no_follow(path, MAX_NOTEBOOK_BYTES).decode(), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # JSON errors, schema errors, unreadable file
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise CourseError(path, f"not a readable notebook ({detail})") from exc
    resources = _resources(course, assignment, student, path.stem)
    try:
        for preprocessor in SANITIZE:
            nb, resources = preprocessor(config=config).preprocess(nb, resources)
    except Exception as exc:  # nbgrader refuses a notebook it cannot restore: report this one
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise CourseError(path, f"nbgrader cannot restore its cells ({detail})") from exc
    return nb


# ----------------------------------------------------------------------------- submission files
MAX_NOTEBOOK_BYTES = 64 * MB


def read_no_follow(path: Path, max_bytes: int) -> bytes:
    """Read a regular file without following a link at its last component; at most max_bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise OSError(f"{path} has {info.st_size} bytes, more than {max_bytes}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(max_bytes + 1)
    finally:
        os.close(fd)


def link_in_path(course: Course, student: str, assignment: str, name: str) -> str | None:
    """The first symbolic link among the submission's path components below ``submitted/``."""
    path = course.submitted
    for part in (student, assignment, name):
        path = path / part
        if path.is_symlink():
            return f"{path.relative_to(course.root)!r} is a symbolic link"
    return None


def submission_files(
    course: Course, assignment: str, student: str | None, max_bytes: int
) -> tuple[dict[str, str], list[str]]:
    """The submission's other files, then the source's over them (as nbgrader), as base64 data.

    Only regular files are read, and no symbolic link is followed (they are listed instead, and
    left out), so a link cannot hand the instructor's notebook or the gradebook to the kernel.

    Raises:
        CourseError: the files add up to more than ``max_bytes`` (checked before reading).
    """
    found: dict[str, Path] = {}
    links: list[str] = []
    bases = [course.source / assignment]
    if student is not None:
        bases.insert(0, course.submitted / student / assignment)
    for base in bases:
        for folder, subfolders, files in os.walk(base, followlinks=False):
            here = Path(folder)
            links += [
                repr(str((here / d).relative_to(base)))
                for d in subfolders
                if (here / d).is_symlink()
            ]
            subfolders[:] = [d for d in subfolders if d != ".ipynb_checkpoints"]
            for name in files:
                item = here / name
                if item.is_symlink():
                    links.append(repr(str(item.relative_to(base))))
                elif item.suffix != ".ipynb" and item.is_file():
                    found[str(item.relative_to(base))] = item
    total = sum(p.lstat().st_size for p in found.values())
    if total > max_bytes:
        raise CourseError(
            bases[0],
            f"its files add up to {total / MB:.0f} MB, more than the sandbox's "
            f"{max_bytes / MB:.0f} MB",
        )
    data = {
        name: base64.b64encode(read_no_follow(path, max_bytes)).decode()
        for name, path in found.items()
    }
    return data, links


# ----------------------------------------------------------------------------- execution (workers)
def close_pool() -> None:
    from cvcourse.grading.runner import close_pool as close

    close()


def _grade_payload(
    payload: dict[str, str], warm_next: bool = True, pool: KernelPool | None = None
) -> dict[str, str]:
    """Grade one job (on a Dask worker, or in a lane with its ``pool``): JSON in, JSON out."""
    from cvcourse.grading.runner import grade_job

    outcome = grade_job(job_from_json(payload["job"]), warm_next, pool)
    return {"key": payload["key"], "outcome": to_json(outcome)}


def _warm_payload(payload: dict[str, str]) -> None:
    """Warm a worker for the payload's assignment (see :func:`cvcourse.grading.runner.warm`)."""
    from cvcourse.grading.runner import warm

    warm(job_from_json(payload["job"]))


def _run_all(
    payloads: list[dict[str, Any]],
    workers: int,
    scheduler: str | None,
    cluster_ready: Callable[[], Any],
    stop: threading.Event,
) -> Iterator[dict[str, Any]]:
    """Execute payloads on Dask; yields results as they complete.

    Ends early, leaving the rest undone, once ``stop`` is set.
    """
    if not payloads:
        return
    from distributed import TimeoutError as DaskTimeoutError
    from distributed import wait

    client = cluster_ready()
    futures = {
        client.submit(
            _grade_payload, p, key=f"cvcourse-{p['key']}-{secrets.token_hex(4)}", pure=False
        ): p
        for p in payloads
    }
    idle_since: float | None = None
    while futures and not stop.is_set():
        try:
            done = wait(
                list(futures), timeout=WORKERLESS_POLL_SECONDS, return_when="FIRST_COMPLETED"
            ).done
        except (TimeoutError, DaskTimeoutError):
            done = set()
        for future in done:
            payload = futures.pop(future)
            try:
                yield future.result()
            except Exception as exc:  # a worker lost for good: run it here rather than lose it
                if stop.is_set():  # (Ctrl-C in a terminal reaches the local workers too)
                    return
                logging.getLogger(__name__).warning("re-running %s here: %s", payload["key"], exc)
                yield _grade_payload(payload)
        if done:
            idle_since = None
            continue
        if client.scheduler_info().get("workers"):
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > WORKERLESS_GIVE_UP_SECONDS:
            # The cluster has had no worker for a while (killed, never started): finish inline.
            for future, payload in list(futures.items()):
                future.cancel()
                del futures[future]
                yield _grade_payload(payload)


class _Cluster:
    """Start the Dask client in the background (while the replay runs); close it afterwards."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        self.workers, self.scheduler = workers, scheduler
        self.client: Any = None
        self.cluster: Any = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.warming: list[Any] = []  # futures of the warm-up tasks (dropped ones are cancelled)
        if scheduler is not None or workers > 1:
            self.thread = threading.Thread(target=self._start, daemon=True)
            self.thread.start()

    def _start(self) -> None:
        try:
            from distributed import Client, LocalCluster

            if self.scheduler is not None:
                self.client = Client(self.scheduler, timeout="20s")
            else:
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never clash with another cluster
                    memory_limit=0,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster)
        except BaseException as exc:  # reported when the client is needed
            self.error = exc

    def warm(self, payload: dict[str, str]) -> None:
        """Once the cluster is up, warm every worker for ``payload``'s assignment (background)."""
        if self.thread is None:
            return

        def submit() -> None:
            self.thread.join(timeout=CLUSTER_START_SECONDS)  # type: ignore[union-attr]
            if self.client is None:
                return
            with contextlib.suppress(Exception):  # warming is an optimisation, never a failure
                for address in self.client.scheduler_info().get("workers", {}):
                    self.warming.append(
                        self.client.submit(
                            _warm_payload,
                            payload,
                            workers=[address],
                            allow_other_workers=False,
                            pure=False,
                            key=f"cvcourse-warm-{secrets.token_hex(4)}",
                        )  # fmt: skip
                    )

        threading.Thread(target=submit, daemon=True).start()

    def ready(self) -> Any:
        if self.thread is not None:
            self.thread.join(timeout=CLUSTER_START_SECONDS)
            if self.thread.is_alive():
                self.error = TimeoutError(f"not ready after {CLUSTER_START_SECONDS} s")
        if self.error is not None or self.client is None:
            where = self.scheduler or "local Dask cluster"
            raise CourseError(where, f"cannot start or reach the Dask scheduler ({self.error})")
        return self.client

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=CLUSTER_START_SECONDS)
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:
                    pass


# ----------------------------------------------------------------------------- grade
def _autograde_config(judged_dir: Path) -> Config:
    config = Config()
    config.UseJudgedNotebook.judged_directory = str(judged_dir)
    config.Autograde.sanitize_preprocessors = SANITIZE
    config.Autograde.autograde_preprocessors = [UseJudgedNotebook, *AFTER_EXECUTION]
    return config


def _scores(course: Course, assignment: str, student: str) -> tuple[float, float]:
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return float(submission.score), float(submission.max_score)


def sandbox_limits(course: Course, options: GradeOptions) -> SandboxLimits:
    """The course's ``c.SandboxExecutor.*`` limits, then the command line's."""
    overrides = dict(options.sandbox_limits)
    if options.timeout is not None:
        overrides["timeout"] = options.timeout
    elif "timeout" not in dict(course.config().get("SandboxExecutor", {})):
        overrides["timeout"] = course.cell_timeout()
    try:
        return SandboxLimits.from_config(course.config(), **overrides)
    except (ValueError, KeyError) as exc:  # a limit out of its range names itself
        raise CourseError("sandbox limits", str(exc).strip("'\"")) from exc


def forbidden_packages(source: NotebookNode) -> list[str]:
    """Packages the student's kernel may not import: the notebook's ``cvcourse.forbidden``."""
    from cvcourse.grading.sandbox import DEFAULT_FORBIDDEN

    listed = source.metadata.get("cvcourse", {}).get("forbidden_packages")
    return list(listed) if listed is not None else list(DEFAULT_FORBIDDEN)


def check_sandbox(unsafe: bool) -> None:
    if unsafe:
        return
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    reason = sandbox_unavailable_reason()
    if reason is not None:
        raise CourseError("bwrap", reason)


def _timed_preflight(job: Job, warm_next: bool = True, pool: KernelPool | None = None) -> float:
    """Seconds :func:`preflight` took (it raises when the instructor's notebook fails)."""
    started = time.perf_counter()
    preflight(job, warm_next, pool)
    return time.perf_counter() - started


def preflight(job: Job, warm_next: bool = True, pool: KernelPool | None = None) -> Outcome:
    """Job 0: the instructor's notebook through the same sandbox and judge; full marks or stop.

    Raises:
        CourseError: the instructor's notebook does not pass its own tests there, or the sandbox
            does not work; nothing has been graded yet.
    """
    from cvcourse.grading.runner import grade_job

    outcome = grade_job(job, warm_next, pool)
    if outcome.fault is not Fault.NONE:
        raise CourseError(
            "preflight", f"the instructor's notebook cannot be graded: {outcome.problem}"
        )
    failed = {k: v for k, v in outcome.verdicts.items() if not v.passed}
    if failed:
        grade_id, verdict = next(iter(failed.items()))
        raise CourseError(
            "preflight",
            f"the instructor's notebook fails {len(failed)} of its own test cell(s), first "
            f"{grade_id}: {verdict.reason}",
        )
    return outcome


def grade(course: Course, assignment: str, options: GradeOptions | None = None) -> GradeSummary:
    """Grade every submission of ``assignment`` (or ``options.students``); see the module doc."""
    with warnings.catch_warnings():
        # nbgrader, nbformat and SQLAlchemy warn about their own internals: not the user's concern
        warnings.simplefilter("ignore")
        return _grade(course, assignment, options)


def _grade(course: Course, assignment: str, options: GradeOptions | None) -> GradeSummary:
    options = options or GradeOptions()
    started = time.perf_counter()
    course.check_assignment(assignment)
    course.check_gradebook(must_exist=True)
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                assignment, "not released yet (run `cvcourse release` first)"
            ) from None
    available = course.students(assignment)
    students = options.students if options.students is not None else available
    missing = [s for s in students if s not in available]
    if missing:
        raise CourseError(course.submitted / missing[0] / assignment, "no such submission")
    if not students:
        raise CourseError(course.submitted, f"no submissions for {assignment}")
    check_sandbox(options.unsafe)
    limits = sandbox_limits(course, options)
    deadlines = course_deadlines.load(course)  # a bad due date stops here, before any write
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    summary = GradeSummary(assignment, seed)
    # what a grade is given to: the submission, the assignment and the student's deadline
    prints = {
        s: fingerprint(course.source / assignment, course.submitted / s / assignment)
        + deadlines.key(assignment, s)
        for s in students
    }
    if not options.force:
        summary.unchanged = already_graded(course, assignment, prints)
        students = [s for s in students if s not in summary.unchanged]
        if not students:
            summary.total_seconds = time.perf_counter() - started
            return summary
    # Regrades: back up first (cvcourse gradebook restore puts it back); formgrader's manual
    # grades survive autograding (nbgrader writes only auto scores) unless --force drops them.
    summary.backup = backup(course, f"grade-{assignment}")
    if options.force:
        summary.manual_dropped = clear_manual(course, assignment, students)
    else:
        summary.manual_kept = count_manual(course, assignment, students)
    config = course.config()
    sources = {p.stem: nbformat.read(p, as_version=4) for p in course.source_notebooks(assignment)}

    def job(student: str, notebook: str, nb: NotebookNode, files: dict[str, str]) -> Job:
        source = sources[notebook]
        return Job(
            key=f"{student}/{notebook}",
            student=student,
            assignment=assignment,
            notebook=notebook,
            submission=nbformat.writes(nb),
            source=nbformat.writes(source),
            files=files,
            seed=seed,
            limits=asdict(limits),
            forbidden=forbidden_packages(source),
            sandboxed=not options.unsafe,
        )

    run_dir = course.root / JUDGED_DIR / f"{assignment}-{secrets.token_hex(4)}"
    sanitized: dict[str, NotebookNode] = {}
    signal_guard = _StopOnInterrupt()
    stop = signal_guard.stop
    # One lane in this process, with kernels of its own (see cvcourse.grading.lane), or Dask.
    lane, lane_pool = None, None
    if options.scheduler is None and options.workers <= 1:
        from cvcourse.grading.runner import KernelPool

        lane_pool = KernelPool()
        lane = Lane(on_end=lane_pool.close)
    cluster = _Cluster(options.workers, options.scheduler)
    try:
        instructor_files, _ = submission_files(course, assignment, None, limits.workdir_mb * MB)
        preflights = [job("(instructor)", nb, src, instructor_files) for nb, src in sources.items()]
        if lane is not None:  # the lane replays (job 0) while the submissions are sanitized
            for preflight_job in preflights:
                lane.submit(partial(_timed_preflight, preflight_job, pool=lane_pool))
        # 1. sanitize (the cluster starts meanwhile)
        results: dict[str, SubmissionResult] = {s: SubmissionResult(s) for s in students}
        payloads = []
        for student in students:
            for notebook in sources:
                path = course.submitted / student / assignment / f"{notebook}.ipynb"
                link = link_in_path(course, student, assignment, f"{notebook}.ipynb")
                if link:
                    results[student].problem = f"not graded: {link}"
                    results[student].fault = Fault.STUDENT.value
                    continue
                if not path.is_file():
                    continue  # nbgrader scores a missing notebook 0 itself
                try:
                    nb = sanitize(course, config, assignment, student, path)
                    files, links = submission_files(
                        course, assignment, student, limits.workdir_mb * MB
                    )
                except CourseError as exc:
                    results[student].problem = str(exc)
                    results[student].fault = Fault.STUDENT.value
                    continue
                sanitized[f"{student}/{notebook}"] = nb
                if links:
                    results[student].note = f"symbolic links left out: {', '.join(links)}"
                payloads.append(
                    {
                        "key": f"{student}/{notebook}",
                        "job": to_json(job(student, notebook, nb, files)),
                    }
                )
        payloads = [p for p in payloads if results[p["key"].split("/")[0]].problem is None]
        # 2. preflight: the instructor's notebooks through the same sandbox and judge, before
        # any submission (in the lane), or while the workers start their kernels (Dask)
        if lane is not None:
            for payload in payloads:
                lane.submit(partial(_grade_payload, payload, pool=lane_pool))
            lane.no_more_tasks()
            summary.preflight_seconds = sum(lane.result() for _ in preflights)
        else:
            if payloads:
                cluster.warm(payloads[0])
            summary.preflight_seconds = sum(_timed_preflight(j) for j in preflights)
            close_pool()  # this process grades nothing more: its spare kernel would idle
        pending = {s: sum(p["key"].split("/")[0] == s for p in payloads) for s in students}
        if options.progress is not None:
            options.progress(sum(1 for n in pending.values() if n))
        outcomes: dict[str, list[Outcome]] = {s: [] for s in students}
        api = nbgrader_api(course, _autograde_config(run_dir))
        # 3. + 4. grade in parallel; save here, one submission at a time
        if lane is not None:
            running = lane.results(len(payloads), stop)
        else:
            running = _run_all(payloads, options.workers, options.scheduler, cluster.ready, stop)
        for done in running:
            outcome = outcome_from_json(done["outcome"])
            student = outcome.student
            result = results[student]
            outcomes[student].append(outcome)
            result.execute_seconds += outcome.seconds.get("total", 0.0)
            pending[student] -= 1
            if pending[student] > 0:
                continue
            t_save = time.perf_counter()
            _save_student(api, course, assignment, result, outcomes[student], run_dir, sanitized)
            if options.feedback and result.score is not None:
                feedback = api.generate_feedback(assignment, student)
                if not feedback["success"]:
                    result.note = "feedback failed: " + _last_line(feedback)
            result.save_seconds += time.perf_counter() - t_save
            if result.fault != Fault.GRADER.value:  # a grader fault keeps the last good word
                entry = _entry(result, outcomes[student], seed, prints[student])
                write_result(course.root, assignment, student, entry)
            if options.progress is not None:
                options.progress(result)
            if stop.is_set():  # Ctrl-C: what is saved stays; a new run grades the rest
                break
        summary.interrupted = stop.is_set()
        # 5. export; the results of students whose submission could not be graded at all
        summary.grades_csv = export_csv(course)
        summary.results = [
            r for r in results.values() if not summary.interrupted or r.score is not None
        ]
        for r in summary.results:
            if r.score is None and r.fault == Fault.STUDENT.value:
                write_result(
                    course.root, assignment, r.student, _entry(r, [], seed, prints[r.student])
                )
    finally:
        signal_guard.restore()
        cluster.close()
        close_pool()
        if lane is not None:  # done by now, unless interrupted: then its task is dropped
            lane.close(wait=LANE_STOP_SECONDS)
        # The judged notebooks were this run's staging area (each run has its own folder):
        # autograded/ now holds them (nbgrader's copy).
        shutil.rmtree(run_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            (course.root / JUDGED_DIR).rmdir()  # only when no other grading run uses it
    summary.total_seconds = time.perf_counter() - started
    return summary


def already_graded(course: Course, assignment: str, prints: dict[str, str]) -> list[str]:
    """Students whose last good grade was given to exactly this submission of this assignment.

    The gradebook must still hold their submission: a results file alone proves nothing.
    """
    previous = read_results(course.root, assignment)
    same = [
        s
        for s, digest in prints.items()
        if previous.get(s, {}).get("fingerprint") == digest
        and previous[s].get("result", {}).get("score") is not None
    ]
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        in_gradebook = {s.student.id for s in gb.find_assignment(assignment).submissions}
    return [s for s in same if s in in_gradebook]


def _entry(
    result: SubmissionResult, outcomes: list[Outcome], seed: int, digest: str
) -> dict[str, Any]:
    return {
        "result": asdict(result),
        "outcomes": [json.loads(to_json(o)) for o in outcomes],
        "seed": seed,
        "fingerprint": digest,
    }


class _StopOnInterrupt:
    """The first Ctrl-C asks the run to stop after the submission being saved; a second one
    interrupts at once. Only the main thread can own signals: elsewhere this does nothing."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _save_student(
    api: Any,
    course: Course,
    assignment: str,
    result: SubmissionResult,
    outcomes: list[Outcome],
    run_dir: Path,
    sanitized: dict[str, NotebookNode],
) -> None:
    """Write a student's judged notebooks; nbgrader saves the scores (never on a grader fault)."""
    faults = [o for o in outcomes if o.fault is Fault.GRADER]
    if faults:
        result.fault = Fault.GRADER.value
        result.problem = f"not graded (grader fault, earlier grade kept): {faults[0].problem}"
        return
    for outcome in outcomes:
        if outcome.fault is Fault.STUDENT:
            result.fault = Fault.STUDENT.value
            result.note = outcome.problem
        nb = apply_outcome(sanitized[outcome.key], outcome)
        out = run_dir / result.student / f"{outcome.notebook}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
    _save(api, course, assignment, result)


def _last_line(outcome: dict[str, Any]) -> str:
    from cvcourse.grading.release import nbgrader_failure

    return nbgrader_failure(outcome)


def _save(api: Any, course: Course, assignment: str, result: SubmissionResult) -> None:
    # the student's extension first: nbgrader's AssignLatePenalties reads it while saving
    course_deadlines.sync(course, assignment, [result.student])
    outcome = api.autograde(assignment, result.student, force=True, create=True)
    if not outcome["success"]:
        result.problem = f"nbgrader autograde failed: {_last_line(outcome)}"
        return
    result.score, result.max_score = _scores(course, assignment, result.student)


def export_csv(course: Course) -> Path:
    """Export the gradebook with nbgrader's CSV columns (and each student's due date and
    lateness, see :class:`~cvcourse.grading.deadlines.CsvWithDeadlines`) to ``grades.csv``."""
    plugin = course_deadlines.CsvWithDeadlines(to=str(course.grades_csv))
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        plugin.export(gb)
    return course.grades_csv


def summary_json(summary: GradeSummary) -> str:
    return json.dumps(
        {
            "assignment": summary.assignment,
            "seed": summary.seed,
            "preflight_seconds": summary.preflight_seconds,
            "total_seconds": summary.total_seconds,
            "results": [r.__dict__ for r in summary.results],
        },
        indent=1,
    )
