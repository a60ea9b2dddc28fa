"""Attack: the test cells of a wrong function edited to check nothing."""

import nbformat

from tests.adversarial._common import CONVERT_TESTS, WRONG_BOX_CONVERT, cells_matching

EXPECTED = [CONVERT_TESTS]
CELLS = {"box_convert": WRONG_BOX_CONVERT}


def edit(nb: nbformat.NotebookNode) -> None:
    for i in cells_matching(nb, CONVERT_TESTS):
        nb.cells[i].source = 'expect_true("ok", True, msg="nothing to see")\nprint("all passed")'
