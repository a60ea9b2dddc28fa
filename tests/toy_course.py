"""The toy assignment (``tests/assignments/toy``) as a course of its own, for grading tests."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOY_SOURCE = ROOT / "tests" / "assignments" / "toy" / "source" / "toy"


def toy_course(root: Path, *, release: bool = True) -> Path:
    """Write a course with the course config and the toy assignment at ``root`` (released)."""
    from cvcourse.cli import main

    (root / "source").mkdir(parents=True)
    shutil.copyfile(ROOT / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(TOY_SOURCE, root / "source" / "toy")
    if release:
        assert main(["--course", str(root), "release", "toy"]) == 0
    return root
