"""``cvcourse grade``: replay, execute submissions in parallel (Dask), judge and save one by one.

The flow for one assignment (nbgrader stays the system of record):

1. **replay** the instructor's notebook with this run's seed, trusted (``judge.replay``);
2. **sanitize** each submission with nbgrader's own preprocessors (``ClearOutput``,
   ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells`` — which restores test cells,
   hidden tests and deleted test cells from the gradebook —, ``CheckCellMetadata``);
3. **execute** the sanitized notebooks in parallel on Dask (a ``LocalCluster`` of processes by
   default, any cluster with ``scheduler=``; ``workers=1`` runs inline), each through an
   :class:`~cvcourse.grading.execute.Executor` (sandboxed unless ``unsafe``); only plain data
   comes back: the executed notebook and the cell times;
4. **judge and save**, in this process only (one writer to the gradebook), as results arrive:
   the verdicts are written into the test cells' outputs and ``nbgrader autograde`` runs with
   :class:`~cvcourse.grading.nbgrader_plugins.UseJudgedNotebook` in place of ``Execute``, so
   nbgrader's ``SaveAutoGrades`` records the scores, its bookkeeping (students, submissions,
   timestamps, late penalties) is reused, and ``autograded/`` holds the judged notebooks;
5. **feedback** (hidden tests stripped) and **export** to ``grades.csv``.

A submission that cannot be read (not JSON, not a notebook) is reported and skipped: nothing is
written for it, its earlier grades (if any) stay.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from cvcourse.grading import judge as judging
from cvcourse.grading.course import Course, CourseError
from cvcourse.grading.execute import ExecutionResult, Executor, LocalExecutor
from cvcourse.grading.nbgrader_plugins import (
    AFTER_EXECUTION,
    RestoreCellFlags,
    UseJudgedNotebook,
)
from cvcourse.grading.nbgrader_run import nbgrader_api

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


@dataclass
class GradeOptions:
    """How to grade. ``students``: None for every submission; ``seed``: None for a fresh one."""

    students: list[str] | None = None
    workers: int = 2
    scheduler: str | None = None
    unsafe: bool = False
    seed: int | None = None
    timeout: float | None = None
    feedback: bool = True
    # sandbox limits overriding c.SandboxExecutor.* (None: keep the course's); see grading.limits
    sandbox_limits: dict[str, float | None] = field(default_factory=dict)


@dataclass
class SubmissionResult:
    student: str
    score: float | None = None
    max_score: float | None = None
    execute_seconds: float = 0.0
    save_seconds: float = 0.0
    problem: str | None = None  # why it was not graded (None: graded)
    note: str | None = None  # e.g. the kernel died: graded, with later cells unexecuted


@dataclass
class GradeSummary:
    assignment: str
    seed: int
    results: list[SubmissionResult] = field(default_factory=list)
    replay_seconds: float = 0.0
    total_seconds: float = 0.0
    grades_csv: Path | None = None

    @property
    def graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.problem is None]

    @property
    def skipped(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.problem is not None]


# ----------------------------------------------------------------------------- executors
def make_executor(
    course: Course,
    unsafe: bool,
    timeout: float | None = None,
    sandbox_limits: dict[str, float | None] | None = None,
) -> Executor:
    """The sandboxed executor, or with ``unsafe`` a plain local one. Refuses without bubblewrap."""
    cell_timeout = timeout if timeout is not None else course.cell_timeout()
    if unsafe:
        return LocalExecutor(timeout=cell_timeout)
    try:
        from cvcourse.grading.sandbox import SandboxExecutor, sandbox_unavailable_reason
    except ImportError as exc:
        raise CourseError(
            "sandbox", f"not available ({exc}); pass --unsafe to grade unsandboxed"
        ) from exc
    reason = sandbox_unavailable_reason()
    if reason is not None:
        raise CourseError("bwrap", reason)
    try:
        return SandboxExecutor.from_config(
            course.config(), timeout=cell_timeout, **(sandbox_limits or {})
        )
    except ValueError as exc:  # a limit out of its range names itself
        raise CourseError("sandbox limits", str(exc)) from exc


def trusted_executor(course: Course, timeout: float | None = None) -> Executor:
    """The replay runs the instructor's own notebook: a plain local kernel."""
    return LocalExecutor(timeout=max(timeout or 0.0, course.cell_timeout()))


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
            nb = nbformat.read(path, as_version=4)
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


# ----------------------------------------------------------------------------- execution (workers)
def _workdir_files(course: Course, assignment: str, student: str, into: Path) -> list[str]:
    """Give the kernel the submission's other files, overwritten by the source's (as nbgrader).

    Only regular files are copied, and no symbolic link is followed: the grader reads these as
    root, so a link in a submission (``notes.txt -> ../../../source/a3/a3.ipynb``) would otherwise
    hand the instructor's notebook or the gradebook to the sandboxed kernel. Returns the links
    that were left out.
    """
    skipped: list[str] = []
    for base in (course.submitted / student / assignment, course.source / assignment):
        for folder, subfolders, files in os.walk(base, followlinks=False):
            here = Path(folder)
            links = [d for d in subfolders if (here / d).is_symlink()]
            skipped += [str((here / d).relative_to(base)) for d in links]
            subfolders[:] = [d for d in subfolders if d != ".ipynb_checkpoints"]
            for name in files:
                item = here / name
                if item.is_symlink():
                    skipped.append(str(item.relative_to(base)))
                    continue
                if item.suffix == ".ipynb" or not item.is_file():
                    continue
                target = into / item.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(item, target, follow_symlinks=False)
    return skipped


def execute_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one sanitized notebook (on a Dask worker or inline); returns plain JSON-able data."""
    executor: Executor = payload["executor"]
    nb = nbformat.reads(payload["notebook"], as_version=4)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cvcourse-run-") as tmp:
        workdir = Path(tmp)
        course = Course(Path(payload["course_root"]))
        links = _workdir_files(course, payload["assignment"], payload["student"], workdir)
        try:
            result = executor.run(nb, workdir, payload["seed"])
        except Exception as exc:  # executors should not raise; never lose the whole run if one does
            result = ExecutionResult(nb, {}, f"the executor failed: {type(exc).__name__}: {exc}")
    return {
        "key": payload["key"],
        "notebook": nbformat.writes(result.notebook),
        "cell_seconds": {str(k): v for k, v in result.cell_seconds.items()},
        "error": result.error,
        "links": sorted(links),  # left out of the kernel's folder (see _workdir_files)
        "seconds": time.perf_counter() - started,
    }


def _run_all(
    payloads: list[dict[str, Any]],
    workers: int,
    scheduler: str | None,
    cluster_ready: Callable[[], Any],
) -> Iterator[dict[str, Any]]:
    """Execute payloads; yields results as they complete (inline when ``workers`` is 1)."""
    if not payloads:
        return
    if scheduler is None and workers <= 1:
        for payload in payloads:
            yield execute_submission(payload)
        return
    from distributed import TimeoutError as DaskTimeoutError
    from distributed import wait

    client = cluster_ready()
    futures = {
        client.submit(
            execute_submission, p, key=f"cvcourse-{p['key']}-{secrets.token_hex(4)}", pure=False
        ): p
        for p in payloads
    }
    idle_since: float | None = None
    while futures:
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
                logging.getLogger(__name__).warning("re-running %s here: %s", payload["key"], exc)
                yield execute_submission(payload)
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
                yield execute_submission(payload)


class _Cluster:
    """Start the Dask client in the background (while the replay runs); close it afterwards."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        self.workers, self.scheduler = workers, scheduler
        self.client: Any = None
        self.cluster: Any = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
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


# ----------------------------------------------------------------------------- judge and save
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
    executor = make_executor(course, options.unsafe, options.timeout, options.sandbox_limits)
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    summary = GradeSummary(assignment, seed)
    config = course.config()
    cluster = _Cluster(options.workers, options.scheduler)
    try:
        # 1. replay (while the cluster starts)
        t0 = time.perf_counter()
        references = {}
        for source_path in course.source_notebooks(assignment):
            try:
                references[source_path.stem] = judging.replay(
                    nbformat.read(source_path, 4), seed, trusted_executor(course, options.timeout)
                )
            except judging.ReplayError as exc:
                raise CourseError(source_path, str(exc)) from exc
        summary.replay_seconds = time.perf_counter() - t0
        # 2. sanitize
        results: dict[str, SubmissionResult] = {s: SubmissionResult(s) for s in students}
        payloads = []
        for student in students:
            for notebook in references:
                path = course.submitted / student / assignment / f"{notebook}.ipynb"
                if not path.is_file():
                    continue  # nbgrader scores a missing notebook 0 itself
                try:
                    nb = sanitize(course, config, assignment, student, path)
                except CourseError as exc:
                    results[student].problem = str(exc)
                    continue
                payloads.append(
                    {
                        "key": f"{student}/{notebook}",
                        "student": student,
                        "assignment": assignment,
                        "notebook": nbformat.writes(nb),
                        "course_root": str(course.root),
                        "seed": seed,
                        "executor": executor,
                    }
                )
        payloads = [p for p in payloads if results[p["student"]].problem is None]
        pending = {s: sum(p["student"] == s for p in payloads) for s in students}
        judged_dir = course.root / JUDGED_DIR / assignment
        shutil.rmtree(judged_dir, ignore_errors=True)
        api = nbgrader_api(course, _autograde_config(judged_dir))
        # 3. + 4. execute in parallel; judge and save here, one submission at a time
        for done in _run_all(payloads, options.workers, options.scheduler, cluster.ready):
            student, notebook = done["key"].split("/", 1)
            result = results[student]
            result.execute_seconds += done["seconds"]
            if done["error"]:
                result.note = done["error"]
            elif done["links"]:
                result.note = f"symbolic links not given to the kernel: {', '.join(done['links'])}"
            t_save = time.perf_counter()
            executed = nbformat.reads(done["notebook"], as_version=4)
            reference = references[notebook]
            cell_seconds = {int(k): v for k, v in done["cell_seconds"].items()}
            findings = judging.scan_solutions(executed, reference.solutions)
            verdicts = judging.judge(executed, cell_seconds, reference, findings)
            judging.apply_verdicts(executed, verdicts)
            out = judged_dir / student / f"{notebook}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(executed, out)
            pending[student] -= 1
            if pending[student] == 0:
                _save(api, course, assignment, result)
            result.save_seconds += time.perf_counter() - t_save
        # 5. feedback and export
        graded = [r.student for r in results.values() if r.problem is None]
        if options.feedback:
            for student in graded:
                outcome = api.generate_feedback(assignment, student)
                if not outcome["success"]:
                    results[student].note = "feedback failed: " + _last_line(outcome)
        summary.grades_csv = export_csv(course)
        summary.results = [results[s] for s in students]
    finally:
        cluster.close()
        # The judged notebooks were a staging area: autograded/ now holds them (nbgrader's copy).
        shutil.rmtree(course.root / JUDGED_DIR / assignment, ignore_errors=True)
        with contextlib.suppress(OSError):
            (course.root / JUDGED_DIR).rmdir()  # only when no other grading run uses it
    summary.total_seconds = time.perf_counter() - started
    return summary


def _last_line(outcome: dict[str, Any]) -> str:
    from cvcourse.grading.release import nbgrader_failure

    return nbgrader_failure(outcome)


def _save(api: Any, course: Course, assignment: str, result: SubmissionResult) -> None:
    outcome = api.autograde(assignment, result.student, force=True, create=True)
    if not outcome["success"]:
        result.problem = f"nbgrader autograde failed: {_last_line(outcome)}"
        return
    result.score, result.max_score = _scores(course, assignment, result.student)


def export_csv(course: Course) -> Path:
    """Export the gradebook with nbgrader's CSV plugin to ``<course>/grades.csv``."""
    plugin = CsvExportPlugin(to=str(course.grades_csv))
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        plugin.export(gb)
    return course.grades_csv


def summary_json(summary: GradeSummary) -> str:
    return json.dumps(
        {
            "assignment": summary.assignment,
            "seed": summary.seed,
            "replay_seconds": summary.replay_seconds,
            "total_seconds": summary.total_seconds,
            "results": [r.__dict__ for r in summary.results],
        },
        indent=1,
    )
