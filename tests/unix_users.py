"""Unix users for tests that act as several people on one machine (CI runs as root).

``ensure_user`` makes an ordinary user once (``useradd``); ``as_user`` wraps a command in
``runuser``; ``interpreter_reachable`` lets others traverse (not read) the folders above the real
interpreter and this repository for the duration only (the interpreter the virtual environment
links to may live under ``/root``, mode 0700), putting their modes back afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def ensure_user(name: str) -> pwd.struct_passwd:
    """The user ``name``, made (with a home) when missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
        return pwd.getpwnam(name)


def as_user(user: pwd.struct_passwd, command: list[str]) -> list[str]:
    """``command`` run as ``user`` (as-is when this process already is that user)."""
    if os.geteuid() == user.pw_uid:
        return command
    return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", user.pw_name, "--", *command]


@contextmanager
def interpreter_reachable() -> Iterator[None]:
    """Let others traverse the folders above the real interpreter and this repository."""
    changed: list[tuple[Path, int]] = []
    folders = {*Path(os.path.realpath(sys.executable)).parents, *REPO.parents}
    for folder in sorted(folders):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            changed.append((folder, mode))
            folder.chmod(mode | stat.S_IXOTH)
    try:
        yield
    finally:
        for folder, mode in changed:
            folder.chmod(stat.S_IMODE(mode))
