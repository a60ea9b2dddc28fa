"""Grading on top of nbgrader: release, sandboxed execution, judging outside the student's kernel, reports."""
