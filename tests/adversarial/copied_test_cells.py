"""Attack: test cells copied (duplicate grade ids): a passing test cell of another function is
renamed to the wrong function's test ids and put first, and the real ones appear twice."""

import copy

import nbformat

from tests.adversarial._common import CONVERT_TESTS, NMS_TESTS, WRONG_BOX_CONVERT, cells_matching

EXPECTED = [CONVERT_TESTS]  # the total stays the same: duplicates add no points
CELLS = {"box_convert": WRONG_BOX_CONVERT}
OR_SKIPPED = True  # nbgrader's OverwriteCells may refuse the notebook: reported, 0 points


def edit(nb: nbformat.NotebookNode) -> None:
    passing = nb.cells[cells_matching(nb, NMS_TESTS)[0]]
    targets = cells_matching(nb, CONVERT_TESTS)
    for i in reversed(targets):
        twin = copy.deepcopy(nb.cells[i])
        fake = copy.deepcopy(passing)
        fake.metadata["nbgrader"]["grade_id"] = nb.cells[i].metadata["nbgrader"]["grade_id"]
        fake.id = nb.cells[i].id + "-fake"
        twin.id = nb.cells[i].id + "-twin"
        nb.cells[i:i] = [fake]
        nb.cells.insert(i + 2, twin)
