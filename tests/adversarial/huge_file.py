"""Attack: a huge file (1 GB written in the working folder): stopped at the file size limit."""

from tests.adversarial._common import RIGHT_BOX_CONVERT

EXPECTED = "full"
CELLS = {
    "box_convert": RIGHT_BOX_CONVERT
    + '\nwith open("huge.bin", "wb") as f:\n'
    + "    for _ in range(1024):\n"
    + '        f.write(b"0" * 2**20)\n'
}
