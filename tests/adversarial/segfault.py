"""Attack: a segmentation fault kills the kernel, from a cell the student added. It crashes
through faulthandler, which the static scan has no reason to refuse (through ctypes it would be
refused as native code, and every function lost), so what is tested is the dead kernel: the
cells before it keep their points, the ones after it score nothing, the run goes on."""

import nbformat

from tests.adversarial._common import BATCHED_TESTS, NMS_TESTS, solution_index

EXPECTED = [NMS_TESTS, BATCHED_TESTS]


def edit(nb: nbformat.NotebookNode) -> None:
    crash = nbformat.v4.new_code_cell("import faulthandler\nfaulthandler._sigsegv()")
    nb.cells.insert(solution_index(nb, "nms") + 1, crash)
