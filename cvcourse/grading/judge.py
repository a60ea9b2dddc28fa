"""Judge test cells in the grader's own process, from plain data the kernel emitted.

1. :func:`replay` runs the instructor's source notebook once per grading run (trusted kernel, the
   run's seed) and keeps, per test cell, the ordered observation records: the references.
2. :func:`judge` compares a student's executed notebook with them, record by record, with the
   replay's tolerances and mistakes; the wall time of ``fast`` cells comes from the grader's clock;
   solution cells that delegate (static scan) fail their tests.
3. :func:`apply_verdicts` rewrites each test cell's outputs so that nbgrader's ``SaveAutoGrades``
   scores exactly the verdict: nothing, or one ``CheckFailed`` error whose text is the reason.

Nothing the student's code does in its kernel (rigged ``__eq__``, patched ``math``/``torch``,
blanked cells, forged outputs) can turn a wrong value into a pass: only values equal to the
replay's count, and reasons never quote hidden test source or hidden tracebacks.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from cvcourse.grading.execute import Executor
from cvcourse.grading.observe import MIME
from cvcourse.grading.static_scan import findings_by_function

FAST_ALLOWANCE_S = 0.5  # seconds added to a time budget for kernel messaging and a busy machine
FAST_LOAD_FACTOR = 2.0  # the replay ran alone; submissions run in parallel on the same cores
FAILED_ENAME = "CheckFailed"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str = ""


@dataclass
class Reference:
    """What the trusted replay observed, per test cell (grade_id), in notebook order."""

    seed: int
    records: dict[str, list[dict[str, Any]]]
    cell_seconds: dict[str, float]
    functions: dict[str, str]  # test grade_id -> graded function (solution grade_id)
    solutions: list[str] = field(default_factory=list)


class ReplayError(RuntimeError):
    """The instructor's notebook does not pass its own checks: the assignment is broken."""


# ----------------------------------------------------------------------------- notebook helpers
def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def is_test_cell(cell: NotebookNode) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(_nbgrader(cell).get("solution"))


def function_of(test_id: str, solutions: list[str]) -> str:
    """The graded function a test cell belongs to: ``test_box_iou_edges`` -> ``box_iou``."""
    matches = [
        name
        for name in solutions
        if test_id == f"test_{name}" or test_id.startswith(f"test_{name}_")
    ]
    return max(matches, key=len) if matches else test_id.removeprefix("test_")


def observations(cell: NotebookNode) -> list[dict[str, Any]]:
    """The observation records a cell emitted, in order."""
    found = []
    for output in cell.get("outputs", []):
        record = output.get("data", {}).get(MIME)
        if isinstance(record, dict):
            found.append(record)
    return found


def _errors(cell: NotebookNode) -> list[NotebookNode]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


# ----------------------------------------------------------------------------- replay
def replay(
    source_nb: NotebookNode, seed: int, executor: Executor, workdir: Path | None = None
) -> Reference:
    """Execute the instructor's notebook with ``seed`` (trusted) and keep its observations.

    Raises:
        ReplayError: a cell of the source notebook failed, or the run stopped early.
    """
    solutions = [_nbgrader(c)["grade_id"] for c in source_nb.cells if is_solution_cell(c)]
    with tempfile.TemporaryDirectory(prefix="cvcourse-replay-") as tmp:
        result = executor.run(source_nb, Path(workdir or tmp), seed)
    if result.error:
        raise ReplayError(f"the instructor's notebook did not run to the end: {result.error}")
    records: dict[str, list[dict[str, Any]]] = {}
    seconds: dict[str, float] = {}
    functions: dict[str, str] = {}
    for index, cell in enumerate(result.notebook.cells):
        if cell.cell_type != "code":
            continue
        for error in _errors(cell):
            where = _nbgrader(cell).get("grade_id", f"cell {index}")
            raise ReplayError(
                f"the instructor's notebook fails its own check in {where}: "
                f"{error.get('ename')}: {str(error.get('evalue', '')).splitlines()[:1]}"
            )
        if is_test_cell(cell):
            grade_id = _nbgrader(cell)["grade_id"]
            records[grade_id] = observations(cell)
            seconds[grade_id] = result.cell_seconds.get(index, 0.0)
            functions[grade_id] = function_of(grade_id, solutions)
    return Reference(seed, records, seconds, functions, solutions)


# ----------------------------------------------------------------------------- static scan
def scan_solutions(nb: NotebookNode, solutions: list[str]) -> dict[str, list[str]]:
    """Static delegation findings: solution grade_id -> reasons.

    Every solution cell and every code cell the student added is scanned. A cell's findings count
    against its own function and every graded function it (re)defines, assigns or imports, so a
    ``nms = torchvision.ops.nms`` in another function's cell or in an added cell is caught; a
    dynamic escape (``exec``, ``globals()``, ``__main__``...) counts against all of them.
    """
    cells = [
        (_nbgrader(cell).get("grade_id") if is_solution_cell(cell) else None, cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and (is_solution_cell(cell) or not _nbgrader(cell))
    ]
    return findings_by_function(cells, solutions)


# ----------------------------------------------------------------------------- value comparison
def _number(x: Any) -> float:
    return float(x) if not isinstance(x, str) else float(x)  # "nan", "inf" encode as strings


def _close_numbers(got: Any, expected: Any, atol: float, rtol: float) -> bool:
    try:
        g, e = _number(got), _number(expected)
    except (TypeError, ValueError):
        return False
    if math.isnan(g) or math.isnan(e):
        return math.isnan(g) and math.isnan(e)
    if math.isinf(g) or math.isinf(e):
        return g == e
    return abs(g - e) <= atol + rtol * abs(e)


def _first_difference(
    got: dict[str, Any], expected: dict[str, Any], kind: str, tol: tuple[float, float]
) -> str | None:
    """None when ``got`` matches ``expected`` (encoded values), else a short description."""
    gtype, etype = got.get("type"), expected.get("type")
    numbers = {"int", "float"}
    if kind == "close" and gtype in numbers and etype in numbers:
        if _close_numbers(got["value"], expected["value"], *tol):
            return None
        return f"got {got['value']}, expected {expected['value']}"
    if gtype != etype:
        return f"got {_kind_name(got)}, expected {_kind_name(expected)}"
    if etype == "tensor":
        if got.get("container") != expected.get("container"):
            return f"got {_kind_name(got)}, expected {_kind_name(expected)}"
        if got["shape"] != expected["shape"]:
            return f"got shape {got['shape']}, expected shape {expected['shape']}"
        if kind == "equal" and got["dtype"] != expected["dtype"]:
            return f"got dtype {got['dtype']}, expected dtype {expected['dtype']}"
        for flat, (g, e) in enumerate(zip(got["data"], expected["data"], strict=True)):
            same = _close_numbers(g, e, *tol) if kind == "close" else g == e
            if not same:
                return f"at {_index(flat, expected['shape'])}: got {g}, expected {e}"
        return None
    if etype in ("list", "tuple"):
        gitems, eitems = got["items"], expected["items"]
        if len(gitems) != len(eitems):
            return f"got {len(gitems)} items, expected {len(eitems)}"
        for i, (g, e) in enumerate(zip(gitems, eitems, strict=True)):
            difference = _first_difference(g, e, kind, tol)
            if difference:
                return f"item {i}: {difference}"
        return None
    if etype in ("too_large", "unsupported"):
        return f"got {_kind_name(got)}, which cannot be checked"
    if got.get("value") == expected.get("value") and type(got.get("value")) is type(
        expected.get("value")
    ):
        return None
    return f"got {got.get('value')!r}, expected {expected.get('value')!r}"


def _kind_name(encoded: dict[str, Any]) -> str:
    kind = encoded.get("type")
    if kind == "tensor":
        container = "numpy array" if encoded.get("container") == "numpy" else "tensor"
        return f"a {container} of shape {encoded['shape']} and dtype {encoded['dtype']}"
    if kind == "unsupported":
        return f"an object of type {encoded.get('name')}"
    if kind == "too_large":
        return f"a result too large to check (shape {encoded.get('shape')})"
    return f"a {kind}"


def _index(flat: int, shape: list[int]) -> str:
    if not shape:
        return "the value"
    index = []
    for size in reversed(shape):
        index.append(flat % size if size else 0)
        flat //= size if size else 1
    return "index (" + ", ".join(str(i) for i in reversed(index)) + ")"


def _check_record(
    ref: dict[str, Any], got: dict[str, Any], cell_seconds: float | None, budget: float
) -> str | None:
    """None if the student's record matches the replay's, else the problem."""
    kind = ref["kind"]
    value = got.get("value", {})
    if not isinstance(value, dict):
        return "the result was not reported as data"
    if kind == "true":
        return None if value == {"type": "bool", "value": True} else "the property does not hold"
    if kind == "fast":
        if cell_seconds is None:
            return "the check was not timed"
        if cell_seconds > budget:
            return f"the check took {cell_seconds:.2f} s, allowed {budget:.2f} s (too slow)"
        return None
    tol = (float(ref.get("atol", 0.0)), float(ref.get("rtol", 0.0)))
    if (
        kind == "close"
        and ref.get("dtype")
        and (value.get("type") != "tensor" or value.get("dtype") != ref["dtype"])
    ):
        return f"got {_kind_name(value)}, expected dtype {ref['dtype']}"
    difference = _first_difference(value, ref["value"], kind, tol)
    if difference is None:
        return None
    for description, mistake_value in ref.get("mistakes", {}).items():
        if _first_difference(value, mistake_value, kind, tol) is None:
            return f"{difference} — this looks like a known mistake: {description}"
    return difference


def _fast_budget(reference: Reference, grade_id: str) -> float:
    """Seconds the whole test cell may take: the replay's time plus the allowed slowdown."""
    extra = 0.0
    for record in reference.records[grade_id]:
        if record["kind"] == "fast":
            t_ref = float(record["value"]["items"][1]["value"])
            repeat = int(record.get("repeat", 3))
            extra += (repeat + 1) * float(record["max_ratio"]) * t_ref
    return FAST_LOAD_FACTOR * reference.cell_seconds.get(grade_id, 0.0) + extra + FAST_ALLOWANCE_S


def _error_reason(error: NotebookNode) -> str:
    first_line = str(error.get("evalue", "")).strip().split("\n", 1)[0][:200]
    ename = error.get("ename", "Error")
    if ename == "CellTimeoutError":
        return f"the check was stopped: {first_line}"
    return (
        f"the check stopped with {ename}: {first_line}"
        if first_line
        else f"the check stopped with {ename}"
    )


# ----------------------------------------------------------------------------- judge
def judge(
    student_nb: NotebookNode,
    cell_seconds: dict[int, float],
    reference: Reference,
    static_findings: dict[str, list[str]],
) -> dict[str, Verdict]:
    """A verdict for every test cell of the reference (grade_id -> Verdict).

    Args:
        student_nb: the executed submission (cell indices as in ``cell_seconds``).
        cell_seconds: wall time of each executed cell, measured by the grader.
        reference: the replay of the instructor's notebook with the same seed.
        static_findings: solution grade_id -> delegation findings (:func:`scan_solutions`).
    """
    cells = {
        _nbgrader(cell)["grade_id"]: (index, cell)
        for index, cell in enumerate(student_nb.cells)
        if is_test_cell(cell)
    }
    verdicts = {}
    for grade_id, expected in reference.records.items():
        function = reference.functions[grade_id]
        if grade_id not in cells:
            verdicts[grade_id] = Verdict(False, f"{function}: the test cell is missing")
            continue
        index, cell = cells[grade_id]
        findings = static_findings.get(function, [])
        if findings:
            verdicts[grade_id] = Verdict(False, f"{function}: {findings[0]}")
            continue
        problem = _cell_problem(
            cell, expected, cell_seconds.get(index), _fast_budget(reference, grade_id)
        )
        verdicts[grade_id] = Verdict(problem is None, f"{function}: {problem}" if problem else "")
    return verdicts


def _cell_problem(
    cell: NotebookNode, expected: list[dict[str, Any]], seconds: float | None, budget: float
) -> str | None:
    got = observations(cell)
    errors = _errors(cell)
    for position, ref in enumerate(expected):
        label = f"{ref.get('msg') or ref['key']} (key {ref['key']})"
        if position >= len(got):
            if errors:
                return f"{label}: {_error_reason(errors[0])}"
            return f"{label}: no result: the test cell did not run to completion"
        if got[position].get("key") != ref["key"] or got[position].get("kind") != ref["kind"]:
            return f"{label}: unexpected output in its place (key {got[position].get('key')!r})"
        problem = _check_record(ref, got[position], seconds, budget)
        if problem:
            return f"{label}: {problem}"
    if len(got) > len(expected):
        return f"unexpected extra output (key {got[len(expected)].get('key')!r})"
    if errors:
        return _error_reason(errors[0])
    return None


# ----------------------------------------------------------------------------- verdicts -> nbgrader
def apply_verdicts(nb: NotebookNode, verdicts: dict[str, Verdict]) -> NotebookNode:
    """Rewrite test-cell outputs so nbgrader scores exactly the verdicts (in place; returned).

    A passed cell keeps only its stdout; a failed cell gets a single ``CheckFailed`` error whose
    text is the reason. Observation outputs are dropped everywhere (data for the judge only).
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs if MIME not in o.get("data", {})]
        if not is_test_cell(cell):
            continue
        verdict = verdicts.get(_nbgrader(cell)["grade_id"])
        if verdict is None:
            continue
        if verdict.passed:
            cell.outputs = [
                o for o in cell.outputs if o.output_type == "stream" and o.get("name") == "stdout"
            ]
        else:
            cell.outputs = [
                nbformat.v4.new_output(
                    "error", ename=FAILED_ENAME, evalue=verdict.reason, traceback=[verdict.reason]
                )
            ]
    return nb
