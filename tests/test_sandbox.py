"""The bubblewrap sandbox of grading kernels: what a kernel sees, what it can do, its limits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from cvcourse.grading.limits import MB, SandboxLimits
from cvcourse.grading.sandbox import (
    SUBMISSION_DIR,
    SandboxExecutor,
    SandboxLayout,
    bwrap_command,
    python_paths,
    sandbox_environment,
    sandbox_unavailable_reason,
)

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)
REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- limits
def test_limits_defaults_and_prlimit_options() -> None:
    limits = SandboxLimits()
    command = limits.prlimit_command()
    assert command[0] == "prlimit" and command[-1] == "--"
    assert f"--data={2048 * MB}" in command
    assert "--nproc=64" in command and f"--fsize={64 * MB}" in command and "--core=0" in command


def test_limits_from_config_then_overrides() -> None:
    from traitlets.config import Config

    config = Config()
    config.SandboxExecutor.memory_mb = 3000
    config.SandboxExecutor.max_procs = 40
    limits = SandboxLimits.from_config(config, max_procs=50, max_file_mb=None)
    assert (limits.memory_mb, limits.max_procs, limits.max_file_mb) == (3000, 50, 64)
    assert SandboxLimits.from_config(None) == SandboxLimits()


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("memory_mb", 512, "memory_mb"),
        ("max_procs", 4, "max_procs"),
        ("timeout", 0, "timeout"),
        ("max_file_mb", -1, "max_file_mb"),
        ("tmp_mb", True, "tmp_mb"),
    ],
)
def test_bad_limits_name_the_field(name: str, value: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SandboxLimits().with_overrides({name: value})


def test_unknown_limit_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="memory_gb"):
        SandboxLimits().with_overrides({"memory_gb": 2})


# ----------------------------------------------------------------------------- the command
def test_command_hides_the_repository_and_clears_the_environment(tmp_path: Path) -> None:
    layout = SandboxLayout(runtime_dir=tmp_path, uid=212345)
    command = bwrap_command(layout, SandboxLimits(), ["python", "-c", "pass"])
    text = " ".join(command)
    assert command[0] == "bwrap" and command[-3:] == ["python", "-c", "pass"]
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"):
        assert flag in command
    assert "--reuid=212345" in command and "--inh-caps=-all" in command
    bound = [command[i + 2] for i, a in enumerate(command) if a in ("--ro-bind", "--bind")]
    assert str(REPO) not in bound  # never the repository itself (tests/, assignments/, .git)
    assert all(not Path(b).is_relative_to(REPO / "assignments") for b in bound)
    assert str(REPO / "cvcourse") in bound and SUBMISSION_DIR in bound
    assert "NBGRADER" not in text and "JPY_" not in text
    assert all(not Path(p).is_relative_to(Path.home()) or ".pyenv" in str(p) for p in bound)


def test_python_paths_are_outermost_and_exclude_the_repo_root() -> None:
    paths = python_paths()
    assert len(paths) == len(set(paths))
    assert REPO not in paths
    for a in paths:
        assert not any(b != a and b in a.parents for b in paths)


def test_environment_has_nothing_of_the_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    env = sandbox_environment()
    assert not any(k.startswith(("NBGRADER", "CVCOURSE", "JPY")) for k in env)
    assert env["HOME"] == "/tmp" and env["MPLBACKEND"] == "Agg"


def test_unavailable_reason_names_the_missing_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox_unavailable_reason.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "bwrap" else "/usr/bin/x")
    try:
        reason = sandbox_unavailable_reason()
        assert reason is not None and "bwrap" in reason and "--unsafe" in reason
    finally:
        sandbox_unavailable_reason.cache_clear()


# ----------------------------------------------------------------------------- a real kernel
PROBE = r"""
import json, os, socket
facts = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
         "env": sorted(os.environ), "root": sorted(os.listdir("/"))}
def attempt(f):
    try:
        f()
        return "ok"
    except BaseException as e:
        return type(e).__name__
facts["read_repo_tests"] = attempt(lambda: os.listdir(REPO + "/tests"))
facts["read_assignments"] = attempt(lambda: os.listdir(REPO + "/assignments"))
facts["read_root_home"] = attempt(lambda: os.listdir("/root"))
facts["write_venv"] = attempt(lambda: open(VENV + "/pwned", "w").write("x"))
facts["write_etc"] = attempt(lambda: open("/etc/pwned", "w").write("x"))
facts["write_outside_tmp"] = attempt(lambda: open(OUTSIDE, "w").write("x"))
facts["network"] = attempt(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))
facts["memory"] = attempt(lambda: bytearray(3 * 1024**3))
facts["big_file"] = attempt(lambda: open("big.bin", "wb").write(b"0" * (32 * 1024 * 1024)))
facts["write_scratch"] = attempt(lambda: open("mine.txt", "w").write("x"))
print(json.dumps(facts))
"""


@needs_bwrap
def test_kernel_sees_only_its_scratch_copy_and_limits_hold(tmp_path: Path) -> None:
    workdir = tmp_path / "submission"
    workdir.mkdir()
    (workdir / "data.txt").write_text("mine")
    outside = tmp_path / "outside.txt"
    header = (
        f"REPO = {str(REPO)!r}\nVENV = {os.path.dirname(os.path.dirname(os.sys.executable))!r}\n"
    )
    header += f"OUTSIDE = {str(outside)!r}\n"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(header + PROBE), nbformat.v4.new_code_cell("1 + 1")]
    )
    executor = SandboxExecutor(limits=SandboxLimits(max_file_mb=16, timeout=60))
    result = executor.run(nb, workdir, seed=7)
    assert result.error is None
    text = "".join(o.get("text", "") for o in result.notebook.cells[0].outputs)
    facts = json.loads(text)
    assert facts["uid"] != 0 and facts["cwd"] == SUBMISSION_DIR
    assert facts["files"] == ["data.txt"]
    assert not any(k.startswith(("NBGRADER", "CVCOURSE", "JPY")) for k in facts["env"])
    assert "home" not in facts["root"]
    for key in ("read_repo_tests", "read_assignments"):
        assert facts[key] == "FileNotFoundError", key
    assert facts["read_root_home"] in ("PermissionError", "ok")  # only .pyenv lives there
    for key in ("write_venv", "write_etc"):
        assert facts[key] in ("PermissionError", "OSError"), key
    assert facts["write_outside_tmp"] == "FileNotFoundError"  # the grader's /tmp is not there
    assert facts["network"] == "OSError"
    assert facts["memory"] == "MemoryError"
    assert facts["big_file"] == "OSError"  # EFBIG: larger than max_file_mb
    assert facts["write_scratch"] == "ok"
    assert not outside.exists()
    assert sorted(p.name for p in workdir.iterdir()) == ["data.txt"]  # the original is untouched
    assert 0 in result.cell_seconds and 1 in result.cell_seconds
    assert result.notebook.cells[1].outputs[0]["data"]["text/plain"] == "2"


@needs_bwrap
def test_fork_bomb_loop_and_flood_are_contained(tmp_path: Path) -> None:
    cells = [
        "while True:\n    pass",
        "for _ in range(4):\n    print('x' * (1024 * 1024))",
        "print('alive')",
        "import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            import time; time.sleep(60); os._exit(0)\n        n += 1\n"
        "except OSError:\n    print('forks', n)",
        "from IPython.display import display\n"
        "display({'application/json': {'data': list(range(50_000))}}, raw=True)",
        "import os\nos._exit(3)",
        "print('never')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    limits = SandboxLimits(max_procs=40, timeout=3, max_output_mb=1)
    result = SandboxExecutor(limits=limits).run(nb, tmp_path, seed=0)
    outs = [c.outputs for c in result.notebook.cells]
    assert any(o.get("ename") in ("KeyboardInterrupt", "CellTimeoutError") for o in outs[0])
    assert "output truncated" in outs[1][0]["text"] and len(outs[1][0]["text"]) < 1000
    assert outs[2][0]["text"] == "alive\n"
    forks = int(outs[3][0]["text"].split()[1])
    assert 0 < forks < 40  # the private uid's process limit stopped it
    # a large message still arrives intact although the kernel cannot start threads any more
    assert outs[4][0]["data"]["application/json"]["data"][-1] == 49_999
    assert outs[6] == []
    assert result.error is not None and "died" in result.error


def test_stale_runtime_folders_are_swept(tmp_path: Path) -> None:
    from cvcourse.grading.sandbox import OWNER_FILE, sweep_stale_runtimes

    dead = _dead_pid()
    stale, live, foreign = tmp_path / "cvsbx-stale", tmp_path / "cvsbx-live", tmp_path / "cvsbx-x"
    for folder in (stale, live, foreign):
        (folder / "run").mkdir(parents=True)
    (stale / OWNER_FILE).write_text(str(dead))
    (live / OWNER_FILE).write_text(str(os.getpid()))
    assert sweep_stale_runtimes(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and foreign.exists()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_grading_refuses_to_run_unsandboxed_without_unsafe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cvcourse.grading import autograde, sandbox
    from cvcourse.grading.course import Course, CourseError
    from cvcourse.grading.execute import LocalExecutor

    shutil.copy(REPO / "assignments" / "nbgrader_config.py", tmp_path)
    course = Course.open(tmp_path)
    why = "bwrap not found: install the Debian package bubblewrap, or pass --unsafe"
    monkeypatch.setattr(sandbox, "sandbox_unavailable_reason", lambda: why)
    with pytest.raises(CourseError, match="--unsafe"):
        autograde.make_executor(course, unsafe=False)
    assert type(autograde.make_executor(course, unsafe=True)) is LocalExecutor
    monkeypatch.setattr(sandbox, "sandbox_unavailable_reason", lambda: None)
    executor = autograde.make_executor(course, unsafe=False)
    assert isinstance(executor, SandboxExecutor)


def test_executor_limits_come_from_the_course_config(tmp_path: Path) -> None:
    from cvcourse.grading.course import Course

    shutil.copy(REPO / "assignments" / "nbgrader_config.py", tmp_path)
    with open(tmp_path / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxExecutor.memory_mb = 3000\nc.SandboxExecutor.max_file_mb = 5\n")
    executor = SandboxExecutor.from_config(Course.open(tmp_path).config(), max_file_mb=7)
    assert executor.limits.memory_mb == 3000 and executor.limits.max_file_mb == 7
    assert executor.timeout == executor.limits.timeout
