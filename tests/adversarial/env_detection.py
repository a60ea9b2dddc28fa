"""Attack: detect grading through the environment (``NBGRADER_*``, ``JPY_*``, the grader's own
variables) to behave differently when graded."""

from tests.adversarial._common import CONVERT_TESTS, right_if

EXPECTED = [CONVERT_TESTS]
SETUP = """
import os

_grader_prefixes = ("NBGRADER", "CVCOURSE", "JPY", "DASK", "PYTEST", "CI", "GITHUB", "VIRTUAL_ENV")
_graded = any(name.startswith(_grader_prefixes) for name in os.environ)
"""
CELLS = {"box_convert": right_if("_graded", setup=SETUP)}
