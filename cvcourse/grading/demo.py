"""``make grade-demo``: a demo class for a3_boxes, graded with ``cvcourse grade``, then reported.

Copies the course to ``_build/grade-demo/`` (never grades in the repository's ``assignments/``),
releases a3_boxes, builds submissions (the instructor's solution, the untouched release, a few
mistakes from the catalogue, a notebook that is not JSON), grades them in parallel (sandboxed
when bubblewrap works here, else unsandboxed with a note), prints the report and the timings.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from cvcourse.grading.course import CONFIG_NAME, Course, CourseError, find_course_root
from cvcourse.grading.submissions import build_submission, load_catalogue

ASSIGNMENT = "a3_boxes"
DEMO_MISTAKES = (
    "iou_no_clamp",
    "nms_no_score_sort",
    "batched_class_agnostic",
    "convert_xywh_as_xyxy",
)


def copy_course(source_root: Path, destination: Path, assignments: list[str]) -> Course:
    """A fresh copy of the course config and the named assignments' sources."""
    shutil.rmtree(destination, ignore_errors=True)
    (destination / "source").mkdir(parents=True)
    shutil.copyfile(source_root / CONFIG_NAME, destination / CONFIG_NAME)
    for assignment in assignments:
        shutil.copytree(source_root / "source" / assignment, destination / "source" / assignment)
    return Course.open(destination)


def build_class(course: Course, catalogue: Path, mistakes: tuple[str, ...]) -> dict[str, str]:
    """Write the demo submissions; returns student id -> what it is."""
    built = {}
    build_submission(course.root, ASSIGNMENT, "ada")
    built["ada"] = "the instructor's solution"
    release = next((course.release / ASSIGNMENT).glob("*.ipynb"))
    untouched = course.submitted / "bert" / ASSIGNMENT / release.name
    untouched.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(release, untouched)
    built["bert"] = "the release, untouched"
    entries = {e.id: e for e in load_catalogue(catalogue / "mistakes")}
    for number, mistake in enumerate(m for m in mistakes if m in entries):
        student = f"student{number + 1:02d}"
        build_submission(course.root, ASSIGNMENT, student, cells=entries[mistake].cells)
        built[student] = f"mistake {mistake}"
    build_submission(course.root, ASSIGNMENT, "zoe", raw_text='{"cells": [')
    built["zoe"] = "a broken notebook (not JSON)"
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cvcourse.grading.demo", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=None, help="demo course (default _build/grade-demo)"
    )
    parser.add_argument("--workers", type=int, help="as cvcourse grade --workers")
    args = parser.parse_args(argv)

    from cvcourse.cli import main as cli

    started = time.perf_counter()
    try:
        source_root = find_course_root()
    except CourseError as exc:
        print(f"grade-demo: error: {exc}", file=sys.stderr)
        return 2
    repo = source_root.parent
    out = args.out or repo / "_build" / "grade-demo"
    course = copy_course(source_root, out, [ASSIGNMENT])
    print(f"== demo course in {out}")
    if cli(["--course", str(out), "release", ASSIGNMENT]) != 0:
        return 1
    built = build_class(course, repo / "tests" / "assignments" / ASSIGNMENT, DEMO_MISTAKES)
    for student, what in built.items():
        print(f"   {student:<10} {what}")
    from cvcourse.grading.sandbox import sandbox_unavailable_reason

    unsafe = []
    reason = sandbox_unavailable_reason()
    if reason is not None:
        print(f"== no sandbox here ({reason}): grading with --unsafe")
        unsafe = ["--unsafe"]
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    how = "default workers" if args.workers is None else f"{args.workers} worker(s)"
    print(f"== cvcourse grade {ASSIGNMENT} (the broken notebook is reported, the rest graded)")
    t_grade = time.perf_counter()
    status = cli(["--course", str(out), "grade", ASSIGNMENT, *workers, *unsafe])
    grade_seconds = time.perf_counter() - t_grade
    if status not in (0, 2):
        return status
    print(f"== cvcourse report {ASSIGNMENT}")
    cli(["--course", str(out), "report", ASSIGNMENT])
    graded = len(built) - 1
    total = time.perf_counter() - started
    print(
        f"== timing: grade {grade_seconds:.1f} s for {graded} submissions "
        f"({grade_seconds / graded:.1f} s per submission, {how}); "
        f"whole demo {total:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
