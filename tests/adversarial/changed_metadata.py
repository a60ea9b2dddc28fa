"""Attack: changed points and metadata: every test cell worth 100 points, and the wrong
function's test cells marked as not graded (answer cells instead)."""

import nbformat

from tests.adversarial._common import CONVERT_TESTS, WRONG_BOX_CONVERT, cells_matching

EXPECTED = [CONVERT_TESTS]
CELLS = {"box_convert": WRONG_BOX_CONVERT}
OR_SKIPPED = True  # nbgrader's OverwriteCells may refuse the notebook: reported, 0 points


def edit(nb: nbformat.NotebookNode) -> None:
    for i in cells_matching(nb, "test_*"):
        nb.cells[i].metadata["nbgrader"]["points"] = 100
    for i in cells_matching(nb, CONVERT_TESTS):
        meta = nb.cells[i].metadata["nbgrader"]
        meta.update(grade=False, solution=True, locked=False)
        nb.cells[i].source = "print('my own notes')"
