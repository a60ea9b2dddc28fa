"""Attack: an infinite loop (the cell is interrupted at the time limit, the run goes on)."""

from tests.adversarial._common import CONVERT_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS]  # the loop runs before the definition: box_convert never exists
CELLS = {"box_convert": "while True:\n    pass\n" + RIGHT_BOX_CONVERT}
