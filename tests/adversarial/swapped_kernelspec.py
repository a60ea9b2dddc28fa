"""Attack: the notebook asks for another kernel (bash): nbgrader restores the kernelspec and the
sandbox always starts its own Python kernel."""

import nbformat

EXPECTED = "full"


def edit(nb: nbformat.NotebookNode) -> None:
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    nb.metadata["language_info"] = {"name": "bash"}
