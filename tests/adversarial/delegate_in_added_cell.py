"""Attack: delegating from a cell the student added, through the notebook's namespace
(``__main__.nms = torchvision.ops.nms``), so that no answer cell shows it."""

import nbformat

from tests.adversarial._common import solution_index

EXPECTED = 0  # a dynamic escape can replace any function: it counts against all of them
CELLS = {"nms": "pass\n"}


def edit(nb: nbformat.NotebookNode) -> None:
    sneaky = nbformat.v4.new_code_cell(
        "import __main__\nimport torchvision\n\n__main__.nms = torchvision.ops.nms"
    )
    nb.cells.insert(solution_index(nb, "nms") + 1, sneaky)
