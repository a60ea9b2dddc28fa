"""Attack: the test cells of a wrong function deleted (nbgrader puts them back)."""

import nbformat

from tests.adversarial._common import CONVERT_TESTS, WRONG_BOX_CONVERT, cells_matching

EXPECTED = [CONVERT_TESTS]
CELLS = {"box_convert": WRONG_BOX_CONVERT}


def edit(nb: nbformat.NotebookNode) -> None:
    for i in reversed(cells_matching(nb, CONVERT_TESTS)):
        del nb.cells[i]
