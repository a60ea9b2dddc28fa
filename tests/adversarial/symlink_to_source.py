"""Attack: symbolic links in the submission to the instructor's notebook and the gradebook
(``../../../source/...``): whoever copies the submission's files for grading must not follow
them."""

from tests.adversarial._common import CONVERT_TESTS, Link, right_if

EXPECTED = [CONVERT_TESTS]  # right only if a link gave the solution away
FILES = {
    "notes.txt": Link("../../../source/a3_boxes/boxes.ipynb"),
    "scores.txt": Link("../../../gradebook.db"),
}
SETUP = """
def _leaked():
    for name in ("notes.txt", "scores.txt"):
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"BEGIN SOLUTION" in data or b"SQLite format" in data:
            return True
    return False
"""
CELLS = {"box_convert": right_if("_leaked()", setup=SETUP)}
