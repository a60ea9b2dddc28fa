"""Attack: the test cells of a wrong function turned from code into markdown."""

import nbformat

from tests.adversarial._common import CONVERT_TESTS, WRONG_BOX_CONVERT, cells_matching

EXPECTED = [CONVERT_TESTS]
CELLS = {"box_convert": WRONG_BOX_CONVERT}


def edit(nb: nbformat.NotebookNode) -> None:
    for i in cells_matching(nb, CONVERT_TESTS):
        old = nb.cells[i]
        cell = nbformat.v4.new_markdown_cell(old.source)
        cell.metadata = old.metadata
        nb.cells[i] = cell
