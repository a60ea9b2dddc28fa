"""LocalExecutor: never raises for what the notebook does; times cells from the grader's side."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cvcourse.grading.execute import LocalExecutor
from cvcourse.grading.observe import MIME

pytestmark = pytest.mark.slow


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_judging_is_on_and_the_inserted_cell_is_removed(tmp_path: Path) -> None:
    nb = _notebook(
        "import time\nfrom cvcourse.grading.observe import expect_true, grading_seed\n"
        "time.sleep(0.3)",
        "expect_true('seed', grading_seed() == 42, msg='seeded')",
    )
    result = LocalExecutor(timeout=30).run(nb, tmp_path, seed=42)
    assert result.error is None
    assert len(result.notebook.cells) == 2
    record = result.notebook.cells[1].outputs[0]["data"][MIME]
    assert record["key"] == "seed" and record["value"] == {"type": "bool", "value": True}
    assert set(result.cell_seconds) == {0, 1}
    assert result.cell_seconds[0] >= 0.3  # measured here, including the sleep


def test_errors_and_timeouts_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    nb = _notebook("1 / 0", "while True:\n    pass", "print('still here')")
    result = LocalExecutor(timeout=3).run(nb, tmp_path, seed=0)
    assert result.error is None
    assert result.notebook.cells[0].outputs[0]["ename"] == "ZeroDivisionError"
    assert [o.get("ename") for o in result.notebook.cells[1].outputs] == ["CellTimeoutError"]
    assert result.notebook.cells[2].outputs[0]["text"] == "still here\n"


def test_a_dead_kernel_leaves_later_cells_unexecuted(tmp_path: Path) -> None:
    nb = _notebook("print('before')", "import os\nos._exit(1)", "print('after')")
    result = LocalExecutor(timeout=20).run(nb, tmp_path, seed=0)
    assert result.error == "the kernel died"
    assert result.notebook.cells[0].outputs[0]["text"] == "before\n"
    assert result.notebook.cells[2].get("outputs", []) == []


def test_a_kernel_that_ignores_interrupts_stops_the_run(tmp_path: Path) -> None:
    stubborn = (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except KeyboardInterrupt:\n        pass"
    )
    nb = _notebook(stubborn, "print('never')")
    result = LocalExecutor(timeout=2).run(nb, tmp_path, seed=0)
    assert result.error == "the kernel stopped responding after a cell timed out"
    assert result.notebook.cells[1].get("outputs", []) == []
