"""The ``cvcourse`` commands for the LMS and for copied work (parsers and handlers).

    cvcourse roster import <csv>                       students into the gradebook
    cvcourse collect <assignment> --zip <download>     an LMS bulk download into submitted/
    cvcourse export --format csv|canvas|moodle         the gradebook in an LMS's import columns
    cvcourse similarity <assignment> [--json] [--html PATH]   suspiciously alike submissions

Kept apart from ``cvcourse/cli.py`` so that module only registers them; each handler takes the
course and the parsed arguments and returns the exit status. Problems with the input are raised
as :class:`~cvcourse.grading.course.CourseError` (one line, exit status 2); a command that
processed part of its input reports each unusable item on its own line and exits with 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


def add_commands(commands: Any) -> None:
    """Register the subcommands on ``cvcourse``'s subparsers."""
    roster = commands.add_parser("roster", help="the class list: import a CSV into the gradebook")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    roster_import = roster_commands.add_parser(
        "import", help="add or update students (id, names, email, LMS id) from a CSV file"
    )
    roster_import.add_argument("csv", type=Path)

    collect = commands.add_parser(
        "collect", help="put an LMS bulk download (Canvas, Moodle) into submitted/"
    )
    collect.add_argument("assignment")
    collect.add_argument("--zip", type=Path, required=True, help="the LMS's bulk-download zip")
    collect.add_argument(
        "--replace",
        action="store_true",
        help="replace differing existing submissions (a copy goes to .cvcourse/replaced/)",
    )

    export = commands.add_parser("export", help="grades in the columns an LMS imports")
    export.add_argument("--format", choices=["csv", "canvas", "moodle"], default="csv")
    export.add_argument(
        "--assignment", action="append", help="only this assignment (repeatable; default: all)"
    )
    export.add_argument(
        "--output", type=Path, help="file to write (default: grades.csv / grades-<format>.csv)"
    )

    similarity = commands.add_parser(
        "similarity", help="pairs of submissions whose solution code is suspiciously alike"
    )
    similarity.add_argument("assignment")
    similarity.add_argument("--json", action="store_true", help="the ranking as JSON on stdout")
    similarity.add_argument("--html", type=Path, help="write the side-by-side report here")
    similarity.add_argument("--top", type=int, default=20, help="pairs to print (default 20)")
    similarity.add_argument(
        "--max-common",
        type=int,
        default=None,
        help="ignore code found in more submissions than this (default 10)",
    )


def _error(thing: str, problem: str) -> None:
    print(f"cvcourse: error: {thing}: {problem}", file=sys.stderr)


def _roster(course: Any, args: argparse.Namespace) -> int:
    from cvcourse.grading.roster import import_roster

    summary = import_roster(course, args.csv)
    print(
        f"roster: {len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged ({course.gradebook_path})"
    )
    return 0


def _collect(course: Any, args: argparse.Namespace) -> int:
    from cvcourse.grading.lms import collect_zip

    summary = collect_zip(course, args.assignment, args.zip, replace=args.replace)
    for student, notebook in summary.written:
        print(f"collected {student}/{args.assignment}/{notebook}.ipynb")
    for student, notebook in summary.replaced:
        print(f"replaced {student}/{args.assignment}/{notebook}.ipynb (old copy kept)")
    if summary.unchanged:
        print(f"unchanged: {len(summary.unchanged)} notebook(s) already collected")
    if summary.late:
        print(f"marked late by the LMS: {', '.join(summary.late)}")
    if summary.ignored:
        print(f"ignored (not notebooks): {len(summary.ignored)} file(s)")
    for entry, problem in summary.problems:
        _error(entry, problem)
    return EXIT_BAD_INPUT if summary.problems else 0


def _export(course: Any, args: argparse.Namespace) -> int:
    from cvcourse.grading.lms import default_output, export_grades, write_export

    text = export_grades(course, args.format, args.assignment)
    path = write_export(text, args.output or default_output(course, args.format))
    print(f"wrote {path} ({args.format})")
    return 0


def _similarity(course: Any, args: argparse.Namespace) -> int:
    from cvcourse.grading.course import CourseError
    from cvcourse.grading.similarity import MAX_COMMON, course_similarity, render_html, to_json

    if args.top < 1:
        raise CourseError("--top", f"must be at least 1, got {args.top}")
    max_common = MAX_COMMON if args.max_common is None else args.max_common
    if max_common < 2:
        raise CourseError("--max-common", f"must be at least 2, got {max_common}")
    if args.html is not None and not args.html.parent.is_dir():
        raise CourseError(args.html.parent, "no such folder")
    result = course_similarity(course, args.assignment, max_common=max_common)
    if args.json:
        print(to_json(result.pairs))
    else:
        for p in result.pairs[: args.top]:
            print(f"{p.score:5.2f}  {p.a}  {p.b}")
        if not result.pairs:
            print("no two submissions share any code beyond the release")
    if args.html is not None:
        tmp = args.html.with_name(f".{args.html.name}.tmp")
        tmp.write_text(render_html(result, args.assignment))
        tmp.replace(args.html)
        print(f"wrote {args.html}", file=sys.stderr if args.json else sys.stdout)
    for path, problem in result.unreadable:
        _error(path, problem)
    return EXIT_BAD_INPUT if result.unreadable else 0


COMMANDS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "roster": _roster,
    "collect": _collect,
    "export": _export,
    "similarity": _similarity,
}
