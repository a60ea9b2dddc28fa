"""The judge: verdicts come from plain data compared in the grader's process, not from the kernel.

Uses the toy assignment (tests/assignments/toy: ``box_area`` with visible, hidden and speed
checks). Kernel runs use a plain local kernel: the code here is ours, and what is tested is
that whatever the student's code does *inside* its kernel cannot change a verdict.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cvcourse.grading.execute import LocalExecutor
from cvcourse.grading.judge import (
    FAILED_ENAME,
    Reference,
    Verdict,
    apply_verdicts,
    function_of,
    judge,
    replay,
    scan_solutions,
)
from cvcourse.grading.observe import MIME, encode
from cvcourse.grading.submissions import solution_text

pytestmark = pytest.mark.slow

TOY = Path(__file__).parent / "assignments" / "toy" / "source" / "toy" / "toy.ipynb"
SEED = 7
CORRECT = solution_text(
    next(c.source for c in nbformat.read(TOY, 4).cells if "def box_area" in c.source)
)
TESTS = ["test_box_area_values", "test_box_area_speed"]


def _with_solution(source: str) -> nbformat.NotebookNode:
    nb = nbformat.read(TOY, 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "box_area":
            cell.source = source
    return nb


@pytest.fixture(scope="module")
def reference() -> Reference:
    return replay(nbformat.read(TOY, 4), SEED, LocalExecutor(timeout=60))


def _verdicts(
    reference: Reference, solution: str, tmp_path: Path, scan: bool = True
) -> dict[str, Verdict]:
    result = LocalExecutor(timeout=30).run(_with_solution(solution), tmp_path, SEED)
    findings = scan_solutions(result.notebook, reference.solutions) if scan else {}
    return judge(result.notebook, result.cell_seconds, reference, findings)


def test_replay_keeps_every_observation_in_order(reference: Reference) -> None:
    assert reference.records["test_box_area_values"][0]["key"] == "area_slide"
    assert [r["key"] for r in reference.records["test_box_area_values"]] == [
        "area_slide",
        "area_random",
        "area_shape",
        "no_mutation",
    ]
    assert reference.functions == {t: "box_area" for t in TESTS}


def test_correct_solution_passes(reference: Reference, tmp_path: Path) -> None:
    verdicts = _verdicts(reference, CORRECT, tmp_path)
    assert all(v.passed for v in verdicts.values()), verdicts


def test_known_mistake_is_named(reference: Reference, tmp_path: Path) -> None:
    wrong = "def box_area(b):\n    return (b[:, 2] - b[:, 0]) ** 2"
    verdict = _verdicts(reference, wrong, tmp_path)["test_box_area_values"]
    assert not verdict.passed
    assert "known mistake: width times width" in verdict.reason
    assert verdict.reason.startswith("box_area: areas of two boxes (key area_slide)")


RIGGED = """
import math
import torch

class Anything(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False

math.isclose = lambda *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True

def box_area(boxes):
    return Anything(0.0)
"""

BLANKING = (
    CORRECT.replace("def box_area", "def _area", 1)
    + """

def box_area(boxes):
    return _area(boxes) * 0  # wrong, and the test cells are blanked so they "pass" locally

get_ipython().input_transformers_cleanup.append(lambda lines: [])
"""
)

FORGING = """
import torch
from IPython.display import display
from cvcourse.grading.observe import encode

def box_area(boxes):
    # Forge the record the grader expects for the visible check, then return garbage.
    display({"application/vnd.cvcourse.observation.v1+json": {
        "key": "area_slide", "kind": "close", "value": encode(torch.tensor([6.0, 1.0])),
        "atol": 1e9, "rtol": 1e9, "msg": "forged", "mistakes": {}}}, raw=True)
    print('{"key": "area_random", "kind": "close", "value": "whatever"}')
    return torch.zeros(len(boxes))
"""


@pytest.mark.parametrize(
    "name, solution",
    [("rigged __eq__ and patched math/torch", RIGGED), ("blanked test cells", BLANKING),
     ("forged observations", FORGING)],
)  # fmt: skip
def test_cheats_earn_nothing(
    reference: Reference, tmp_path: Path, name: str, solution: str
) -> None:
    verdicts = _verdicts(reference, solution, tmp_path)
    assert not verdicts["test_box_area_values"].passed, name
    assert verdicts["test_box_area_values"].reason


def test_blanked_cells_are_reported_as_not_run(reference: Reference, tmp_path: Path) -> None:
    verdict = _verdicts(reference, BLANKING, tmp_path, scan=False)["test_box_area_values"]
    assert "did not run to completion" in verdict.reason
    # and the static scan refuses the cell that reaches into the kernel in the first place
    scanned = _verdicts(reference, BLANKING, tmp_path)["test_box_area_values"]
    assert not scanned.passed and "get_ipython" in scanned.reason


def test_delegation_fails_the_functions_tests(reference: Reference, tmp_path: Path) -> None:
    delegating = "import torchvision\n\ndef box_area(b):\n    return torchvision.ops.box_area(b)"
    verdicts = _verdicts(reference, delegating, tmp_path)
    assert not any(v.passed for v in verdicts.values())
    assert "torchvision" in verdicts["test_box_area_values"].reason


def test_slow_solution_fails_only_the_speed_check(reference: Reference, tmp_path: Path) -> None:
    slow = (
        "import torch\n\ndef box_area(boxes):\n"
        "    return torch.stack([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])"
    )
    verdicts = _verdicts(reference, slow, tmp_path)
    assert verdicts["test_box_area_values"].passed, verdicts
    assert not verdicts["test_box_area_speed"].passed
    assert "too slow" in verdicts["test_box_area_speed"].reason


# ----------------------------------------------------------------------------- no kernel needed
def _executed(records: list[dict], error: dict | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("hidden source")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": "test_f_x",
        "points": 1,
    }
    cell.outputs = [nbformat.v4.new_output("display_data", data={MIME: r}) for r in records]
    if error:
        cell.outputs.append(nbformat.v4.new_output("error", **error))
    nb.cells = [cell]
    return nb


def _reference(records: list[dict]) -> Reference:
    return Reference(0, {"test_f_x": records}, {"test_f_x": 0.1}, {"test_f_x": "f"}, ["f"])


def _close(key: str, value, **extra) -> dict:
    return {"key": key, "kind": "close", "value": encode(value), "atol": 1e-6, "rtol": 1e-5,
            "msg": "m", "mistakes": {}} | extra  # fmt: skip


def test_values_are_compared_with_the_replays_tolerances_not_the_students() -> None:
    import torch

    ref = _reference([_close("k", torch.tensor([1.0, 2.0]))])
    student = _close("k", torch.tensor([1.0, 2.5]), atol=100.0, rtol=100.0)
    verdict = judge(_executed([student]), {0: 0.1}, ref, {})["test_f_x"]
    assert not verdict.passed
    assert "at index (1): got 2.5, expected 2.0" in verdict.reason


def test_shape_dtype_and_type_mismatches_fail() -> None:
    import torch

    ref = _reference([_close("k", torch.tensor([1.0, 2.0]), dtype="float32")])
    for got in (torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([1.0]), [1.0, 2.0]):
        assert not judge(_executed([_close("k", got)]), {}, ref, {})["test_f_x"].passed, got


def test_missing_extra_and_error_outputs_fail_with_one_line_reasons() -> None:
    import torch

    record = _close("k", torch.tensor([1.0]))
    ref = _reference([record])
    error = {"ename": "ZeroDivisionError", "evalue": "division by zero",
             "traceback": ["hidden source line 12"]}  # fmt: skip
    stopped = judge(_executed([], error), {}, ref, {})["test_f_x"]
    assert "stopped with ZeroDivisionError: division by zero" in stopped.reason
    assert "hidden source" not in stopped.reason
    extra = judge(_executed([record, record]), {}, ref, {})["test_f_x"]
    assert "unexpected extra output" in extra.reason
    assert judge(_executed([record]), {}, ref, {})["test_f_x"].passed


def test_apply_verdicts_writes_what_nbgrader_scores() -> None:
    import torch
    from nbgrader.utils import determine_grade

    nb = _executed([_close("k", torch.tensor([1.0]))])
    nb.cells[0].outputs.append(nbformat.v4.new_output("stream", name="stderr", text="warning"))
    passed = apply_verdicts(nbformat.from_dict(nb), {"test_f_x": Verdict(True)})
    assert determine_grade(passed.cells[0]) == (1.0, 1.0)
    failed = apply_verdicts(nbformat.from_dict(nb), {"test_f_x": Verdict(False, "f: wrong")})
    assert determine_grade(failed.cells[0]) == (0, 1.0)
    assert [(o.ename, o.evalue) for o in failed.cells[0].outputs] == [(FAILED_ENAME, "f: wrong")]


def test_function_of_picks_the_longest_matching_solution() -> None:
    solutions = ["nms", "batched_nms", "box_iou"]
    assert function_of("test_batched_nms_edges", solutions) == "batched_nms"
    assert function_of("test_nms_edges", solutions) == "nms"
    assert function_of("test_box_iou", solutions) == "box_iou"
