"""The course root: where it is, its nbgrader config, its assignments and gradebook.

Every problem a user can cause (a wrong name, a missing file, a corrupt gradebook) is raised as
:class:`CourseError` with the thing and the problem, which the command line prints as one line.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


class CourseError(Exception):
    """A user-facing problem: ``thing`` and what is wrong with it."""

    def __init__(self, thing: str | Path, problem: str) -> None:
        super().__init__(f"{thing}: {problem}")
        self.thing = str(thing)
        self.problem = problem


def find_course_root(start: Path | None = None) -> Path:
    """The directory holding ``assignments/nbgrader_config.py``, searching upward from ``start``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / CONFIG_NAME).is_file() and (directory / "source").is_dir():
            return directory
        candidate = directory / "assignments"
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    raise CourseError(here, f"no course found here or above (looked for assignments/{CONFIG_NAME})")


@dataclass(frozen=True)
class Course:
    """An nbgrader course root with this repository's layout."""

    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> Course:
        path = find_course_root() if root is None else Path(root).resolve()
        if not (path / CONFIG_NAME).is_file():
            raise CourseError(path, f"not a course root (no {CONFIG_NAME})")
        return cls(path)

    # ------------------------------------------------------------------ paths
    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def gradebook_path(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook_path}"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    # ------------------------------------------------------------------ config
    def config(self) -> Config:
        """The course's nbgrader config, with the root and gradebook made absolute."""
        loader = PyFileConfigLoader(CONFIG_NAME, path=str(self.root))
        try:
            config = loader.load_config()
        except Exception as exc:
            raise CourseError(self.root / CONFIG_NAME, f"cannot be loaded ({exc})") from exc
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        if "course_id" not in config.CourseDirectory:
            config.CourseDirectory.course_id = "cvcourse"
        return config

    @property
    def course_id(self) -> str:
        return str(self.config().CourseDirectory.course_id)

    def cell_timeout(self) -> float:
        """Seconds one cell may run (``Execute.timeout`` of the course config)."""
        return float(self.config().Execute.get("timeout", 60))

    # ------------------------------------------------------------------ names
    def assignments(self) -> list[str]:
        if not self.source.is_dir():
            return []
        return sorted(
            p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))
        )

    def check_assignment(self, assignment: str) -> str:
        valid = self.assignments()
        if assignment not in valid:
            listed = ", ".join(valid) if valid else "none"
            raise CourseError(assignment, f"unknown assignment (valid: {listed})")
        return assignment

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted((self.source / assignment).glob("*.ipynb"))

    def students(self, assignment: str) -> list[str]:
        """Students with a submitted folder for ``assignment``."""
        if not self.submitted.is_dir():
            return []
        return sorted(
            p.name
            for p in self.submitted.iterdir()
            if (p / assignment).is_dir() and p.name[0] != "."
        )

    def check_gradebook(self, must_exist: bool = False) -> None:
        """Fail with one line when the gradebook is not a readable SQLite database."""
        path = self.gradebook_path
        if not path.exists():
            if must_exist:
                raise CourseError(path, "no gradebook yet (run `cvcourse release` and `grade`)")
            return
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                connection.execute("SELECT name FROM sqlite_master").fetchall()
                status = connection.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CourseError(path, f"corrupt gradebook ({exc})") from exc
        if not status or status[0] != "ok":
            raise CourseError(path, f"corrupt gradebook ({status})")
