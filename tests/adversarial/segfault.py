"""Attack: a segmentation fault kills the kernel, from a cell the student added (not an answer
cell, so the static scan does not see it)."""

import nbformat

from tests.adversarial._common import BATCHED_TESTS, NMS_TESTS, solution_index

EXPECTED = [NMS_TESTS, BATCHED_TESTS]


def edit(nb: nbformat.NotebookNode) -> None:
    crash = nbformat.v4.new_code_cell("import ctypes\nctypes.string_at(0)")
    nb.cells.insert(solution_index(nb, "nms") + 1, crash)
