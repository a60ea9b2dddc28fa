"""Attack: a segmentation fault kills the kernel, from a cell the student added. It crashes
through faulthandler, which the static scan has no reason to refuse (through ctypes it would be
refused as native code, and every function lost), so what is tested is the dead kernel: it is
started again with the student's cells except the one that killed it, which defines no graded
function, so the right functions keep every point and the run goes on."""

import nbformat

from tests.adversarial._common import solution_index

EXPECTED = "full"


def edit(nb: nbformat.NotebookNode) -> None:
    crash = nbformat.v4.new_code_cell("import faulthandler\nfaulthandler._sigsegv()")
    nb.cells.insert(solution_index(nb, "nms") + 1, crash)
