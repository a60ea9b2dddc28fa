"""The student's kernel in a bubblewrap sandbox, and the grader's handle on it.

What a student kernel (:mod:`cvcourse.grading.student_kernel`) sees, everything else does not
exist for it:

* read-only: the system (``/usr``, ``/etc``), the Python installation and virtual environment, and
  the two files of the kernel itself; the packages the assignment forbids (``torchvision``,
  ``cvcourse``...) are masked: importing one raises ``ImportError``, so delegation fails instead of
  needing to be detected;
* read-write: its working directory ``/submission`` and ``/tmp``, both size-limited tmpfs in
  memory, holding only the files the grader sends it as data;
* no network (its own network namespace), its own PID, IPC and hostname namespaces, a fresh
  ``/proc``, a minimal ``/dev``; a cleared environment;
* as root: a private uid without capabilities; as an ordinary user: a user namespace (the
  instructor's uid, no capabilities, no further namespaces);
* limits (:class:`~cvcourse.grading.limits.SandboxLimits`): address space and open files per
  process (``prlimit``), and for the whole sandbox a watchdog in the grader that sums the resident
  memory (shared memory included) and counts the processes of the sandbox every 50 ms and kills
  it past its limit; time per request.

It talks to the grader over two pipes only (:mod:`cvcourse.grading.wire`). Killing ``bwrap``
kills every process of the sandbox (``--die-with-parent`` on its PID namespace's init).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cvcourse.grading.limits import MB, SandboxLimits
from cvcourse.grading.wire import (
    WireClosed,
    WireError,
    WireTimeout,
    clean_text,
    read_frame,
    write_frame,
)

KERNEL_DIR = "/opt/cvcourse-kernel"  # the kernel's two files, inside the sandbox
SUBMISSION_DIR = "/submission"
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
UID_RANGE = (200_000, 260_000)  # private uids (as root), one per sandbox
TOOLS = ("bwrap", "prlimit")
WATCH_SECONDS = 0.05
START_SECONDS = 120.0  # bwrap + Python + torch on a loaded 2-core machine
ADDRESS_SPACE_MB = 4096  # what torch and its libraries map before any student allocation
DEFAULT_FORBIDDEN = ("torchvision", "cvcourse", "pycocotools", "torchmetrics", "nltk", "sacrebleu")
KERNEL_FILES = ("wire.py", "student_kernel.py")


class KernelStartError(RuntimeError):
    """The sandbox or the kernel in it could not start: the grader's problem, not the student's."""


class KernelDied(RuntimeError):
    """The kernel is gone (the student's code killed it, or a limit did).

    Its message completes "the kernel ...": "exited (status 139)", "used more than 2048 MB of
    memory", "ran longer than 60 s and was stopped".
    """


class KernelTimeout(KernelDied):
    """The kernel ran past a request's time limit and was stopped."""


# ----------------------------------------------------------------------------- availability
def running_as_root() -> bool:
    return os.geteuid() == 0


@cache
def sandbox_unavailable_reason() -> str | None:
    """Why sandboxed grading cannot run on this machine, or None when it can.

    Needs ``bwrap`` (Debian package ``bubblewrap``) and ``prlimit`` (``util-linux``), and either
    root or unprivileged user namespaces.
    """
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return (
            f"{', '.join(missing)} not found: install the Debian packages bubblewrap and "
            "util-linux, or pass --unsafe to grade without a sandbox"
        )
    probe = ["bwrap", *_namespace_args(), "--ro-bind", "/", "/", "--dev", "/dev"]
    probe += ["--proc", "/proc", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot run here ({exc}); pass --unsafe to grade without a sandbox"
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        why = detail[-1] if detail else f"exit status {done.returncode}"
        if not running_as_root():
            return (
                f"bwrap cannot create namespaces as an ordinary user ({why}): enable unprivileged "
                "user namespaces (sysctl kernel.unprivileged_userns_clone=1 or "
                "user.max_user_namespaces > 0), grade as root, or pass --unsafe"
            )
        return f"bwrap cannot create namespaces here ({why}); pass --unsafe to grade unsandboxed"
    return None


def _namespace_args() -> list[str]:
    args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if not running_as_root():
        # An ordinary user gets namespaces through a user namespace of its own; inside it the
        # kernel has no capabilities and may not make further user namespaces.
        args += ["--unshare-user", "--disable-userns"]
    return args


# ----------------------------------------------------------------------------- what is visible
def python_paths() -> list[Path]:
    """Folders the kernel's Python needs, read-only: the installation and the environment."""
    candidates = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
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


def package_locations(names: Iterable[str]) -> dict[str, Path]:
    """Where each top-level package is installed (found without importing it)."""
    found = {}
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found[name] = Path(os.path.realpath(list(spec.submodule_search_locations)[0]))
        elif spec.origin:
            found[name] = Path(os.path.realpath(spec.origin))
    return found


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

    bwrap creates missing parents with mode 0700, which a private uid could not traverse.
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
    "OMP_WAIT_POLICY": "PASSIVE",
    "PYTHONDONTWRITEBYTECODE": "1",
}


@dataclass(frozen=True)
class SandboxPlan:
    """How to start one kernel: limits, masked packages, and the host folder with its mask file."""

    limits: SandboxLimits
    forbidden: tuple[str, ...] = DEFAULT_FORBIDDEN
    sandboxed: bool = True


def bwrap_command(plan: SandboxPlan, support_dir: Path) -> list[str]:
    """The full command line: bwrap, prlimit, (as root) setpriv to a private uid, the kernel."""
    limits = plan.limits
    ro_paths = python_paths()
    args = ["bwrap", *_namespace_args(), "--hostname", "sandbox"]
    args += _system_binds()
    args += ["--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "1777", "--size", str(limits.tmp_mb * MB), "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", str(limits.tmp_mb * MB), "--tmpfs", "/dev/shm"]
    existing = {Path("/usr"), Path("/etc"), Path("/dev"), Path("/proc"), Path("/tmp")}
    args += _parent_dirs([*ro_paths, Path(KERNEL_DIR), Path(SUBMISSION_DIR)], existing)
    for path in ro_paths:
        args += ["--ro-bind", str(path), str(path)]
    # Forbidden packages inside the bound folders become a module that refuses to import.
    for location in package_locations(plan.forbidden).values():
        if not any(location == p or p in location.parents for p in ro_paths):
            continue  # not visible in the sandbox anyway (an editable install, say)
        if location.is_dir():
            args += ["--tmpfs", str(location)]
            args += ["--ro-bind", str(support_dir / "masked.py"), str(location / "__init__.py")]
        else:
            args += ["--ro-bind", str(support_dir / "masked.py"), str(location)]
    args += ["--ro-bind", str(support_dir / "kernel"), KERNEL_DIR]
    size = str(limits.workdir_mb * MB)
    args += [
        "--perms",
        "1777",
        "--size",
        size,
        "--tmpfs",
        SUBMISSION_DIR,
        "--chdir",
        SUBMISSION_DIR,
    ]
    args += ["--clearenv"]
    venv_bin = str(Path(interpreter()).parent)
    for name, value in (SANDBOX_ENV | {"PATH": f"{venv_bin}:{SANDBOX_PATH}"}).items():
        args += ["--setenv", name, value]
    args += ["--", *limits.prlimit_command(ADDRESS_SPACE_MB, as_root=running_as_root())]
    if running_as_root():
        uid = str(UID_RANGE[0] + int.from_bytes(os.urandom(4)) % (UID_RANGE[1] - UID_RANGE[0]))
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + kernel_command()


def interpreter() -> str:
    """This Python as the sandbox can start it: a linked folder on the way (say a ``.venv``
    that is a symbolic link) resolved, since the sandbox mounts only real paths, but the
    executable's own name kept, since a virtual environment is found from that name."""
    executable = Path(sys.executable)
    return str(executable.parent.resolve() / executable.name)


def kernel_command(directory: str = KERNEL_DIR) -> list[str]:
    return [interpreter(), "-s", "-B", f"{directory}/student_kernel.py"]


MASKED_MODULE = (
    "raise ImportError('this package is not available to your code when it is graded: "
    "the assignment asks you to write the function yourself')\n"
)


SUPPORT_PREFIX = "cvcourse-kernel-"
OWNER_FILE = "owner.pid"


def sweep_stale_support_dirs(base: Path | None = None) -> list[Path]:
    """Remove kernel folders whose grader process is gone (killed before it could clean up).

    Its sandboxes died with it (``--die-with-parent``); only the folder stays behind.
    """
    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob(SUPPORT_PREFIX + "*"):
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


def _support_dir() -> Path:
    """A host folder with the kernel's files and the masking module (removed on close)."""
    folder = Path(tempfile.mkdtemp(prefix=SUPPORT_PREFIX))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    os.chmod(folder, 0o755)
    (folder / "kernel").mkdir(mode=0o755)
    here = Path(__file__).resolve().parent
    for name in KERNEL_FILES:
        shutil.copyfile(here / name, folder / "kernel" / name)
        os.chmod(folder / "kernel" / name, 0o644)
    (folder / "masked.py").write_text(MASKED_MODULE)
    os.chmod(folder / "masked.py", 0o644)
    return folder


# ----------------------------------------------------------------------------- the watchdog
def _tree(root: int) -> list[int]:
    """``root`` and all its descendants (host PIDs), from /proc.

    Walks down from ``root`` through each thread's ``children`` file, so a check costs the size
    of the sandbox's tree, not of every process on the machine (the watchdog runs it 20 times a
    second per kernel, on servers with thousands of processes); a kernel built without those
    files gets the scan of all of /proc.
    """
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        return _tree_by_scan(root)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # gone meanwhile
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                    todo += [int(child) for child in f.read().split()]
            except OSError:
                continue
    return found


def _tree_by_scan(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _resident_mb(pids: Iterable[int]) -> float:
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1])  # resident pages, shared ones included
        except (OSError, IndexError, ValueError):
            continue
    return total * page / MB


# ----------------------------------------------------------------------------- the kernel handle
class StudentKernel:
    """One student kernel: started (and warmed) at once, used for one submission, then closed.

    Raises:
        KernelStartError: from :meth:`wait_ready`, when the sandbox or the kernel cannot start.
    """

    def __init__(self, plan: SandboxPlan) -> None:
        self.plan = plan
        self.limits = plan.limits
        self.death: str | None = None  # why the kernel is gone, once it is
        self._ready = False
        self._support = _support_dir()
        if plan.sandboxed:
            command = bwrap_command(plan, self._support)
        else:
            command = kernel_command(str(self._support / "kernel"))
        self._workdir = None if plan.sandboxed else Path(tempfile.mkdtemp(prefix="cvcourse-run-"))
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self._workdir,
                env=None if plan.sandboxed else {**os.environ, **SANDBOX_ENV},
                start_new_session=True,
            )
        except OSError as exc:
            self._cleanup()
            raise KernelStartError(f"cannot start the kernel: {exc}") from exc
        self.started = time.monotonic()
        self._watch = threading.Thread(target=self._watchdog, daemon=True)
        self._watch.start()

    # -- lifecycle
    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        if self._ready:
            return
        try:
            reply = self._read(timeout)
        except (WireTimeout, WireClosed, WireError) as exc:
            stderr = self._stderr_tail()
            self.close()
            raise KernelStartError(f"the sandboxed kernel did not start ({exc}){stderr}") from None
        if not reply.get("ready"):
            self.close()
            raise KernelStartError("the sandboxed kernel did not start (unexpected greeting)")
        self._ready = True

    def _stderr_tail(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        text = clean_text(self.process.stderr.read()[-2000:].decode(errors="replace"))
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return f": {lines[-1]}" if lines else ""

    @property
    def alive(self) -> bool:
        return self.death is None and self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        if self.death is None:
            self.death = "was closed"
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self._support, ignore_errors=True)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> StudentKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the watchdog
    def _watchdog(self) -> None:
        while self.process.poll() is None:
            pids = _tree(self.process.pid)
            problem = None
            if len(pids) > self.limits.max_procs + 2:  # bwrap and its init are not the kernel's
                problem = f"started more than {self.limits.max_procs} processes"
            elif _resident_mb(pids) > self.limits.memory_mb:
                problem = f"used more than {self.limits.memory_mb} MB of memory"
            if problem:
                self.death = problem
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except OSError:
                    pass
                return
            time.sleep(WATCH_SECONDS)

    # -- requests
    def _read(self, timeout: float | None) -> dict[str, Any]:
        assert self.process.stdout is not None
        return read_frame(
            self.process.stdout.fileno(), int(self.limits.max_output_mb * MB), timeout
        )

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its reply.

        Raises:
            KernelDied: the kernel died, ran past ``timeout`` (it is then killed), or sent
                something the protocol refuses (too large, malformed); ``str()`` says which.
        """
        self.wait_ready()
        if not self.alive:
            raise KernelDied(self.death or "is not running")
        assert self.process.stdin is not None
        timed_out = False
        try:
            write_frame(self.process.stdin.fileno(), message)
            return self._read(timeout)
        except WireTimeout:
            problem = f"ran longer than {timeout:g} s and was stopped"
            timed_out = True
        except WireClosed:
            self.process.wait()
            problem = self.death or _exit_reason(self.process.returncode)
        except WireError as exc:
            problem = f"sent data the grader refuses ({exc})"
        if self.death is None:
            self.death = problem
        self.close()
        raise (KernelTimeout if timed_out else KernelDied)(self.death)

    def send_files(self, files: dict[str, bytes], timeout: float) -> None:
        encoded = [[name, base64.b64encode(data).decode()] for name, data in files.items()]
        self.request({"op": "files", "files": encoded}, timeout)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed ({name})"
    return f"exited (status {code})"
