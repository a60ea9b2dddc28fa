"""Attack: (hole 6) the solution cell writes a 6 GB sparse file and fills its working folder.
That folder is a size-limited tmpfs inside the sandbox, and files are never copied back: the
grader's disk does not change, and the functions, which are right, keep every point."""

from tests.adversarial._common import RIGHT_BOX_CONVERT

EXPECTED = "full"
CELLS = {
    "box_convert": """
import os

try:
    with open("sparse.bin", "wb") as f:
        f.seek(6 * 1024**3)
        f.write(b"x")
except OSError:
    pass
try:
    with open("filler.bin", "wb") as f:
        for _ in range(1024):
            f.write(b"x" * (1024 * 1024))
except OSError:
    pass
"""
    + RIGHT_BOX_CONVERT
}
