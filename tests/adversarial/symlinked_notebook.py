"""Attack: (hole 4, links followed) the submitted notebook is a symbolic link to the instructor's
source notebook (solutions and hidden tests). Nothing under a student's folder is followed: the
submission is reported as a link and not graded, and its feedback shows nothing."""

from tests.adversarial._common import Link

EXPECTED = "skipped"
NOTEBOOK_LINK = Link("../../../source/a3_boxes/boxes.ipynb")
