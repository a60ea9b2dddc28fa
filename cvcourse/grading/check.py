"""A student's check before submitting: the visible tests of the notebook, counted.

The last cell of an assignment (tagged ``student-only``, so the grader never runs it) is::

    from cvcourse.grading.check import visible_checks
    visible_checks()

It runs the visible part of every test cell again, in a copy of the notebook's namespace (nothing
of the student's is rebound), with every check of a cell counted instead of stopping at the first
failure, and prints::

    7 of 12 visible checks pass (2 of 4 test cells); hidden tests will also run when graded.
      FAIL test_box_iou_slides: box_iou: [iou_slide] IoU of the slide's boxes: got ..., expected ...

A test cell passes here exactly when it passes in ``nbgrader validate`` (the same cells, the same
checks, failing on the same first failed check or error), so the two give the same answer;
``cvcourse check <notebook>`` runs the notebook in a fresh kernel and prints the same summary.
Checks a cell never reached (the student's function raised first) count as failed.
"""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from cvcourse.grading import observe
from cvcourse.grading.judge import is_test_cell

EXPECTS = {"expect_close", "expect_equal", "expect_true", "expect_fast"}
HIDDEN_NOTE = "hidden tests will also run when graded"


@dataclass
class CellCheck:
    """One test cell: its checks that passed, how many it has, and its first failure."""

    grade_id: str
    passed: int
    total: int
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure and self.passed == self.total


@dataclass
class Summary:
    cells: list[CellCheck] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cells)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cells)

    @property
    def failed_cells(self) -> list[str]:
        return [c.grade_id for c in self.cells if not c.ok]

    def text(self) -> str:
        ok_cells = sum(c.ok for c in self.cells)
        lines = [
            f"{self.passed} of {self.total} visible checks pass ({ok_cells} of {len(self.cells)} "
            f"test cells); {HIDDEN_NOTE}."
        ]
        for cell in self.cells:
            if not cell.ok:
                lines.append(f"  FAIL {cell.grade_id}: {cell.failure or 'a check was not reached'}")
        return "\n".join(lines)


def count_checks(source: str) -> int:
    """The ``expect_*`` calls written in a cell (a call in a loop counts once)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            count += name in EXPECTS
    return count


def check_notebook(nb: NotebookNode, namespace: dict[str, Any]) -> Summary:
    """Run every test cell of ``nb`` in ``namespace``, counting its checks."""
    summary = Summary()
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        grade_id = cell.metadata["nbgrader"].get("grade_id", "?")
        error = ""
        with observe.tallying() as checks:
            try:
                exec(compile(cell.source, f"<test cell {grade_id}>", "exec"), namespace)
            except Exception as exc:  # the student's function raised, or a plain assert failed
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                error = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        failed = [c for c in checks if not c.passed]
        total = max(count_checks(cell.source), len(checks))
        failure = failed[0].reason if failed else error
        if failed and error:
            failure += f" (then {error})"
        summary.cells.append(CellCheck(grade_id, len(checks) - len(failed), total, failure))
    return summary


def find_notebook(start: Path | None = None) -> Path:
    """The notebook being run: Jupyter's ``JPY_SESSION_NAME``, else the only one in the folder.

    Raises:
        FileNotFoundError: none or several, with what to pass instead.
    """
    session = os.environ.get("JPY_SESSION_NAME")
    if session and Path(session).suffix == ".ipynb" and Path(session).is_file():
        return Path(session)
    here = start or Path.cwd()
    found = sorted(p for p in here.glob("*.ipynb") if not p.name.startswith("."))
    if len(found) != 1:
        raise FileNotFoundError(
            f"{here}: {len(found)} notebooks here; call visible_checks('<your notebook>.ipynb')"
        )
    return found[0]


def visible_checks(notebook: str | Path | None = None) -> Summary | None:
    """Print (and return) how many visible checks of the notebook pass; see the module doc.

    When the notebook's file cannot be found (none or several in the kernel's folder, and Jupyter
    did not say which), it prints how to call it instead and returns None.

    Run it from the notebook's last cell after running all cells (save the notebook first: the
    test cells are read from the file; they are locked, so the file has them as released).
    """
    try:
        path = Path(notebook) if notebook is not None else find_notebook()
    except FileNotFoundError as exc:  # say so; this cell's error would only confuse a student
        print(f"cannot check the visible tests: {exc}")
        return None
    nb = nbformat.read(path, as_version=4)
    namespace = dict(_caller_namespace())
    summary = check_notebook(nb, namespace)
    print(summary.text())
    return summary


def _caller_namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    frame = inspect.stack()[2].frame  # visible_checks' caller
    return frame.f_globals


STUDENT_ONLY_TAG = "student-only"


def run_in_kernel(path: Path, timeout: float = 600) -> tuple[Summary, str]:
    """Run the notebook in a fresh kernel (in its folder), then the check: ``cvcourse check``.

    Returns the summary and the text the check printed.

    Raises:
        ValueError: the file is not a notebook.
    """
    import json
    import subprocess

    from nbclient import NotebookClient

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # JSON or schema errors
        raise ValueError(f"not a readable notebook ({str(exc).splitlines()[0][:120]})") from None
    nb.cells = [c for c in nb.cells if STUDENT_ONLY_TAG not in c.metadata.get("tags", [])]
    probe = (
        "import json as _json\nfrom cvcourse.grading.check import visible_checks as _vc\n"
        f"_s = _vc({str(path.resolve())!r})\n"
        "print('\\n@@cvcourse-check@@' + _json.dumps([c.__dict__ for c in _s.cells]))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(
        nb,
        timeout=timeout,
        allow_errors=True,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    # the kernel's own log (transport warnings) is not the student's business: only outputs count
    client.execute(stderr=subprocess.DEVNULL)
    printed = "".join(
        o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.output_type == "stream"
    )
    errors = [o for o in nb.cells[-1].get("outputs", []) if o.output_type == "error"]
    if errors or "@@cvcourse-check@@" not in printed:
        detail = f"{errors[0].ename}: {errors[0].evalue}" if errors else "no summary printed"
        raise ValueError(f"the check could not run in the notebook's kernel ({detail})")
    text, data = printed.split("\n@@cvcourse-check@@", 1)
    return Summary([CellCheck(**c) for c in json.loads(data)]), text.strip()
