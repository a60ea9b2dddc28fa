"""Attack: a memory bomb (allocates until the memory limit stops it). It then lets go, so that
what it costs the submission is exactly its own answer (a bomb that keeps the memory makes later
cells of the same submission fail too, never other submissions)."""

from tests.adversarial._common import CONVERT_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
def _bomb():
    hog = []
    try:
        while True:
            hog.append(bytearray(64 * 2**20))
            hog[-1][::4096] = b"x" * len(hog[-1][::4096])  # touch the pages
    except MemoryError:
        hog.clear()  # the traceback keeps this frame alive: empty it
        raise


_bomb()
"""
    + RIGHT_BOX_CONVERT
}
