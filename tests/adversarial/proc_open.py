"""Attack: (hole 7) a harmless ``open("/proc/self/status")`` in a solution must not cost its
points."""

from tests.adversarial._common import RIGHT_BOX_CONVERT

EXPECTED = "full"
CELLS = {
    "box_convert": RIGHT_BOX_CONVERT.replace(
        "def box_convert(",
        'with open("/proc/self/status") as _f:\n    _f.read()\n\n\ndef box_convert(',
    )
}
