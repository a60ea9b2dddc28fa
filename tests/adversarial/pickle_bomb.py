"""Attack: a pickle bomb shipped with the submission: unpickling it asks for 16 GB (and would
run any code it names); the memory limit stops it."""

import pickle

from tests.adversarial._common import CONVERT_TESTS, RIGHT_BOX_CONVERT


class _Bomb:
    def __reduce__(self):  # noqa: ANN204
        return (bytearray, (16 * 2**30,))


EXPECTED = [CONVERT_TESTS]  # the load fails before box_convert is defined
FILES = {"model.pkl": pickle.dumps(_Bomb())}
CELLS = {
    "box_convert": """
import pickle

with open("model.pkl", "rb") as f:
    weights = pickle.load(f)
"""
    + RIGHT_BOX_CONVERT
}
