"""Run each submission's kernel in a bubblewrap sandbox.

What the kernel of a submission sees (everything else does not exist for it):

* read-only: the system (``/usr``, ``/etc``), the Python installation and virtual environment
  the grader runs in, and the ``cvcourse`` package (test cells import ``observe`` from it);
* read-write: a scratch copy of the submission's folder (``/submission``, its working directory),
  a small private ``/tmp`` in memory, and the folder holding its own kernel sockets;
* no network (its own network namespace: only a loopback, which reaches nothing), its own
  process, IPC and hostname namespaces, a fresh ``/proc`` and a minimal ``/dev``;
* a cleared environment: no ``NBGRADER_*``, ``CVCOURSE_*``, ``JPY_*`` or anything else of the
  grader's, so grading cannot be detected from the environment;
* a private unprivileged uid without capabilities, so the process limit holds (root ignores
  ``RLIMIT_NPROC``) and nothing owned by root outside can be written even if it were visible;
* limits (:class:`~cvcourse.grading.limits.SandboxLimits`): writable memory, processes, file
  size, open files, output size, time per cell and per notebook.

The course root (``source/`` with solutions and hidden tests, ``gradebook.db``, other students'
folders, ``nbgrader_config.py``), the repository (``tests/``, ``.git``), home directories and the
grader's ``/tmp`` are therefore invisible. The kernel talks to the grader over Unix sockets (the
IPC transport of Jupyter) in a folder bound into the sandbox, since TCP on 127.0.0.1 inside the
sandbox is a different loopback. Killing the ``bwrap`` process kills every process of the
sandbox (``--die-with-parent`` on its PID namespace's init).
"""

from __future__ import annotations

import copy
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager, KernelManager
from nbformat import NotebookNode
from traitlets import Integer, Type

from cvcourse.grading.execute import ExecutionResult, LocalExecutor
from cvcourse.grading.limits import MB, SandboxLimits

SUBMISSION_DIR = "/submission"  # the scratch copy's path inside the sandbox
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
UID_RANGE = (200_000, 260_000)  # private uids, one per sandbox; nothing on the system owns them
OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data"}
TOOLS = ("bwrap", "prlimit", "setpriv")
NOTEBOOK_OUTPUT_FACTOR = 8  # the whole notebook may output 8 cells' worth


# ----------------------------------------------------------------------------- availability
@cache
def sandbox_unavailable_reason() -> str | None:
    """Why sandboxed grading cannot run on this machine, or None when it can.

    Checks that ``bwrap`` (Debian package ``bubblewrap``), ``prlimit`` and ``setpriv``
    (``util-linux``) are installed and that bwrap can create the namespaces it needs here.
    """
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return (
            f"{', '.join(missing)} not found: install the Debian packages bubblewrap and "
            "util-linux (`apt-get install bubblewrap`), or pass --unsafe to grade without a sandbox"
        )
    probe = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    probe += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot run here ({exc}); pass --unsafe to grade without a sandbox"
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        why = detail[-1] if detail else f"exit status {done.returncode}"
        return f"bwrap cannot create namespaces here ({why}); pass --unsafe to grade unsandboxed"
    return None


# ----------------------------------------------------------------------------- what is visible
def python_paths() -> list[Path]:
    """Folders the kernel's Python needs, read-only: installation, venv, the cvcourse package."""
    import cvcourse

    candidates = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
        # An editable install maps the package to the repository: expose the package folder
        # only, never the repository around it (tests/, assignments/, .git).
        os.path.dirname(os.path.realpath(cvcourse.__file__)),
    ]
    return _outermost(Path(os.path.realpath(p)) for p in candidates)


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Distinct paths, dropping those inside another (binding the outer one covers them)."""
    unique = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _parent_dirs(targets: Iterable[Path], existing: set[Path]) -> list[str]:
    """``--dir`` for each missing parent of the bind targets, world-traversable.

    bwrap creates missing parents as root with mode 0700, which the kernel's uid could not
    traverse; creating them first with ``--perms 0755`` avoids that.
    """
    args: list[str] = []
    made = set(existing)
    for target in targets:
        for parent in reversed(target.parents):
            if parent == Path("/") or parent in made:
                continue
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


SANDBOX_ENV = {
    "PATH": SANDBOX_PATH,
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "IPYTHONDIR": "/tmp/ipython",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # no debugger warning on stderr (stderr costs points)
}


def sandbox_environment() -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's leaks in."""
    venv_bin = str(Path(sys.executable).parent)
    return SANDBOX_ENV | {"PATH": f"{venv_bin}:{SANDBOX_PATH}"}


@dataclass(frozen=True)
class SandboxLayout:
    """Where one sandboxed kernel lives on the host, and as whom it runs.

    Attributes:
        runtime_dir: a fresh host folder (removed afterwards) holding ``run/`` (connection file and
            kernel sockets, same path inside and outside) and ``work/`` (the scratch copy).
        uid: the private unprivileged uid the kernel runs as.
    """

    runtime_dir: Path
    uid: int

    @property
    def run_dir(self) -> Path:
        return self.runtime_dir / "run"

    @property
    def work_dir(self) -> Path:
        return self.runtime_dir / "work"


def bwrap_command(layout: SandboxLayout, limits: SandboxLimits, command: list[str]) -> list[str]:
    """The full command line: bwrap, then prlimit, then setpriv to the private uid, then command."""
    ro_paths = python_paths()
    args = ["bwrap", "--die-with-parent", "--new-session"]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    args += _system_binds()
    args += ["--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "1777", "--size", str(limits.tmp_mb * MB), "--tmpfs", "/tmp"]
    binds = [*ro_paths, layout.run_dir, Path(SUBMISSION_DIR)]
    existing = {Path("/usr"), Path("/etc"), Path("/dev"), Path("/proc"), Path("/tmp")}
    args += _parent_dirs(binds, existing)
    for path in ro_paths:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(layout.run_dir), str(layout.run_dir)]
    args += ["--bind", str(layout.work_dir), SUBMISSION_DIR, "--chdir", SUBMISSION_DIR]
    args += ["--clearenv"]
    for name, value in sandbox_environment().items():
        args += ["--setenv", name, value]
    args += ["--", *limits.prlimit_command()]
    uid = str(layout.uid)
    args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + command


# ----------------------------------------------------------------------------- the kernel
class _TolerantChannel(AsyncZMQSocketChannel):
    """A channel that drops messages it cannot verify instead of failing the whole run.

    Forked copies of a kernel (a fork bomb, ``multiprocessing``) share its sockets and can garble
    or repeat messages; nbclient would stop at the first bad signature. A dropped message costs
    the submission at most the output it carried.
    """

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        while True:
            try:
                msg: dict[str, Any] = await super().get_msg(timeout=timeout)
                return msg
            except ValueError:  # "Invalid Signature", "Duplicate Signature", bad framing
                continue


class _CappedIOPubChannel(_TolerantChannel):
    """IOPub channel that stops passing a cell's outputs on once its output budget is spent.

    Each cell may send ``max_bytes`` of outputs, the whole notebook ``NOTEBOOK_OUTPUT_FACTOR``
    times that. Outputs beyond become a message nbclient ignores, so a notebook that prints
    without end costs the grader neither memory nor disk; one note per cell says what happened.
    """

    max_bytes: int = 8 * MB
    _cell_bytes = 0
    _total_bytes = 0
    _noted = False

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        msg = await super().get_msg(timeout=timeout)
        kind = msg.get("msg_type")
        if kind == "execute_input":  # a new cell starts
            self._cell_bytes, self._noted = 0, False
        if kind not in OUTPUT_MESSAGES:
            return msg
        size = _content_size(msg.get("content", {}))
        over_total = self._total_bytes + size > NOTEBOOK_OUTPUT_FACTOR * self.max_bytes
        if self._cell_bytes + size <= self.max_bytes and not over_total:
            self._cell_bytes += size
            self._total_bytes += size
            return msg
        self._cell_bytes = self.max_bytes + 1  # nothing more from this cell
        if not self._noted:
            self._noted = True
            note = f"[output truncated: more than {self.max_bytes / MB:g} MB of output]\n"
            return _retyped(msg, "stream", {"name": "stdout", "text": note})
        return _retyped(msg, "execute_input", {})  # nbclient ignores it


def _retyped(msg: dict[str, Any], msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    header = dict(msg.get("header", {})) | {"msg_type": msg_type}
    return msg | {"msg_type": msg_type, "header": header, "content": content, "metadata": {}}


def _content_size(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_content_size(v) for v in content.values())
    if isinstance(content, list):
        return sum(_content_size(v) for v in content)
    return 8


class SandboxKernelClient(AsyncKernelClient):
    """Kernel client that enforces the output budget and drops unverifiable messages."""

    iopub_channel_class = Type(_CappedIOPubChannel)  # type: ignore[assignment]
    shell_channel_class = Type(_TolerantChannel)  # type: ignore[assignment]
    control_channel_class = Type(_TolerantChannel)  # type: ignore[assignment]
    max_output_bytes = Integer(8 * MB)

    @property
    def iopub_channel(self) -> Any:
        channel = super().iopub_channel
        channel.max_bytes = self.max_output_bytes
        return channel


class SandboxKernelManager(AsyncKernelManager):
    """Starts ipykernel inside bubblewrap, talking over Unix sockets in ``layout.run_dir``.

    The kernel command does not come from a kernelspec (a submission may name any kernel):
    it is always this Python's ``ipykernel``.
    """

    def __init__(self, layout: SandboxLayout, limits: SandboxLimits, **kwargs: Any) -> None:
        super().__init__(kernel_name="python3", **kwargs)
        self.layout = layout
        self.limits = limits
        self.transport = "ipc"
        self.ip = str(layout.run_dir / "kernel")
        self.connection_file = str(layout.run_dir / "kernel.json")
        self.client_class = "cvcourse.grading.sandbox.SandboxKernelClient"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]
        # Large messages are sent zero-copy by default, which starts a helper thread on first use;
        # once a fork bomb has used up the process limit that thread cannot start and the
        # message goes out garbled. Copying every message needs no thread.
        kernel.append(f"--Session.copy_threshold={2**31 - 1}")
        return bwrap_command(self.layout, self.limits, kernel + list(extra_arguments or []))

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        # The kernel runs as the sandbox's uid and must read its connection file.
        os.chown(self.connection_file, self.layout.uid, self.layout.uid)

    def client(self, **kwargs: Any) -> Any:
        kc = super().client(**kwargs)
        kc.max_output_bytes = int(self.limits.max_output_mb * MB)
        return kc

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # What the kernel writes to its own stdout/stderr (not to cells) goes nowhere: student code
        # must not be able to flood the grader's terminal or log.
        kw |= {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_interrupt_kernel(self) -> None:
        # A signal would hit bwrap, not the kernel in its own session and PID namespace: ask the
        # kernel over its control channel instead.
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel  # type: ignore[assignment]


# ----------------------------------------------------------------------------- the executor
RUNTIME_PREFIX = "cvsbx-"
OWNER_FILE = "owner.pid"


def sweep_stale_runtimes(base: Path = Path("/tmp")) -> list[Path]:
    """Remove runtime folders whose grader process died (killed before it could clean up).

    Its sandbox died with it (``--die-with-parent``); only the folder stays behind.
    """
    removed = []
    for folder in base.glob(RUNTIME_PREFIX + "*"):
        try:
            pid = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:
            pass  # alive, someone else's
    return removed


def new_layout(workdir: Path) -> SandboxLayout:
    """A fresh runtime folder with a scratch copy of ``workdir``, owned by a fresh private uid."""
    uid = UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])
    # /tmp keeps socket paths short (Unix socket paths are limited to 107 bytes).
    base = "/tmp" if os.path.isdir("/tmp") else None
    sweep_stale_runtimes(Path(base or tempfile.gettempdir()))
    runtime = Path(tempfile.mkdtemp(prefix=RUNTIME_PREFIX, dir=base))
    os.chmod(runtime, 0o711)
    layout = SandboxLayout(runtime_dir=runtime, uid=uid)
    try:
        (runtime / OWNER_FILE).write_text(str(os.getpid()))
        layout.run_dir.mkdir()
        shutil.copytree(workdir, layout.work_dir, symlinks=True)
        for path in [layout.run_dir, layout.work_dir, *layout.work_dir.rglob("*")]:
            os.lchown(path, uid, uid)
    except OSError:
        shutil.rmtree(runtime, ignore_errors=True)
        raise
    return layout


@dataclass
class SandboxExecutor(LocalExecutor):
    """:class:`~cvcourse.grading.execute.LocalExecutor`, with the kernel in a bubblewrap sandbox.

    The notebook runs in a scratch copy of ``workdir`` (discarded afterwards: what the student's
    code writes never reaches the course). ``timeout`` and ``notebook_timeout`` of ``limits`` are
    the executor's per-cell and per-notebook limits.

    Args:
        limits: the sandbox's limits (see :class:`~cvcourse.grading.limits.SandboxLimits`).
    """

    limits: SandboxLimits = field(default_factory=SandboxLimits)
    # work_dir -> its layout, while run() is under way (one executor may serve several threads)
    _layouts: dict[Path, SandboxLayout] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.timeout = self.limits.timeout
        self.notebook_timeout = self.limits.notebook_timeout

    @classmethod
    def from_config(cls, config: Any = None, **overrides: Any) -> SandboxExecutor:
        """From ``c.SandboxExecutor.*`` in a traitlets config, then command-line ``overrides``."""
        return cls(limits=SandboxLimits.from_config(config, **overrides))

    def kernel_manager(self, workdir: Path) -> KernelManager | None:
        layout = self._layouts.get(Path(workdir))
        if layout is None:
            raise RuntimeError("SandboxExecutor.kernel_manager is only called from run()")
        return SandboxKernelManager(layout, self.limits)  # type: ignore[return-value]

    def run(self, nb: NotebookNode, workdir: Path, seed: int) -> ExecutionResult:
        reason = sandbox_unavailable_reason()
        if reason is not None:  # never run student code unsandboxed by accident
            return ExecutionResult(copy.deepcopy(nb), {}, f"no sandbox: {reason}")
        try:
            layout = new_layout(Path(workdir))
        except OSError as exc:
            return ExecutionResult(copy.deepcopy(nb), {}, f"could not prepare the sandbox: {exc}")
        self._layouts[layout.work_dir] = layout
        try:
            return super().run(nb, layout.work_dir, seed)
        finally:
            self._layouts.pop(layout.work_dir, None)
            shutil.rmtree(layout.runtime_dir, ignore_errors=True)
