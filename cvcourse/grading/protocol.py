"""One typed boundary for grading: a :class:`Job` goes in, an :class:`Outcome` comes out.

Both are plain data (JSON round trip: :func:`to_json`, :func:`outcome_from_json`), so a job
travels to any Dask worker without a shared folder and an outcome can be saved as the run's
results file that ``cvcourse report`` reads. This module imports neither torch nor nbgrader:
nbgrader's own commands and the report can use it cheaply.

Whose fault a problem is (:class:`Fault`):

* ``none``: graded; lost points, if any, are the student's code's doing and each has its reason;
* ``student``: graded as far as it went; the submission itself broke something (its kernel died,
  ran out of time, sent data the grader refuses, is a symbolic link, is not a notebook);
* ``grader``: the sandbox could not start, the replay failed, the disk is full, the course is
  misconfigured, a bug: **never written to the gradebook**; the run says what went wrong and
  exits non-zero, and the student's earlier grade stays.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Fault(str, Enum):
    NONE = "none"
    STUDENT = "student"
    GRADER = "grader"


@dataclass
class Job:
    """Everything needed to grade one notebook of one submission, as data.

    Attributes:
        key: ``student/notebook``.
        student, assignment, notebook: names.
        submission: the sanitized notebook (nbformat JSON); its test cells come from ``source``.
        source: the instructor's notebook (nbformat JSON): test cells with hidden tests, setup.
        files: the submission's other files (relative path -> base64), limits checked already.
        seed: the run's seed for hidden inputs; drawn fresh at grading time.
        limits: the sandbox limits (field -> value) and ``forbidden`` packages.
        sandboxed: False only with ``--unsafe``.
    """

    key: str
    student: str
    assignment: str
    notebook: str
    submission: str
    source: str
    files: dict[str, str]
    seed: int
    limits: dict[str, float]
    forbidden: list[str]
    sandboxed: bool = True


@dataclass
class CellVerdict:
    """A test cell's verdict: passed, or the one-line reason it failed."""

    passed: bool
    reason: str = ""


@dataclass
class CellRun:
    """What one of the student's cells did in the kernel (for the feedback)."""

    printed: str = ""
    error: str | None = None


@dataclass
class Outcome:
    """What grading one notebook gave.

    Attributes:
        verdicts: test cell grade_id -> verdict (every test cell of the source).
        cells: student cell index (in the submission) -> what it did.
        fault: whose fault ``problem`` is (see the module doc).
        problem: one line, or None.
        notes: things worth knowing that did not cost points (symbolic links left out...).
        seconds: where the time went (``start``, ``cells``, ``tests``, ``total``).
    """

    key: str
    student: str
    notebook: str
    verdicts: dict[str, CellVerdict] = field(default_factory=dict)
    cells: dict[int, CellRun] = field(default_factory=dict)
    fault: Fault = Fault.NONE
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def gradable(self) -> bool:
        """Whether this outcome may reach the gradebook (never a grader fault)."""
        return self.fault is not Fault.GRADER


def to_json(thing: Job | Outcome) -> str:
    return json.dumps(asdict(thing), default=lambda v: v.value if isinstance(v, Enum) else v)


def job_from_json(text: str) -> Job:
    return Job(**json.loads(text))


def outcome_from_json(text: str) -> Outcome:
    data: dict[str, Any] = json.loads(text)
    data["verdicts"] = {k: CellVerdict(**v) for k, v in data.get("verdicts", {}).items()}
    data["cells"] = {int(k): CellRun(**v) for k, v in data.get("cells", {}).items()}
    data["fault"] = Fault(data.get("fault", "none"))
    return Outcome(**data)
