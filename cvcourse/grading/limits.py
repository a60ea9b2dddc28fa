"""Resource limits of a sandboxed grading kernel, and where an instructor sets them.

Defaults suit one notebook of this course on a small machine. An instructor changes them in
``assignments/nbgrader_config.py``::

    c.SandboxExecutor.memory_mb = 3072
    c.SandboxExecutor.timeout = 120

or on the command line (``cvcourse grade a3_boxes --memory-mb 3072 --timeout 120``); the command
line wins. How each limit is enforced (``prlimit`` before the kernel starts, a private uid, the
grader's clocks) is in :mod:`cvcourse.grading.sandbox` and ``book/grading-security.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed kernel.

    Attributes:
        memory_mb: resident memory of the whole sandbox, shared memory included (a watchdog in the
            grader sums it over the sandbox's processes and kills the sandbox past it; the kernel
            with torch uses about 500 MB). Each process also has an address-space limit of this
            plus what torch maps to import (``RLIMIT_AS``), which stops a sudden allocation.
        max_procs: processes of the sandbox (the watchdog counts them; as root, the sandbox's
            private uid also gets ``RLIMIT_NPROC``).
        max_file_mb: size of any file the kernel writes (``RLIMIT_FSIZE``).
        max_open_files: open file descriptors per process (``RLIMIT_NOFILE``).
        tmp_mb: size of the sandbox's private ``/tmp`` and ``/dev/shm`` (tmpfs in memory).
        workdir_mb: size of the working directory ``/submission`` (a tmpfs in memory); a
            submission whose files are larger is not graded.
        max_output_mb: bytes one reply of the kernel may have (a call's result, a cell's printed
            text); a larger one counts as the submission's failure and is never read.
        timeout: seconds one cell or one call may run before the kernel is stopped.
        notebook_timeout: seconds the whole submission may run; later checks fail.
    """

    memory_mb: int = 2048
    max_procs: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    tmp_mb: int = 256
    workdir_mb: int = 256
    max_output_mb: int = 64
    timeout: float = 60.0
    notebook_timeout: float = 600.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{f.name} must be a positive number, got {value!r}")
        if self.memory_mb < 1024:
            raise ValueError(
                f"memory_mb must be at least 1024 (torch needs about 900 MB), got {self.memory_mb}"
            )
        if self.max_procs < 32:
            raise ValueError(
                f"max_procs must be at least 32 (the kernel's own threads), got {self.max_procs}"
            )

    def with_overrides(self, overrides: Mapping[str, Any]) -> SandboxLimits:
        """A copy with the given fields changed; None values are ignored; unknown names raise."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(f"unknown sandbox limit(s) {unknown}; allowed: {sorted(known)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_config(cls, config: Any, **overrides: Any) -> SandboxLimits:
        """Limits from a traitlets config (``c.SandboxExecutor.<limit>``), then ``overrides``.

        Args:
            config: a ``traitlets.config.Config`` (e.g. the one loaded from
                ``nbgrader_config.py``) or None.
            overrides: command-line values; None means "not given".
        """
        section: Mapping[str, Any] = {}
        if config is not None and "SandboxExecutor" in config:
            section = dict(config["SandboxExecutor"])
        return cls().with_overrides(section).with_overrides(overrides)

    def prlimit_command(self, address_space_mb: int = 0, as_root: bool = True) -> list[str]:
        """``prlimit`` options that set the per-process limits before the kernel starts.

        Args:
            address_space_mb: added to ``memory_mb`` for ``RLIMIT_AS`` (libraries mapped at import).
            as_root: ``RLIMIT_NPROC`` counts all processes of a uid, so it is only set where the
                sandbox has a private uid of its own (as root).
        """
        command = ["prlimit", f"--as={(self.memory_mb + address_space_mb) * MB}"]
        if as_root:
            command.append(f"--nproc={self.max_procs}")
        command += [f"--fsize={self.max_file_mb * MB}", f"--nofile={self.max_open_files}"]
        return [*command, "--core=0", "--"]
