"""Attack: a huge output (64 MB printed): truncated, the grader's memory and disk stay small."""

from tests.adversarial._common import RIGHT_BOX_CONVERT

EXPECTED = "full"
CELLS = {"box_convert": RIGHT_BOX_CONVERT + '\nfor _ in range(64):\n    print("x" * 2**20)\n'}
