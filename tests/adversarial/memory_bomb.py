"""Attack: a memory bomb (allocates until the memory limit stops it)."""

from tests.adversarial._common import CONVERT_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
def _bomb():
    hog = []
    while True:
        hog.append(bytearray(64 * 2**20))
        hog[-1][::4096] = b"x" * len(hog[-1][::4096])  # touch the pages


_bomb()
"""
    + RIGHT_BOX_CONVERT
}
