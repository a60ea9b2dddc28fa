"""Attack: ``get_ipython().input_transformers_cleanup.append(lambda l: [])`` blanks every later
cell, including the hidden tests nbgrader restores (full marks in plain nbgrader)."""

from tests.adversarial._common import WRONG_BOX_CONVERT

EXPECTED = 0  # every test cell comes after: none reports a result
CELLS = {
    "box_convert": WRONG_BOX_CONVERT
    + "\nget_ipython().input_transformers_cleanup.append(lambda lines: [])\n"
}
