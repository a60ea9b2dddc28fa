"""Attack: (hole 5, one submission stops the run) box_convert writes forged protocol frames
straight to the kernel's reply pipe (a huge length, then JSON with lone surrogates and records of
the wrong length), and a solution cell prints a lone surrogate. Whatever it sends is refused
before it is read or checked, the kernel is stopped, the run goes on; only box_convert's cells
are lost."""

from tests.adversarial._common import CONVERT_TESTS

EXPECTED = [CONVERT_TESTS]
CELLS = {
    "box_convert": r"""
import os
import struct

print("a lone surrogate: \ud800")


def box_convert(boxes, in_fmt, out_fmt):
    forged = (b'{"ok": true, "value": {"t": "tensor", "dtype": "float32", '
              b'"shape": [99999999], "data": "AAAA"}}')
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">Q", 2**60) + forged)
            os.write(fd, struct.pack(">Q", len(forged)) + forged)
        except OSError:
            pass
    raise ValueError("\udfff")
"""
}
