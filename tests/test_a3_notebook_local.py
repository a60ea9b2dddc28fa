"""The a3_boxes source notebook in local mode (no nbgrader, no judge): its contract, and that the
instructor's solution passes, every catalogued mistake loses exactly its cells with a message
naming it, and every alternative solution passes.

Each case executes the notebook in its own kernel (about 15 s; the Python-loop mistake about a
minute), so the cases are marked slow and run in parallel with ``pytest -n auto``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from cvcourse.grading.judge import function_of

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "a3_boxes" / "boxes.ipynb"
CATALOGUE = ROOT / "tests" / "assignments" / "a3_boxes"
FUNCTIONS = ["box_convert", "box_iou", "nms", "batched_nms"]
OBSERVE_IMPORT = (
    "from cvcourse.grading.observe import",
    "expect_close",
    "expect_equal",
    "expect_true",
    "expect_fast",
    "grading_rng",
    "forbidden",
)


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    return dict(cell.metadata.get("nbgrader", {}))


def read_catalogue_entry(path: Path) -> dict[str, Any]:
    """The module-level constants of a mistake or alternative file, read without executing it."""
    values: dict[str, Any] = {"doc": ast.get_docstring(ast.parse(path.read_text()))}
    for node in ast.parse(path.read_text()).body:
        target = None
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target = node.target.id
        if target in {"NAMES", "LOSES", "CELLS"}:
            values[target] = ast.literal_eval(node.value)
    return values


MISTAKES = sorted((CATALOGUE / "mistakes").glob("*.py"))
ALTERNATIVES = sorted((CATALOGUE / "alternatives").glob("*.py"))


def source_with(cells: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The source notebook with the solution cells named in ``cells`` replaced."""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if cells and grade_id in cells:
            cell.source = cells[grade_id]
    return nb


def released() -> nbformat.NotebookNode:
    """What students get: nbgrader's own preprocessors remove solutions and hidden tests."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb = nbformat.read(SOURCE, as_version=4)
    nb, _ = ClearSolutions().preprocess(nb, {})
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    return nb


def execute(nb: nbformat.NotebookNode) -> dict[str, str | None]:
    """Run a notebook in a fresh kernel; for each code cell's grade_id, its first error or None."""
    from nbclient import NotebookClient

    resources = {"metadata": {"path": str(ROOT)}}
    client = NotebookClient(
        nb, timeout=300, allow_errors=True, kernel_name="python3", resources=resources
    )
    client.execute()
    results: dict[str, str | None] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        results[nbgrader_meta(cell)["grade_id"]] = (
            f"{errors[0].ename}: {errors[0].evalue}" if errors else None
        )
    return results


# ----------------------------------------------------------------------------- contract (fast)
def test_notebook_contract() -> None:
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(SOURCE, as_version=4)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"

    solutions, current, tests_of = [], None, {}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs must be cleared"
            assert meta, f"every code cell carries nbgrader metadata: {cell.source[:60]!r}"
            assert meta["schema_version"] == 3
        if meta.get("solution"):
            assert not meta["grade"] and not meta["locked"] and cell.cell_type == "code"
            assert cell.source.count("### BEGIN SOLUTION") == 1
            assert cell.source.count("### END SOLUTION") == 1
            assert f"def {meta['grade_id']}(" in cell.source, "the cell defines its function"
            current = meta["grade_id"]
            solutions.append(current)
            tests_of[current] = []
        if meta.get("grade"):
            assert meta["locked"] and not meta["solution"] and meta["points"] > 0
            assert current is not None and meta["grade_id"].startswith(f"test_{current}_"), (
                f"{meta['grade_id']} must follow the solution cell of its function ({current})"
            )
            tests_of[current].append(meta["grade_id"])
            begin = cell.source.count("### BEGIN HIDDEN TESTS")
            end = cell.source.count("### END HIDDEN TESTS")
            # At most two hidden regions: helpers the visible checks use when graded (first),
            # and the hidden checks (last).
            assert begin == end <= 2
            visible = re.sub(
                r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S
            )
            assert visible.strip(), "every test cell has visible checks"
            assert not re.search(r"^\s*assert\b", cell.source, re.M), "graded facts use observe"
            assert "expect_" in cell.source
        if not meta.get("grade") and "HIDDEN TESTS" in cell.source:
            raise AssertionError("hidden tests only in grade cells")
    assert solutions == FUNCTIONS
    assert all(tests_of[name] for name in FUNCTIONS), tests_of

    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert nbgrader_meta(first_code)["locked"] and not nbgrader_meta(first_code)["grade"]
    assert "import torch" in first_code.source and "torchvision" not in first_code.source
    # The tests' tools (observe, torchvision) sit in a locked cell that runs only in the grader.
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    tools = code[1]
    assert nbgrader_meta(tools)["locked"] and "tests-only" in tools.metadata.get("tags", [])
    assert all(part in tools.source for part in OBSERVE_IMPORT)
    points = sum(
        nbgrader_meta(c).get("points", 0) for c in nb.cells if nbgrader_meta(c).get("grade")
    )
    assert 20 <= points <= 30
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "detection.html" in markdown


def test_catalogue_is_well_formed() -> None:
    nb = nbformat.read(SOURCE, as_version=4)
    test_ids = {nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade")}
    assert len(MISTAKES) >= 9 and len(ALTERNATIVES) >= 4
    for path in MISTAKES + ALTERNATIVES:
        entry = read_catalogue_entry(path)
        assert entry["doc"], f"{path.name}: a docstring says what it is"
        assert entry["CELLS"] and set(entry["CELLS"]) <= set(FUNCTIONS), path.name
        for grade_id, source in entry["CELLS"].items():
            assert f"def {grade_id}(" in source, path.name
        assert set(entry["LOSES"]) <= test_ids, path.name
        if path in MISTAKES:
            assert entry["LOSES"] and entry["NAMES"], path.name
        else:
            assert entry["LOSES"] == [], path.name


def test_release_keeps_no_solution_and_no_hidden_test() -> None:
    source = nbformat.read(SOURCE, as_version=4)
    release = released()
    text = "\n".join(cell.source for cell in release.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    # what only the hidden parts and the solutions contain
    for secret in ("iou_mistakes", "nms_mistakes", "planted", "clamp(min=0)"):
        assert secret in "\n".join(cell.source for cell in source.cells)
        assert secret not in text, secret
    stubs = [c for c in release.cells if nbgrader_meta(c).get("solution")]
    assert len(stubs) == len(FUNCTIONS)
    assert all(c.source.rstrip().endswith("raise NotImplementedError()") for c in stubs)


# ----------------------------------------------------------------------------- execution (slow)
@pytest.mark.slow
def test_release_fails_every_test_cell() -> None:
    results = execute(released())
    graded = [
        nbgrader_meta(c)["grade_id"] for c in released().cells if nbgrader_meta(c).get("grade")
    ]
    assert all("NotImplementedError" in (results[key] or "") for key in graded), results
    assert results["setup"] is None


@pytest.mark.slow
def test_source_notebook_passes_every_test() -> None:
    results = execute(source_with())
    failed = {key: error for key, error in results.items() if error}
    assert not failed, failed


@pytest.mark.slow
@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.stem)
def test_mistake_loses_exactly_its_cells(path: Path) -> None:
    entry = read_catalogue_entry(path)
    results = execute(source_with(entry["CELLS"]))
    # Locally a later function's tests may fail too: "right given your own box_iou/nms" is
    # only accepted when graded (those helpers are hidden). Its own function's cells are exact.
    own = {function_of(key, FUNCTIONS) for key in entry["LOSES"]}
    failed = sorted(k for k, e in results.items() if e and function_of(k, FUNCTIONS) in own)
    assert failed == sorted(entry["LOSES"]), {key: results[key] for key in failed}
    messages = [results[key] or "" for key in entry["LOSES"]]
    assert any(entry["NAMES"] in message for message in messages), messages


@pytest.mark.slow
@pytest.mark.parametrize("path", ALTERNATIVES, ids=lambda p: p.stem)
def test_alternative_solution_passes(path: Path) -> None:
    results = execute(source_with(read_catalogue_entry(path)["CELLS"]))
    failed = {key: error for key, error in results.items() if error}
    assert not failed, failed
