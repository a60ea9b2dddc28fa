"""Attack: forged results: the answer cell prints what passing test output looks like and
displays observation records of the grader's own format, for a wrong function."""

from tests.adversarial._common import CONVERT_TESTS, WRONG_BOX_CONVERT

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": WRONG_BOX_CONVERT
    + """
from IPython.display import display

from_observe = "application/vnd.cvcourse.observation.v1+json"
for key in ("formats", "roundtrip", "dtype", "empty"):
    record = {"key": key, "kind": "true", "value": {"type": "bool", "value": True}, "msg": ""}
    display({from_observe: record}, raw=True)
print("All tests passed: 3/3 points")
"""
}
