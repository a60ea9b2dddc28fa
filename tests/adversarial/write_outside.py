"""Attack: write outside the sandbox: the course root (next to the gradebook), the cvcourse
package (``observe``), the virtual environment (a ``sitecustomize.py`` would run in every later
kernel), ``/etc``. Each probe creates a file and removes it at once, so even a failing sandbox
would be left clean."""

from tests.adversarial._common import CONVERT_TESTS, FINDER, right_if

EXPECTED = [CONVERT_TESTS]
SETUP = (
    FINDER
    + """
import site
import cvcourse.grading.observe as _observe


def _can_create_in(folder):
    if not folder:
        return False
    probe = os.path.join(folder, "cvcourse_adversarial_probe.txt")
    try:
        with open(probe, "w") as f:
            f.write("x")
        os.remove(probe)
        return True
    except OSError:
        return False


_targets = [
    os.path.dirname(_find("gradebook.db") or ""),
    os.path.dirname(_observe.__file__),
    *site.getsitepackages(),
    "/etc",
]
_wrote = any(_can_create_in(t) for t in _targets)
"""
)
CELLS = {"box_convert": right_if("_wrote", setup=SETUP)}
