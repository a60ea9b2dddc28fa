"""Run nbgrader in this process with the course's config (the venv's tools first on PATH)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from cvcourse.grading.course import Course


def _venv_on_path() -> None:
    # nbgrader shells out to `alembic` to create or upgrade the gradebook.
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


def nbgrader_api(course: Course, extra: Config | None = None) -> NbGraderAPI:
    """An ``NbGraderAPI`` for the course, its config merged with ``extra``."""
    _venv_on_path()
    config = course.config()
    if extra is not None:
        config.merge(extra)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    return api
