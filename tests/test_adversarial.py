"""The adversarial suite: submissions that attack grading, all graded in one sandboxed run.

Each case in ``tests/adversarial/<case>.py`` names its attack in its docstring and says what it
must score (``EXPECTED``): ``"full"``, a number, a list of test-cell patterns it loses (the
solution's score minus those cells), or ``"skipped"`` (reported, not graded; ``OR_SKIPPED = True``
accepts that too, where nbgrader itself refuses the notebook). One grading run of
all cases, the instructor's solution and an honest "canary" submission, in a temporary copy of the
course, with the sandbox's limits set in that copy's ``nbgrader_config.py``; then a second run of
some of them, which must change no grade anywhere. Expected in every case: no unearned point,
the run never stops, every other submission keeps its grade, each lost point has a reason (and no
hidden test text), and nothing outside the sandbox changes.
"""

from __future__ import annotations

import hashlib
import html
import importlib
import os
import re
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from cvcourse.grading.autograde import GradeOptions, GradeSummary, grade
from cvcourse.grading.course import Course
from cvcourse.grading.release import hidden_texts, release
from cvcourse.grading.sandbox import UID_RANGE, sandbox_unavailable_reason
from cvcourse.grading.submissions import build_submission
from tests.adversarial._common import Link

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).parent / "adversarial"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.py") if not p.stem.startswith("_"))
ASSIGNMENT = "a3_boxes"
NOTEBOOK = "boxes"
SOLUTION, CANARY = "solution", "zz_canary"  # the canary is graded last, beside every attack
SEED = 20_261_123
# Limits of the sandbox in this run, set in the course copy's nbgrader_config.py: at most 2 GB of
# memory per process, so the bombs cannot hurt a small CI machine.
SANDBOX_CONFIG = """
c.SandboxExecutor.memory_mb = 2048
c.SandboxExecutor.max_procs = 64
c.SandboxExecutor.max_file_mb = 16
c.SandboxExecutor.notebook_timeout = 240
"""
CELL_TIMEOUT = 25.0
REGRADED = [CANARY, "eq_always_true", "blank_hidden_tests", "copied_test_cells", "corrupt_json"]


def load_case(name: str) -> ModuleType:
    return importlib.import_module(f"tests.adversarial.{name}")


@dataclass
class CellGrade:
    score: float
    max_score: float
    reason: str


@dataclass
class Run:
    course: Course
    summary: GradeSummary
    again: GradeSummary
    cells: dict[str, dict[str, CellGrade]]  # student -> grade_id -> grade (first run)
    cells_again: dict[str, dict[str, CellGrade]]
    points: dict[str, float]  # grade_id -> points in the source notebook
    hidden: list[str]
    connections: int
    fingerprint_before: dict[str, str]
    fingerprint_after: dict[str, str]
    leftovers: list[str] = field(default_factory=list)
    peak_disk_mb: float = 0.0  # of the grader's temporary folder, above where it started
    peak_rss_mb: float = 0.0


def _fingerprint(course: Course) -> dict[str, str]:
    """What an escaped kernel would tamper with: the course's files, the venv, ``/etc``.

    (The repository's own files are left out: others may edit them while this runs; the
    ``write_outside`` case shows the package cannot be written.)"""
    files = [course.root / "nbgrader_config.py", *sorted((course.source / ASSIGNMENT).iterdir())]
    prints = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    site_packages = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site_packages = site_packages / "site-packages"
    prints["site-packages"] = ",".join(sorted(p.name for p in site_packages.iterdir()))
    prints["/etc"] = ",".join(sorted(p.name for p in Path("/etc").iterdir()))
    return prints


def _cell_grades(course: Course) -> dict[str, dict[str, CellGrade]]:
    """Per student and test cell: the gradebook's score and the autograded notebook's reason."""
    grades: dict[str, dict[str, CellGrade]] = {}
    with Gradebook(course.db_url, course_id=course.course_id) as gb:
        for student in course.students(ASSIGNMENT):
            try:
                submission = gb.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                continue
            path = course.autograded / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
            reasons = _reasons(nbformat.read(path, 4)) if path.is_file() else {}
            grades[student] = {
                g.name: CellGrade(float(g.score), float(g.max_score), reasons.get(g.name, ""))
                for nb in submission.notebooks
                for g in nb.grades
            }
    return grades


def _reasons(nb: nbformat.NotebookNode) -> dict[str, str]:
    reasons = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if grade_id and errors:
            reasons[grade_id] = " ".join(
                f"{e.get('ename', '')}: {e.get('evalue', '')}" for e in errors
            ).strip()
    return reasons


class _DiskWatch:
    """How far the free space of a folder's disk dropped, sampled every 0.2 s during a block."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.peak_mb = folder, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        start = shutil.disk_usage(self.folder).free
        while not self._stop.wait(0.2):
            used = (start - shutil.disk_usage(self.folder).free) / 2**20
            self.peak_mb = max(self.peak_mb, used)

    def __enter__(self) -> _DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _sandbox_leftovers(since: float) -> list[str]:
    """What a sandbox that failed to clean up leaves once the run is over: processes of the
    sandboxes' private uids, and kernel folders made after ``since``. (Every kernel of a run,
    spare and reference kernels included, is closed when ``grade`` returns.)"""
    left: list[str] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            uid = proc.stat().st_uid
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        if UID_RANGE[0] <= uid < UID_RANGE[1] and "student_kernel" in cmdline:
            left.append(f"process {proc.name} of uid {uid}: {cmdline[:80]!r}")
    for folder in Path(tempfile.gettempdir()).glob("cvcourse-kernel-*"):
        if folder.stat().st_mtime >= since:
            left.append(str(folder))
    return left


def _build(course: Course, port: int) -> None:
    build_submission(course.root, ASSIGNMENT, SOLUTION)
    build_submission(course.root, ASSIGNMENT, CANARY)
    for name in CASES:
        case = load_case(name)
        path = build_submission(
            course.root,
            ASSIGNMENT,
            name,
            cells=getattr(case, "CELLS", None),
            edit=getattr(case, "edit", None),
        )
        if hasattr(case, "raw"):
            path.write_bytes(case.raw(path.read_text()))
        if hasattr(case, "NOTEBOOK_LINK"):
            path.unlink()
            path.symlink_to(case.NOTEBOOK_LINK)
        for file_name, content in getattr(case, "FILES", {}).items():
            if isinstance(content, Link):
                (path.parent / file_name).symlink_to(content)
                continue
            data = content.format(port=port).encode() if isinstance(content, str) else content
            (path.parent / file_name).write_bytes(data)


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    reason = sandbox_unavailable_reason()
    if reason is not None:
        pytest.fail(f"the adversarial suite needs the sandbox: {reason}")
    root = tmp_path_factory.mktemp("adversarial") / "course"
    root.mkdir()
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", root)
    shutil.copytree(REPO / "assignments" / "source", root / "source")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(SANDBOX_CONFIG)
    course = Course.open(root)
    release(course, ASSIGNMENT)
    source_nb = nbformat.read(course.source / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    points = {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
        for c in source_nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    # A server on the grading machine's loopback: the network case tries to reach it.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    _build(course, server.getsockname()[1])
    before = _fingerprint(course)
    started = time.time()
    options = GradeOptions(workers=2, seed=SEED, timeout=CELL_TIMEOUT, feedback=True)
    with _DiskWatch(Path(tempfile.gettempdir())) as disk:
        summary = grade(course, ASSIGNMENT, options)
    cells = _cell_grades(course)
    again = grade(
        course,
        ASSIGNMENT,
        GradeOptions(
            **{**options.__dict__, "students": REGRADED, "feedback": False, "force": True}
        ),
    )
    cells_again = _cell_grades(course)
    connections = 0
    while True:
        try:
            server.accept()[0].close()
            connections += 1
        except BlockingIOError:
            break
    server.close()
    return Run(
        course=course,
        summary=summary,
        again=again,
        cells=cells,
        cells_again=cells_again,
        points=points,
        hidden=hidden_texts(source_nb),
        connections=connections,
        fingerprint_before=before,
        fingerprint_after=_fingerprint(course),
        leftovers=_sandbox_leftovers(since=started),
        peak_disk_mb=disk.peak_mb,
        # The largest process of the run, the grader's workers and the students' kernels alike
        # (children that were waited for), and this process (preflight, saving).
        peak_rss_mb=max(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        )
        / 1024,
    )


def _expected_score(expected: Any, points: dict[str, float]) -> float:
    total = sum(points.values())
    if expected == "full":
        return total
    if isinstance(expected, int | float):
        return float(expected)
    lost = [g for g in points if any(fnmatch(g, pattern) for pattern in expected)]
    assert lost, f"EXPECTED patterns {expected} match no test cell"
    return total - sum(points[g] for g in lost)


def test_suite_is_large_enough_and_documented() -> None:
    assert len(CASES) >= 20
    for name in CASES:
        case = load_case(name)
        assert (case.__doc__ or "").startswith("Attack:"), name
        assert hasattr(case, "EXPECTED"), name


def test_the_run_graded_everything_and_never_stopped(run: Run) -> None:
    students = {r.student for r in run.summary.results}
    assert students == {SOLUTION, CANARY, *CASES}
    for result in run.summary.results:
        expected = (
            getattr(load_case(result.student), "EXPECTED", None)
            if result.student in CASES
            else None
        )
        if expected == "skipped":
            continue
        assert result.problem is None, f"{result.student}: {result.problem}"


def test_honest_submissions_keep_full_marks(run: Run) -> None:
    total = sum(run.points.values())
    by_student = {r.student: r for r in run.summary.results}
    for student in (SOLUTION, CANARY):
        assert by_student[student].score == total, by_student[student]
        assert by_student[student].max_score == total


@pytest.mark.parametrize("name", CASES)
def test_case_scores_exactly_what_it_earned(run: Run, name: str) -> None:
    case = load_case(name)
    result = next(r for r in run.summary.results if r.student == name)
    if case.EXPECTED == "skipped" or (getattr(case, "OR_SKIPPED", False) and result.problem):
        assert result.problem, f"{name}: not reported"
        assert name not in run.cells or all(g.score == 0 for g in run.cells[name].values())
        return
    expected = _expected_score(case.EXPECTED, run.points)
    assert result.score == expected, f"{name}: {result.score} != {expected}; {run.cells[name]}"
    assert result.max_score == sum(run.points.values())  # changed points earn nothing
    lost = {g: c for g, c in run.cells[name].items() if c.score < c.max_score}
    for grade_id, cell in lost.items():
        assert cell.reason, f"{name}/{grade_id}: a lost point without a reason"
        for line in run.hidden:
            assert line not in cell.reason, f"{name}/{grade_id}: the reason shows hidden test text"
    if hasattr(case, "REASON"):
        assert any(case.REASON in c.reason for c in lost.values()), lost


def test_no_feedback_shows_hidden_test_text(run: Run) -> None:
    """Every graded submission's feedback, the attacks' included: no hidden line the student did
    not write themselves (a solution may repeat a formula that a hidden helper also has)."""
    pages = sorted(run.course.feedback.glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html"))
    graded = {r.student for r in run.summary.results if r.problem is None}
    assert {p.parent.parent.name for p in pages} == graded
    hidden = [line for line in run.hidden if len(line) >= 20]
    assert hidden
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        shown = {line.strip() for line in text.splitlines()}
        student = page.parent.parent.name
        submitted = run.course.submitted / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        own = {
            line.strip()
            for c in nbformat.read(submitted, 4).cells
            for line in c.source.splitlines()
        }
        assert "BEGIN HIDDEN" not in text, student
        assert [line for line in hidden if line in shown and line not in own] == [], student


def test_grading_again_changes_no_grade(run: Run) -> None:
    assert {r.student for r in run.again.results} == set(REGRADED)
    assert run.cells_again == run.cells  # the regraded ones and everybody else: nothing lost


def test_the_graders_own_memory_and_disk_stay_bounded(run: Run) -> None:
    """The resource attacks (a 6 GB sparse file, a full working folder, 24 MB of empty dicts,
    3 GB of shared memory, memory and fork bombs) cost the grader neither disk nor memory: the
    student's folders are memory-backed and capped, replies are capped before they are read, and
    the watchdog stops a sandbox at 2 GB (SANDBOX_CONFIG)."""
    assert run.peak_disk_mb < 200, f"the grader's disk filled by {run.peak_disk_mb:.0f} MB"
    assert run.peak_rss_mb < 3 * 1024, f"a process of the run reached {run.peak_rss_mb:.0f} MB"


def test_nothing_outside_the_sandbox_changed(run: Run) -> None:
    changed = [
        k for k in run.fingerprint_before if run.fingerprint_before[k] != run.fingerprint_after[k]
    ]
    assert changed == []
    assert run.connections == 0  # nobody reached the server on the grading machine's loopback
    assert run.leftovers == []  # every sandbox and all its processes are gone
    for path in run.course.root.rglob("*"):
        assert path.name != "cvcourse_adversarial_probe.txt"
        assert not (path.is_file() and path.stat().st_size > 50 * 2**20), f"{path} is huge"
    assert not (REPO / "cvcourse" / "grading" / "cvcourse_adversarial_probe.txt").exists()
    assert os.path.getsize(run.course.gradebook_path) < 10 * 2**20
