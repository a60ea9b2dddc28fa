"""Attack: a fork bomb (forks until the process limit of the sandbox's uid stops it)."""

from tests.adversarial._common import CONVERT_TESTS, RIGHT_BOX_CONVERT

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": """
import os
import time

while True:
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
"""
    + RIGHT_BOX_CONVERT
}
