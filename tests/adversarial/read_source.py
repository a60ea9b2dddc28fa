"""Attack: find and read the instructor's notebook in ``source/`` (solutions and hidden tests)."""

from tests.adversarial._common import CONVERT_TESTS, FINDER, right_if

EXPECTED = [CONVERT_TESTS]  # right only if the read worked: it must not
CELLS = {"box_convert": right_if("_readable('source/a3_boxes/boxes.ipynb')", setup=FINDER)}
