"""Grading on top of nbgrader: release, sandboxed execution, judging outside the kernel, reports."""
