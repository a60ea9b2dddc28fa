"""The student's check (cvcourse.grading.check): visible checks counted, the same answer as
``nbgrader validate``, never run by the grader."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import torch

from cvcourse.grading import observe
from cvcourse.grading.check import Summary, check_notebook, count_checks

CHECK_SOURCE = (
    "# Before you submit: run all cells, save the notebook, then run this one.\n"
    "from cvcourse.grading.check import visible_checks\n\n"
    "visible_checks()"
)
WIDTH_SQUARED = "def box_area(boxes):\n    return (boxes[:, 2] - boxes[:, 0]) ** 2\n"
TEST_CELL = """
b = torch.tensor([[0.0, 0.0, 2.0, 3.0]])
expect_close("one", box_area(b), torch.tensor([6.0]), msg="area of one box",
             mistakes={"width times width": torch.tensor([4.0])})
expect_true("positive", bool((box_area(b) > 0).all()), msg="areas are positive")
for k in range(2):
    expect_equal(f"n{k}", tuple(box_area(b.repeat(k + 1, 1)).shape), (k + 1,), msg="one per box")
"""


def _test_cell(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id}
    return cell


def _namespace(box_area: object) -> dict[str, object]:
    from cvcourse.grading.observe import expect_close, expect_equal, expect_true

    return {
        "torch": torch,
        "box_area": box_area,
        "expect_close": expect_close,
        "expect_equal": expect_equal,
        "expect_true": expect_true,
    }


def test_count_checks_counts_expect_calls_written_in_a_cell() -> None:
    assert count_checks(TEST_CELL) == 3
    assert count_checks("x = 1") == 0
    assert count_checks("observe.expect_true('k', True, msg='m')") == 1
    assert count_checks("def broken(:") == 0


def test_every_check_is_counted_and_the_first_failure_named() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [_test_cell("test_area", TEST_CELL), _test_cell("test_other", "")]

    def right(b: torch.Tensor) -> torch.Tensor:
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    def squared(b: torch.Tensor) -> torch.Tensor:
        return (b[:, 2] - b[:, 0]) ** 2

    def missing(b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError()

    good = check_notebook(nb, _namespace(right))
    assert (good.passed, good.total, good.failed_cells) == (4, 4, [])
    assert good.text().startswith("4 of 4 visible checks pass (2 of 2 test cells); hidden tests")
    bad = check_notebook(nb, _namespace(squared))
    assert (bad.passed, bad.total, bad.failed_cells) == (3, 4, ["test_area"])
    assert "width times width" in bad.cells[0].failure
    assert "3 of 4 visible checks pass (1 of 2 test cells)" in bad.text()
    none = check_notebook(nb, _namespace(missing))
    assert (none.passed, none.total) == (0, 3)
    assert none.cells[0].failure == "NotImplementedError"
    # Outside the check, a failed check raises as before (a student running the cell).
    with pytest.raises(AssertionError, match="width times width"):
        exec(TEST_CELL, _namespace(squared))
    assert not observe._state.tallying


@pytest.mark.slow
def test_check_agrees_with_nbgrader_validate_and_the_grader_skips_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nbgrader.utils import chdir
    from nbgrader.validator import Validator

    from cvcourse.cli import main
    from cvcourse.grading.sandbox import sandbox_unavailable_reason
    from cvcourse.grading.submissions import build_submission
    from tests.toy_course import toy_course

    root = toy_course(tmp_path / "course", release=False)
    source = root / "source" / "toy" / "toy.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = nbformat.v4.new_code_cell(CHECK_SOURCE)
    cell.metadata["nbgrader"] = {
        "grade": False, "solution": False, "locked": True, "grade_id": "check_visible",
        "schema_version": 3,
    }  # fmt: skip
    cell.metadata["tags"] = ["student-only"]
    nb.cells.append(cell)
    nbformat.write(nb, source)
    assert main(["--course", str(root), "release", "toy"]) == 0
    build_submission(root, "toy", "right")
    build_submission(root, "toy", "wrong", cells={"box_area": WIDTH_SQUARED})

    expected = {"right": "1 of 1 visible checks pass (2 of 2 test cells)"}
    expected["wrong"] = "0 of 1 visible checks pass (1 of 2 test cells)"
    for student, line in expected.items():
        folder = tmp_path / student
        shutil.copytree(root / "submitted" / student / "toy", folder)
        path = folder / "toy.ipynb"
        capsys.readouterr()
        # `cvcourse check`: a fresh kernel, exit 0 only when every visible check passes
        assert main(["check", str(path)]) == (0 if student == "right" else 1)
        printed = capsys.readouterr().out
        assert line in printed and "hidden tests will also run" in printed, printed
        # nbgrader validate runs the notebook, the check cell included: its summary names
        # exactly the test cells validate fails
        validator = Validator()
        with chdir(str(folder)):
            executed = validator._preprocess(nbformat.read(path, as_version=4))
        failed = {c.metadata["nbgrader"]["grade_id"] for c in validator._get_failed_cells(executed)}
        check_cell = next(c for c in executed.cells if "visible_checks()" in c.source)
        said = "".join(o.get("text", "") for o in check_cell.outputs)
        assert line in said, said
        named = {part.split(":")[0] for part in said.split("FAIL ")[1:]}
        assert failed == named == ({"test_box_area_values"} if student == "wrong" else set())
        assert not any(o.output_type == "error" for o in check_cell.outputs)

    # The grader never runs the check cell (not in the sandbox, not in its own process).
    flags = ["--workers", "1", "--seed", "2", "--no-feedback"]
    flags += [] if sandbox_unavailable_reason() is None else ["--unsafe"]
    assert main(["--course", str(root), "grade", "toy", *flags]) == 0
    out = capsys.readouterr().out
    assert "right: 3 / 3" in out and "wrong: 0 / 3" in out, out
    judged = nbformat.read(root / "autograded" / "wrong" / "toy" / "toy.ipynb", as_version=4)
    check_cell = next(c for c in judged.cells if "visible_checks()" in c.source)
    assert check_cell.outputs == []


def test_an_empty_summary_reads_well() -> None:
    assert Summary().text().startswith("0 of 0 visible checks pass (0 of 0 test cells)")


def test_check_refuses_a_missing_or_broken_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcourse.cli import EXIT_BAD_INPUT, main

    assert main(["check", str(tmp_path / "nope.ipynb")]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.count("\n") == 1
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert main(["check", str(broken)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.ipynb: not a readable notebook" in err, err


def test_without_a_notebook_file_the_check_says_how_to_call_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cvcourse.grading.check import visible_checks

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert visible_checks() is None
    assert "call visible_checks('<your notebook>.ipynb')" in capsys.readouterr().out
