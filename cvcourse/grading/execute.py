"""Run a notebook in a kernel and time each cell from the grader's side.

An :class:`Executor` runs a (sanitized) notebook with judging switched on and returns plain data:
the executed notebook, the wall time of every cell measured in the grader's own process (the
kernel's clock is not trusted, see ``observe.expect_fast``) and a note when the run stopped early.
It never raises for anything the student's code does: errors, timeouts, a dead or stuck kernel
are recorded and grading goes on. :class:`LocalExecutor` uses a plain local kernel; the sandbox
(``cvcourse.grading.sandbox``) provides one that runs the kernel in bubblewrap.
"""

from __future__ import annotations

import copy
import logging
import os
import queue
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode

JUDGING_CELL_ID = "cvcourse-start-judging"
_PROBE_SECONDS = 5.0  # how long a kernel may stay silent after a timeout before we give up on it


@dataclass
class ExecutionResult:
    """What an executor returns: plain data, picklable, safe to send between processes.

    Attributes:
        notebook: the executed notebook (the grader's judging cell removed again).
        cell_seconds: cell index in ``notebook`` -> wall time measured by the grader, for every
            cell that ran.
        error: why the run stopped early (dead or unresponsive kernel, notebook time limit), or
            None when every cell ran.
    """

    notebook: NotebookNode
    cell_seconds: dict[int, float]
    error: str | None = None


class Executor(Protocol):
    def run(self, nb: NotebookNode, workdir: Path, seed: int) -> ExecutionResult:
        """Execute ``nb`` with judging on (``start_judging(seed)``) in ``workdir``."""
        ...


def judging_cell(seed: int) -> NotebookNode:
    """The cell the grader inserts first: it switches ``observe`` to judging with this seed."""
    source = f"from cvcourse.grading.observe import start_judging\nstart_judging({int(seed)})"
    cell = nbformat.v4.new_code_cell(source)
    cell.id = JUDGING_CELL_ID
    return cell


@dataclass
class LocalExecutor:
    """Run notebooks with nbclient in a plain local kernel (trusted code only, or ``--unsafe``).

    Args:
        timeout: seconds one cell may run before the kernel is interrupted.
        notebook_timeout: seconds the whole notebook may run; later cells are left unexecuted.
        kernel_name: the Jupyter kernel to start.
        startup_timeout: seconds the kernel may take to start.
    """

    timeout: float = 60.0
    notebook_timeout: float = 600.0
    kernel_name: str = "python3"
    startup_timeout: float = 60.0
    extra_env: dict[str, str] = field(default_factory=dict)

    def kernel_manager(self, workdir: Path) -> KernelManager | None:
        """The kernel manager to use (None: nbclient's default). Subclasses sandbox the kernel."""
        return None

    def run(self, nb: NotebookNode, workdir: Path, seed: int) -> ExecutionResult:
        nb = copy.deepcopy(nb)
        nb.cells.insert(0, judging_cell(seed))
        own_km = self.kernel_manager(workdir)
        timeout_error = {
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran longer than {self.timeout:g} s and was interrupted",
            "traceback": [f"CellTimeoutError: the cell ran longer than {self.timeout:g} s"],
        }
        client = NotebookClient(
            nb,
            timeout=int(self.timeout),
            # The judging cell imports torch, slow on a busy machine: it gets the startup budget.
            timeout_func=lambda cell: int(
                self.startup_timeout if cell.get("id") == JUDGING_CELL_ID else self.timeout
            ),
            startup_timeout=int(self.startup_timeout),
            kernel_name=self.kernel_name,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout=timeout_error,
            record_timing=False,
            resources={"metadata": {"path": str(workdir)}},
            km=own_km,
        )
        client.log.setLevel(logging.CRITICAL)  # student errors are data here, not log noise
        seconds: dict[int, float] = {}
        error: str | None = None
        started = time.perf_counter()
        try:
            launch: dict[str, Any] = {"cwd": str(workdir)}
            if self.extra_env:
                launch["env"] = {**os.environ, **self.extra_env}
            if own_km is None:
                # A plain local kernel only prints launcher chatter (the TCP warning) on stderr.
                launch["stderr"] = subprocess.DEVNULL
            with client.setup_kernel(**launch):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    if time.perf_counter() - started > self.notebook_timeout:
                        error = f"the notebook ran longer than {self.notebook_timeout:g} s"
                        break
                    t0 = time.perf_counter()
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        pass  # recorded as an output already when the reply timed out
                    seconds[index] = time.perf_counter() - t0
                    if index == 0 and any(o.output_type == "error" for o in cell.outputs):
                        error = "the grader's judging cell failed: " + _first_error(cell)
                        break
                    if seconds[index] >= (self.startup_timeout if index == 0 else self.timeout):
                        _mark_timeout(cell, timeout_error)
                        if not _responsive(client):
                            error = "the kernel stopped responding after a cell timed out"
                            break
        except DeadKernelError:
            error = "the kernel died"
        except Exception as exc:  # a kernel that cannot start, a broken channel: never raise
            error = f"the kernel failed: {type(exc).__name__}: {exc}"
        finally:
            if own_km is not None:  # nbclient only shuts down kernels it created itself
                _shutdown(own_km)
        # Drop the judging cell and shift the timings to the submission's own cell indices.
        del nb.cells[0]
        cell_seconds = {i - 1: s for i, s in seconds.items() if i > 0}
        return ExecutionResult(notebook=nb, cell_seconds=cell_seconds, error=error)


def _first_error(cell: NotebookNode) -> str:
    error = next(o for o in cell.outputs if o.output_type == "error")
    return f"{error.get('ename')}: {str(error.get('evalue', ''))[:200]}"


def _mark_timeout(cell: NotebookNode, timeout_error: dict[str, Any]) -> None:
    """The KeyboardInterrupt in a timed-out cell was our interrupt: say so instead."""
    outputs = [o for o in cell.outputs if o.get("ename") != "KeyboardInterrupt"]
    outputs.append(nbformat.v4.new_output("error", **timeout_error))
    cell.outputs = outputs


def _shutdown(km: KernelManager) -> None:
    try:
        if km.has_kernel:
            run_sync(ensure_async)(km.shutdown_kernel(now=True))
    except Exception:
        pass  # a kernel that is already gone is fine


def _responsive(client: NotebookClient) -> bool:
    """After an interrupt, does the kernel answer a trivial request within a few seconds?"""
    kc: Any = client.kc
    if kc is None:
        return False

    async def probe() -> bool:
        msg_id = kc.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + _PROBE_SECONDS
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(
                    kc.get_shell_msg(timeout=max(0.05, deadline - time.monotonic()))
                )
            except queue.Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    try:
        return bool(run_sync(probe)())
    except Exception:
        return False
