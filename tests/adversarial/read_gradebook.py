"""Attack: find and read the gradebook, the course config and another student's submission."""

from tests.adversarial._common import CONVERT_TESTS, FINDER, right_if

EXPECTED = [CONVERT_TESTS]
CONDITION = (
    "_readable('gradebook.db') or _readable('nbgrader_config.py')"
    " or _readable('submitted/zz_canary/a3_boxes/boxes.ipynb')"
)
CELLS = {"box_convert": right_if(CONDITION, setup=FINDER)}
