"""``cvcourse``: the instructor's command, wrapping nbgrader for this course.

    cvcourse release <assignment>              student version, checked to leak nothing
    cvcourse grade <assignment> [--student ID]  autograde new or changed submissions (sandboxed,
                                                parallel), feedback, CSV; --force: all again
    cvcourse report <assignment> [--format F]   points per student and test, reason of each loss
    cvcourse gradebook backups|restore [NAME]   the gradebook's backups (one before every run)
    cvcourse check <notebook>                   a student's check: visible checks that pass
    cvcourse roster import | collect | export | similarity   the LMS in and out, copied work
                                                (see cvcourse/grading/lms_cli.py)

Bad input (a wrong name, a missing or corrupt file, a corrupt gradebook) is answered with one line
``cvcourse: error: <thing>: <problem>`` on stderr and exit status 2; nothing graded is lost.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

EXIT_BAD_INPUT = 2
EXIT_GRADER_FAULT = 3  # the grader itself failed: nothing of it reached the gradebook
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(EXIT_BAD_INPUT, f"cvcourse: error: {message} (see `cvcourse --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cvcourse", description="Release, grade and report cvcourse assignments.")
    parser.add_argument(
        "--course",
        type=Path,
        default=None,
        help="course root (default: assignments/ of the repository around the current directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    release = commands.add_parser("release", help="nbgrader generate_assignment + leak check")
    release.add_argument("assignment")

    grade = commands.add_parser(
        "grade", help="autograde submissions, generate feedback, export CSV"
    )
    grade.add_argument("assignment")
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument(
        "--workers",
        type=int,
        help="submissions graded at once (default: half the cores; 1: one lane, no Dask)",
    )
    grade.add_argument("--scheduler", help="address of an existing Dask scheduler")
    grade.add_argument(
        "--unsafe", action="store_true", help="run student code without the bubblewrap sandbox"
    )
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default: fresh)")
    grade.add_argument("--timeout", type=float, help="seconds per cell (default: course config)")
    grade.add_argument("--no-feedback", action="store_true", help="skip generate_feedback")
    grade.add_argument(
        "--force",
        action="store_true",
        help="grade again submissions already graded (default: only new or changed ones), "
        "dropping the formgrader's manual scores and comments of the students it grades",
    )
    limits = grade.add_argument_group("sandbox limits (default: c.SandboxExecutor.* in the config)")
    limits.add_argument("--memory-mb", type=int, metavar="MB", help="memory of the whole sandbox")
    limits.add_argument("--max-procs", type=int, metavar="N", help="processes and threads")
    limits.add_argument("--max-file-mb", type=int, metavar="MB", help="largest file written")
    limits.add_argument(
        "--notebook-timeout", type=float, metavar="S", help="seconds the whole notebook may run"
    )

    report = commands.add_parser("report", help="table per student and test with reasons")
    report.add_argument("assignment")
    report.add_argument("--format", choices=["text", "csv", "json"], default="text")

    from cvcourse.grading import lms_cli  # roster import, collect, export, similarity

    lms_cli.add_commands(commands)
    _add_term_commands(commands)
    return parser


# --------------------------------------------------------------------- term: regrades, check
def _add_term_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    gradebook = commands.add_parser(
        "gradebook", help="the gradebook's backups (one is taken before every grading run)"
    )
    actions = gradebook.add_subparsers(dest="action", required=True, parser_class=_Parser)
    actions.add_parser("backups", help="list the backups, oldest first")
    restore = actions.add_parser("restore", help="put a backup back (default: the newest)")
    restore.add_argument("backup", nargs="?", help="a backup's name or a unique prefix of it")
    check = commands.add_parser(
        "check", help="a student's check: run a notebook, count its visible checks that pass"
    )
    check.add_argument("notebook", type=Path)
    check.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")


def _check(args: argparse.Namespace) -> int:
    """Exit 0 when every visible check passes, 1 when some fail (2: bad input)."""
    from cvcourse.grading.check import run_in_kernel

    path: Path = args.notebook
    if not path.is_file():
        raise _BadValue(str(path), "no such notebook")
    try:
        summary, text = run_in_kernel(path, timeout=args.timeout)
    except ValueError as exc:
        raise _BadValue(str(path), str(exc)) from None
    print(text)
    return 0 if not summary.failed_cells else 1


def _gradebook(course: object, args: argparse.Namespace) -> int:
    from cvcourse.grading import backups

    if args.action == "backups":
        found = backups.list_backups(course)  # type: ignore[arg-type]
        for path in found:
            print(path.name)
        if not found:
            print("no backups yet (`cvcourse grade` takes one before every run)")
        return 0
    restored, before = backups.restore(course, args.backup)  # type: ignore[arg-type]
    print(f"restored the gradebook and results of {restored.name}")
    if before is not None:
        print(f"the state it replaced is backed up as {before.name}")
    return 0


def _print_regrade_notes(summary: object) -> None:
    manual_kept, dropped = summary.manual_kept, summary.manual_dropped  # type: ignore[attr-defined]
    if summary.backup is not None:  # type: ignore[attr-defined]
        print(f"gradebook backed up: {summary.backup.name} (`cvcourse gradebook restore`)")  # type: ignore[attr-defined]
    if manual_kept is not None and (manual_kept.scores or manual_kept.comments):
        print(
            f"kept {manual_kept.scores} manual score(s) and {manual_kept.comments} comment(s) "
            "from formgrader (--force drops them)"
        )
    if dropped is not None and (dropped.scores or dropped.comments):
        print(
            f"dropped {dropped.scores} manual score(s) and {dropped.comments} comment(s) "
            "(--force); the backup above still has them"
        )


# --------------------------------------------------------------------- end of term commands


def _release(course: object, args: argparse.Namespace) -> int:
    from cvcourse.grading.release import release

    for path in release(course, args.assignment):  # type: ignore[arg-type]
        print(f"released {path} (no solution, no hidden test)")
    return 0


def _grade(course: object, args: argparse.Namespace) -> int:
    from cvcourse.grading.autograde import GradeOptions, default_workers, grade

    if args.workers is not None and args.workers < 1:
        raise _BadValue("--workers", f"must be at least 1, got {args.workers}")
    options = GradeOptions(
        students=args.student,
        workers=args.workers if args.workers is not None else default_workers(),
        scheduler=args.scheduler,
        unsafe=args.unsafe,
        seed=args.seed,
        timeout=args.timeout,
        feedback=not args.no_feedback,
        force=args.force,
        sandbox_limits={
            "memory_mb": args.memory_mb,
            "max_procs": args.max_procs,
            "max_file_mb": args.max_file_mb,
            "notebook_timeout": args.notebook_timeout,
        },
    )
    options.progress = _progress_bar()
    summary = grade(course, args.assignment, options)  # type: ignore[arg-type]
    for result in summary.graded:
        note = f"  ({result.note})" if result.note else ""
        print(
            f"{result.student}: {result.score:g} / {result.max_score:g}"
            f"  [{result.execute_seconds:.1f} s]{note}"
        )
    for result in summary.skipped:
        print(f"cvcourse: error: {result.student!r}: {result.problem}", file=sys.stderr)
    if summary.unchanged:
        print(
            f"already graded, unchanged since: {len(summary.unchanged)} submission(s) "
            "(--force grades them again)"
        )
    print(
        f"graded {len(summary.graded)} submission(s) of {summary.assignment} in "
        f"{summary.total_seconds:.1f} s "
        f"(preflight {summary.preflight_seconds:.1f} s, seed {summary.seed})"
    )
    if summary.grades_csv is not None:
        print(f"grades: {summary.grades_csv}")
    _print_regrade_notes(summary)
    if summary.interrupted:
        print(
            "cvcourse: error: interrupted; the grades saved so far are kept, and the same "
            "command grades the rest",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if summary.grader_faults:
        first = summary.grader_faults[0]
        print(
            f"cvcourse: error: the grader failed on {len(summary.grader_faults)} submission(s), "
            f"whose earlier grades were kept; first {first.student!r}: {first.problem}",
            file=sys.stderr,
        )
        return EXIT_GRADER_FAULT
    return EXIT_BAD_INPUT if summary.skipped else 0


def _progress_bar() -> Callable[[object], None]:
    """A bar over submissions on stderr (after the preflight); results print when it is done."""
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(event: object) -> None:
        if isinstance(event, int):
            bar["it"] = tqdm(total=event, unit="submission", file=sys.stderr, leave=False)
        elif "it" in bar:
            bar["it"].update(1)
            if bar["it"].n >= bar["it"].total:
                bar["it"].close()

    return update


def _report(course: object, args: argparse.Namespace) -> int:
    from cvcourse.grading.report import collect, render

    print(render(collect(course, args.assignment), args.format))  # type: ignore[arg-type]
    return 0


class _BadValue(Exception):
    def __init__(self, thing: str, problem: str) -> None:
        super().__init__(f"{thing}: {problem}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cvcourse`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    from cvcourse.grading.course import Course, CourseError

    try:
        if args.command == "check":  # a student's command: no course needed
            return _check(args)
        course = Course.open(args.course)
        from cvcourse.grading.lms_cli import COMMANDS as LMS_COMMANDS

        command = {
            "release": _release,
            "grade": _grade,
            "report": _report,
            "gradebook": _gradebook,
            **LMS_COMMANDS,
        }[args.command]
        return command(course, args)
    except (CourseError, _BadValue) as exc:
        print(f"cvcourse: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `cvcourse report ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("cvcourse: error: interrupted (grades saved so far are kept)", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
