"""cvcourse: the helper package of the cvcourse computer-vision course.

Subpackages are imported on demand (``from cvcourse import images``), so that
``import cvcourse`` stays cheap for the grader and the command line.
"""

__version__ = "0.1.0"
