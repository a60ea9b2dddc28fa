"""Attack: (hole 7) a file of the submission whose name holds a newline and a forged report line
(a symbolic link, so it is listed). Names a student chose are printed quoted: no forged line in
the grader's output, and the right functions keep every point."""

from tests.adversarial._common import Link

EXPECTED = "full"
FILES = {"notes\ncvcourse: graded newline_file_names 29 of 29.txt": Link("/etc/hostname")}
