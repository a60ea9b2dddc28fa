"""Grade one notebook: the student's cells in the sandbox, the test cells here, verdicts as data.

:func:`grade_job` walks the sanitized submission cell by cell, as a notebook runs:

* the student's cells (solutions, cells they added, the locked setup cells) run in a sandboxed
  student kernel (:class:`~cvcourse.grading.proxy.StudentSession`);
* each test cell runs **here**, in a namespace of the grader's own process, with the instructor's
  source of that cell (hidden tests included) and the graded names bound to proxies into the
  student's kernel; its checks (:mod:`~cvcourse.grading.observe`) compare plain values with
  references that never leave this process and give the cell's verdict;
* the instructor's setup cells run here too (imports the tests need); a setup cell tagged
  ``tests-only`` runs only here (say ``import torchvision`` for references); one tagged
  ``student-only`` (the student's check of the visible tests, :mod:`cvcourse.grading.check`)
  runs nowhere.

So nothing but the student's code and the inputs the tests chose enters the student's process.
Timed checks race the student's function against the instructor's solution of the same name in
an identical sandbox (the *reference kernel*, one per worker process, reused across submissions).
The outcome says whose fault a problem was (:class:`~cvcourse.grading.protocol.Fault`); this
function never raises.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import time
import traceback
import warnings
from typing import Any

import nbformat
import torch
from nbformat import NotebookNode

from cvcourse.grading import observe
from cvcourse.grading.judge import (
    forbidden_calls,
    function_of,
    is_solution_cell,
    is_test_cell,
    nbgrader_meta,
    scan_solutions,
)
from cvcourse.grading.limits import SandboxLimits
from cvcourse.grading.protocol import CellRun, CellVerdict, Fault, Job, Outcome
from cvcourse.grading.proxy import GraderError, StudentError, StudentFunction, StudentSession
from cvcourse.grading.sandbox import SandboxPlan, StudentKernel, sweep_stale_support_dirs
from cvcourse.grading.wire import clean_text

TESTS_ONLY_TAG = "tests-only"
# The instructor's cells that only a student runs (the "check my notebook" cell): never graded.
STUDENT_ONLY_TAG = "student-only"


# ----------------------------------------------------------------------------- kernels per worker
class KernelPool:
    """Warm kernels, each used for one submission: the next one starts when one is taken."""

    def __init__(self) -> None:
        sweep_stale_support_dirs()  # what a grader killed earlier on this machine left behind
        self.spare: StudentKernel | None = None
        self.references: dict[tuple[str, SandboxPlan], StudentSession] = {}

    def _keep_spare(self, plan: SandboxPlan) -> StudentKernel:
        if self.spare is None or self.spare.plan != plan or not self.spare.alive:
            if self.spare is not None:
                self.spare.close()
            self.spare = StudentKernel(plan)
        return self.spare

    def take(self, plan: SandboxPlan, warm_next: bool = True) -> StudentKernel:
        """A started kernel for ``plan``; with ``warm_next``, the next one starts warming up
        while this submission is graded (the last submission of a lane needs none)."""
        kernel = self._keep_spare(plan)
        self.spare = StudentKernel(plan) if warm_next else None
        return kernel

    def prepare(self, plan: SandboxPlan, wait: bool = True) -> None:
        """Have a spare kernel for ``plan`` starting, and (``wait``) ready (torch imported)."""
        kernel = self._keep_spare(plan)
        if wait:
            kernel.wait_ready()

    def reference(self, source: NotebookNode, plan: SandboxPlan, timeout: float) -> StudentSession:
        """The instructor's solution, run in its own sandbox with the same limits (cached)."""
        digest = hashlib.sha256(nbformat.writes(source).encode()).hexdigest()
        session = self.references.get((digest, plan))
        if session is not None and session.kernel is not None and session.kernel.alive:
            return session
        session = StudentSession(lambda: StudentKernel(plan), {}, timeout, float("inf"))
        for cell in source.cells:
            skip = _tests_only(cell) or STUDENT_ONLY_TAG in cell.metadata.get("tags", [])
            if cell.cell_type == "code" and not is_test_cell(cell) and not skip:
                result = session.run_cell(cell.source)
                if not result["ok"]:
                    raise GraderError(f"the instructor's solution fails: {result['error']}")
        self.references[(digest, plan)] = session
        return session

    def close(self) -> None:
        # Take what is there before closing it: a lane's thread and the thread that ran it may
        # both close the pool at the end of a run.
        spare, self.spare = self.spare, None
        references, self.references = self.references, {}
        if spare is not None:
            spare.close()
        for session in references.values():
            session.close()


POOL = KernelPool()
atexit.register(POOL.close)


def close_pool() -> None:
    """Close this process's spare and reference kernels (the end of a grading run)."""
    POOL.close()


def warm(job: Job) -> None:
    """Make this worker ready for ``job``'s assignment before its first submission arrives.

    Starts the spare student kernel and, if the tests time anything, the reference kernel, so
    that neither cost lands on the first submission (runs while the preflight does). A failure
    here is left to the first real job, which reports it as the grader's fault.
    """
    try:
        plan = _plan(job)
        source = nbformat.reads(job.source, as_version=4)
        if _has_timed_checks(source):
            POOL.reference(source, plan, plan.limits.timeout)
        POOL.prepare(plan)
    except Exception:  # noqa: BLE001 - reported by the job that meets it, never here
        pass


def _has_timed_checks(source: NotebookNode) -> bool:
    return any("expect_fast" in c.source for c in source.cells if is_test_cell(c))


# ----------------------------------------------------------------------------- cells
def _tests_only(cell: NotebookNode) -> bool:
    return TESTS_ONLY_TAG in cell.get("metadata", {}).get("tags", [])


def _plan(job: Job) -> SandboxPlan:
    return SandboxPlan(SandboxLimits(**job.limits), tuple(job.forbidden), job.sandboxed)


def _trusted_source(source: str) -> str:
    """A cell's code as Python (IPython magics translated)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return str(TransformerManager().transform_cell(source))


def _run_test_cell(code: str, namespace: dict[str, Any], where: str) -> CellVerdict:
    """Run one test cell's source here; its checks and errors make the verdict."""
    with observe.recording() as checks:
        error = None
        try:
            exec(compile(code, where, "exec"), namespace)
        except StudentError as exc:
            error = str(exc)
        except GraderError:
            raise
        except Exception as exc:  # the student's result broke the test's own code
            detail = clean_text(str(exc), 200).split("\n", 1)[0]
            error = f"the check could not use the result ({type(exc).__name__}: {detail})"
    failed = [c for c in checks if not c.passed]
    if failed:
        return CellVerdict(False, failed[0].reason)
    if error:
        return CellVerdict(False, error)
    return CellVerdict(True)


# ----------------------------------------------------------------------------- one job
def grade_job(job: Job, warm_next: bool = True, pool: KernelPool | None = None) -> Outcome:
    """Grade one notebook (on a Dask worker or in a lane); see the module doc. Never raises.

    ``warm_next``: start the next submission's kernel while this one is graded; ``pool``: the
    kernels to use (a lane's own; None: this process's).
    """
    outcome = Outcome(job.key, job.student, job.notebook)
    started = time.perf_counter()
    # The judge's own tensors are small, and its cores belong to the kernels and to the other
    # workers: idle OpenMP threads spinning after each of its operations cost a Dask run on 2
    # cores 20% more CPU (bench/bench_grading.py --workers 2: 49 -> 40 core-seconds).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _grade(job, outcome, warm_next, pool or POOL)
    except GraderError as exc:
        outcome.fault, outcome.problem = Fault.GRADER, str(exc)
    except Exception as exc:  # a bug of the grader's: never the student's grade
        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.fault = Fault.GRADER
        outcome.problem = (
            f"grader error {type(exc).__name__}: {clean_text(exc, 200)} "
            f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        )
    finally:
        observe.stop_judging()
        torch.set_num_threads(threads)
    outcome.seconds["total"] = time.perf_counter() - started
    return outcome


def _grade(job: Job, outcome: Outcome, warm_next: bool, pool: KernelPool) -> None:
    submission = nbformat.reads(job.submission, as_version=4)
    source = nbformat.reads(job.source, as_version=4)
    plan = _plan(job)
    limits = plan.limits
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in source.cells if nbgrader_meta(c)}
    solutions = [nbgrader_meta(c)["grade_id"] for c in source.cells if is_solution_cell(c)]
    findings = scan_solutions(submission, solutions, forbidden_calls(source))
    files = {name: base64.b64decode(data) for name, data in job.files.items()}

    t0 = time.perf_counter()
    twins: dict[str, StudentFunction] = {}
    pool.prepare(plan, wait=False)  # the student's kernel warms up while the reference runs
    if _has_timed_checks(source):
        reference = pool.reference(source, plan, limits.timeout)
        twins = {name: StudentFunction(reference, name) for name in solutions}
    deadline = time.monotonic() + limits.notebook_timeout
    session = StudentSession(lambda: pool.take(plan, warm_next), files, limits.timeout, deadline)
    outcome.seconds["start"] = time.perf_counter() - t0

    observe.start_judging(job.seed)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    t_cells = t_tests = 0.0
    try:
        for index, cell in enumerate(submission.cells):
            if cell.cell_type != "code":
                continue
            grade_id = nbgrader_meta(cell).get("grade_id")
            mine = by_id.get(grade_id)
            t = time.perf_counter()
            if is_test_cell(cell):
                if mine is None:
                    continue  # not a test of this assignment (nbgrader drops unknown ids too)
                for name in solutions:
                    namespace[name] = StudentFunction(session, name, twins.get(name))
                where = f"<test cell {grade_id}>"
                verdict = _run_test_cell(_trusted_source(mine.source), namespace, where)
                outcome.verdicts[grade_id] = verdict
                t_tests += time.perf_counter() - t
                continue
            if mine is not None and STUDENT_ONLY_TAG in mine.get("metadata", {}).get("tags", []):
                continue  # the student's own check: it reruns the visible tests, not graded
            setup = mine is not None and not is_solution_cell(mine)
            if setup:  # the instructor's setup cell: here, from the source
                exec(
                    compile(_trusted_source(mine.source), f"<setup {grade_id}>", "exec"), namespace
                )
                if _tests_only(mine):
                    continue
            outcome.cells[index] = _run_student_cell(session, cell.source)
            t_cells += time.perf_counter() - t
    finally:
        session.close()
    outcome.seconds |= {"cells": t_cells, "tests": t_tests}
    for grade_id in by_id:
        if grade_id and is_test_cell(by_id[grade_id]) and grade_id not in outcome.verdicts:
            outcome.verdicts[grade_id] = CellVerdict(False, "the test cell is missing")
    for grade_id, verdict in outcome.verdicts.items():
        function = function_of(grade_id, solutions)
        if findings.get(function):
            outcome.verdicts[grade_id] = CellVerdict(False, f"{function}: {findings[function][0]}")
        elif not verdict.passed and not verdict.reason.startswith(f"{function}:"):
            verdict.reason = f"{function}: {verdict.reason}"
    if session.deaths:
        outcome.fault = Fault.STUDENT
        outcome.problem = f"the notebook's kernel {session.deaths[0]}"


def _run_student_cell(session: StudentSession, source: str) -> CellRun:
    try:
        result = session.run_cell(source)
    except StudentError as exc:
        return CellRun("", str(exc))
    return CellRun(result["printed"], result["error"])
