"""nbgrader configuration of the cvcourse course (this directory is the course root).

Used by plain ``nbgrader`` commands run here and by ``cvcourse release|grade|report``, which load
this file and add only what their pipeline needs (see ``cvcourse/grading/course.py``).
"""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from cvcourse.grading.nbgrader_plugins import (
    AFTER_EXECUTION,
    HideTestTracebacks,
    RefuseUnsandboxed,
)

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "cvcourse"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"  # relative to the course root

# Execution: one cell may run 60 s (one correct submission takes a few seconds); a stuck cell is
# interrupted and the rest of the notebook still runs.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 60
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]

# A cell with any stderr output scores 0 in nbgrader. Harmless library warnings (torch, numpy,
# matplotlib print `...Warning: ...` on stderr) must not cost points: drop those stderr outputs.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(Warning|warn\(|warnings\.warn)"

# A test cell a student deleted is put back (with its hidden tests) and graded, not lost silently.
c.OverwriteCells.add_missing_cells = True

# Plain `nbgrader autograde` (and the formgrader's Autograde button) would run student code
# unsandboxed, as the instructor, beside the hidden tests: in this course it refuses and points to
# `cvcourse grade`, which puts its own sandboxed steps here. (bench/bench_grading.py measures the
# plain pipeline by asking for `Execute` explicitly.)
c.Autograde.autograde_preprocessors = [RefuseUnsandboxed, *AFTER_EXECUTION]

# Feedback never shows hidden tests: the restored hidden regions are cut out of the test cells
# and their tracebacks are one line. (The grades come from the gradebook via GetGrades.)
c.ClearHiddenTests.enforce_metadata = False
c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTests,
    HideTestTracebacks,
    CSSHTMLHeaderPreprocessor,
]

c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# A term (see the grading guide's term playbook). Due dates (with a time zone), per-student
# extensions and the late penalty, written into the gradebook by `cvcourse release` and `grade`
# and charged by nbgrader's late-submission plugin hook; and how many gradebook backups to keep
# (one is taken before every grading run). For example:
#
# c.Deadlines.due = {"a3_boxes": "2026-12-01 23:59 Europe/Berlin"}
# c.Deadlines.extensions = {"a3_boxes": {"ada": "2d"}}
# c.AssignLatePenalties.plugin_class = "cvcourse.grading.deadlines.LatePenalty"
# c.LatePenalty.percent_per_day = 10
# c.LatePenalty.grace_minutes = 5
c.GradebookBackups.keep = 20
