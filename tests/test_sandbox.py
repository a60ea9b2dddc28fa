"""The sandboxed student kernel: limits, what it sees, what it cannot import, and its watchdog."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from cvcourse.grading.limits import MB, SandboxLimits
from cvcourse.grading.proxy import RemoteObject, StudentError, StudentFunction, StudentSession
from cvcourse.grading.sandbox import (
    SANDBOX_ENV,
    KernelDied,
    SandboxPlan,
    StudentKernel,
    bwrap_command,
    python_paths,
    sandbox_unavailable_reason,
)

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)
REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- limits
def test_limits_defaults_and_prlimit_options() -> None:
    limits = SandboxLimits()
    command = limits.prlimit_command(address_space_mb=4096)
    assert command[0] == "prlimit" and command[-1] == "--"
    assert f"--as={(2048 + 4096) * MB}" in command
    assert "--nproc=64" in command and f"--fsize={64 * MB}" in command and "--core=0" in command
    # An ordinary user's RLIMIT_NPROC would count all of the instructor's processes.
    assert not any(o.startswith("--nproc") for o in limits.prlimit_command(as_root=False))


def test_limits_from_config_then_overrides() -> None:
    config = {"SandboxExecutor": {"memory_mb": 3000, "max_file_mb": 5}}
    limits = SandboxLimits.from_config(config, max_file_mb=7, timeout=None)
    assert limits.memory_mb == 3000 and limits.max_file_mb == 7 and limits.timeout == 60.0


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("memory_mb", 100, "at least 1024"),
        ("max_procs", 4, "at least 32"),
        ("tmp_mb", -1, "tmp_mb"),
    ],
)
def test_bad_limits_name_the_field(name: str, value: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SandboxLimits(**{name: value})


def test_unknown_limit_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="memory_gb"):
        SandboxLimits().with_overrides({"memory_gb": 2})


# ----------------------------------------------------------------------------- the command
def test_command_hides_the_repository_masks_packages_and_clears_the_environment(
    tmp_path: Path,
) -> None:
    command = bwrap_command(SandboxPlan(SandboxLimits()), tmp_path)
    text = " ".join(command)
    assert "--clearenv" in command and "--unshare-net" in command
    bound = {command[i + 1] for i, o in enumerate(command) if o in ("--bind", "--ro-bind")}
    hidden = (REPO / "assignments", REPO / "cvcourse", REPO / "tests", REPO / ".git")
    assert str(REPO) not in bound  # the venv may live in the repository; nothing else of it
    assert not any(str(p) == b or b.startswith(str(p) + "/") for p in hidden for b in bound)
    assert "/torchvision" in text and f"{tmp_path}/masked.py" in text  # torchvision refuses
    assert "--tmpfs /submission" in text  # the working folder is a sized tmpfs


def test_python_paths_are_outermost_and_exclude_the_repo_root() -> None:
    paths = python_paths()
    assert all(not (p != q and p in q.parents) for p in paths for q in paths)
    # The virtual environment may live inside the repository; the repository itself is not bound.
    assert REPO not in paths and REPO / "cvcourse" not in paths


def test_environment_has_nothing_of_the_grader() -> None:
    assert not any(k.startswith(("NBGRADER", "CVCOURSE", "JPY")) for k in SANDBOX_ENV)


# ----------------------------------------------------------------------------- a real kernel
# 2 GB of shared pages, which a per-process data limit does not count; then time to be seen.
SHARED_MEMORY_BOMB = """
import mmap, time
m = mmap.mmap(-1, 2**31, flags=mmap.MAP_SHARED)
for i in range(8):
    m[i * 2**28:(i + 1) * 2**28] = b"x" * 2**28
time.sleep(10)
"""


@pytest.fixture
def kernel() -> StudentKernel:
    if sandbox_unavailable_reason() is not None:
        pytest.fail(f"the sandbox is needed here: {sandbox_unavailable_reason()}")
    with StudentKernel(SandboxPlan(SandboxLimits(memory_mb=1536))) as k:
        yield k


@needs_bwrap
def test_kernel_sees_nothing_of_the_course_and_cannot_import_forbidden(
    kernel: StudentKernel,
) -> None:
    probe = (
        "import os, socket\n"
        f"print(sorted(os.listdir('.')), os.path.exists({str(REPO / 'assignments')!r}), "
        "os.getuid() == 0)\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
        "except OSError as e:\n    print('no network')\n"
    )
    reply = kernel.request({"op": "run", "source": probe}, timeout=30)
    assert reply["ok"], reply
    assert "[] False False" in reply["printed"] and "no network" in reply["printed"]
    for module in ("torchvision", "cvcourse", "pycocotools"):
        reply = kernel.request({"op": "run", "source": f"import {module}"}, timeout=30)
        assert not reply["ok"] and "Error" in reply["error"]["ename"], (module, reply)


@needs_bwrap
def test_calls_bring_back_data_and_mutation(kernel: StudentKernel) -> None:
    session = StudentSession(lambda: kernel, {"data.txt": b"hello"}, timeout=30, deadline=1e18)
    session.run_cell("import torch\ndef f(x):\n    x.mul_(2)\n    return open('data.txt').read()")
    x = torch.ones(3)
    assert StudentFunction(session, "f")(x) == "hello"
    assert torch.equal(x, torch.full((3,), 2.0))  # modified there, modified here
    session.run_cell("def g():\n    raise ValueError('no')")
    with pytest.raises(StudentError, match="g raised ValueError: no"):
        StudentFunction(session, "g")()
    # A helper of the notebook runs autograd through the student's function there.
    session.run_cell(
        "def h(x):\n    return (x * x).sum()\n"
        "def grad_of_h(x):\n    x = x.clone().requires_grad_(True)\n"
        "    h(x).backward()\n    return x.grad"
    )
    helper = StudentFunction(session, "h").sibling("grad_of_h")
    assert torch.equal(helper(torch.tensor([1.0, -2.0])), torch.tensor([2.0, -4.0]))


@needs_bwrap
def test_timed_calls_use_kept_inputs_and_bring_back_a_digest(kernel: StudentKernel) -> None:
    session = StudentSession(lambda: kernel, {}, timeout=30, deadline=1e18)
    session.run_cell("import torch\ndef f(x, y):\n    return [x * y, int(x.numel())]")
    f = StudentFunction(session, "f")
    x, y = torch.arange(6.0).reshape(2, 3), torch.full((2, 3), -2.0)
    with f.kept((x, y)) as kept:
        assert len(kept) == 2 and all(isinstance(k, RemoteObject) for k in kept)
        digest = f.timed(kept)
        assert f.timed(kept) == digest  # the kept inputs stay for the next call
    shape, dtype = digest[0]["shape"], digest[0]["dtype"]
    assert (shape, dtype, digest[1]) == ([2, 3], "torch.float32", 6.0)
    assert digest[0]["sum"] == -30.0 and digest[0]["abs"] == 30.0
    with pytest.raises(StudentError, match="gone|no object"):  # dropped after the block
        f.timed(kept)


@needs_bwrap
def test_a_kernel_starts_from_a_linked_environment_folder(tmp_path: Path) -> None:
    """A grader run through a symbolic link to its virtual environment (say a worktree's
    ``.venv``): the sandbox mounts real paths only, so the kernel must be started by one."""
    linked = tmp_path / "venv"
    linked.symlink_to(os.path.realpath(sys.prefix), target_is_directory=True)
    probe = (
        "from cvcourse.grading.limits import SandboxLimits\n"
        "from cvcourse.grading.sandbox import SandboxPlan, StudentKernel\n"
        "with StudentKernel(SandboxPlan(SandboxLimits())) as k:\n"
        "    print(k.request({'op': 'run', 'source': 'print(6 * 7)'}, timeout=60)['printed'])\n"
    )
    done = subprocess.run(
        [str(linked / "bin" / Path(sys.executable).name), "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stdout + done.stderr


@needs_bwrap
def test_watchdog_stops_memory_over_the_limit_and_a_loop_times_out(
    kernel: StudentKernel,
) -> None:
    with pytest.raises(KernelDied, match="memory"):
        kernel.request(
            {"op": "run", "source": SHARED_MEMORY_BOMB},
            timeout=60,
        )
    with StudentKernel(SandboxPlan(SandboxLimits())) as other:
        with pytest.raises(KernelDied, match="ran longer than 2 s"):
            other.request({"op": "run", "source": "while True: pass"}, timeout=2)


@needs_bwrap
def test_a_dead_kernel_is_started_again_with_the_cells_so_far() -> None:
    plan = SandboxPlan(SandboxLimits())
    session = StudentSession(lambda: StudentKernel(plan), {}, timeout=30, deadline=1e18)
    try:
        session.run_cell("import os\ndef die():\n    os._exit(3)\ndef one():\n    return 1")
        with pytest.raises(StudentError, match="exited"):
            StudentFunction(session, "die")()
        assert StudentFunction(session, "one")() == 1  # a fresh kernel, the cells replayed
        assert session.restarts == 1
    finally:
        session.close()


def test_folders_of_a_killed_grader_are_swept(tmp_path: Path) -> None:
    from cvcourse.grading.sandbox import OWNER_FILE, SUPPORT_PREFIX, sweep_stale_support_dirs

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, alive, foreign = (tmp_path / f"{SUPPORT_PREFIX}{n}" for n in ("a", "b", "c"))
    for folder, pid in ((stale, dead.pid), (alive, os.getpid())):
        folder.mkdir()
        (folder / OWNER_FILE).write_text(str(pid))
    foreign.mkdir()  # no owner file: not ours to remove
    assert sweep_stale_support_dirs(tmp_path) == [stale]
    assert alive.exists() and foreign.exists() and not stale.exists()


def test_grading_refuses_to_run_unsandboxed_without_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    from cvcourse.grading import autograde, sandbox
    from cvcourse.grading.course import CourseError

    why = "bwrap not found: install the Debian package bubblewrap, or pass --unsafe"
    monkeypatch.setattr(sandbox, "sandbox_unavailable_reason", lambda: why)
    with pytest.raises(CourseError, match="--unsafe"):
        autograde.check_sandbox(unsafe=False)
    autograde.check_sandbox(unsafe=True)


# ----------------------------------------------------------------------------- the watchdog's view
def test_the_watchdog_finds_every_descendant_without_scanning_all_processes() -> None:
    """Children started by a thread, grandchildren and a detached shell's child are all found,
    as a scan of every process finds them."""
    from cvcourse.grading.sandbox import _tree, _tree_by_scan

    script = (
        "import subprocess, threading, time\n"
        "threading.Thread(target=lambda: subprocess.Popen(['sleep', '30'])).start()\n"
        "subprocess.Popen(['sh', '-c', 'sleep 30 & sleep 30'])\n"
        "time.sleep(30)\n"
    )
    root = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        expected: list[int] = []
        for _ in range(100):  # until all four descendants have started
            expected = sorted(_tree_by_scan(root.pid))
            if len(expected) == 5:
                break
            time.sleep(0.05)
        assert len(expected) == 5
        assert sorted(_tree(root.pid)) == expected
    finally:
        os.killpg(root.pid, 9)
        root.wait()
