"""``cvcourse similarity``: pairs of submissions whose solution code is suspiciously alike.

In the spirit of MOSS (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
fingerprinting", SIGMOD 2003):

1. **Normalise.** Each solution cell is cut into Python tokens; comments, docstrings, blank lines,
   indentation and spacing are dropped, every name the student binds (functions, arguments,
   variables, ``import ... as`` aliases) becomes ``V``, every string literal ``S``, and
   parentheses go (redundant ones are formatting, and a call still shows its name). Library
   names (``torch``, ``.clamp``) and numbers stay: they are what independent solutions differ
   in. Renaming variables, rewriting comments or reformatting therefore changes nothing.
2. **Fingerprint.** Hashes of every ``K`` consecutive tokens (a k-gram), within one cell, so that
   reordering cells or helpers keeps almost all of them; winnowing keeps the smallest hash of
   each window of ``W`` k-grams, which guarantees that any shared run of ``W + K - 1`` tokens is
   seen.
3. **Ignore what is not the student's.** Every k-gram of the released notebook (signatures,
   docstrings, given code, visible tests) is removed, and so is any fingerprint found in more
   than ``max_common`` submissions (code everybody writes; MOSS's ``-m``).
4. **Score** a pair by the fingerprints they share over those either has,
   ``|A ∩ B| / max(|A ∪ B|, MIN_FINGERPRINTS)`` (0..1; the floor keeps two nearly empty
   submissions from scoring 1).

The report lists pairs highest first; :func:`render_html` shows each pair's shared passages side
by side. A high score is a reason to read two submissions, not a verdict.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import html
import io
import json
import keyword
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cvcourse.grading.course import Course, CourseError

K = 10  # tokens per k-gram: about one short line of Python
W = 5  # winnowing window: shared runs of W + K - 1 = 14 tokens are always detected
MIN_FINGERPRINTS = 8
MAX_COMMON = 10  # a fingerprint in more submissions than this is common code (MOSS's -m 10)

_SKIP = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}
_KEEP_NAMES = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
_FALLBACK_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\"[^\"\n]*\"|'[^'\n]*'|\S")


@dataclass(frozen=True)
class Token:
    text: str  # the normalised token
    line: int  # 1-based line in its cell


@dataclass
class Document:
    """One student's solution code: the cells' sources and their normalised tokens."""

    student: str
    cells: list[str]
    tokens: list[list[Token]] = field(default_factory=list)
    # hash -> positions (cell index, first token) where a winnowed fingerprint starts
    prints: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float
    shared: int  # fingerprints in common


def bound_names(sources: list[str]) -> set[str]:
    """Names the code binds: its functions, classes, arguments, variables, ``as`` aliases.

    Plain ``import torch`` / ``from m import f`` bind library names, which stay as they are.
    """
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
            elif isinstance(node, ast.MatchAs) and node.name:
                names.add(node.name)
    return names - _KEEP_NAMES


def _raw_tokens(source: str) -> list[tuple[int, str, int]]:
    """(token type, text, line) of a cell; a cell Python cannot tokenize is cut by a regex."""
    try:
        return [
            (t.type, t.string, t.start[0])
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = []
        for number, line in enumerate(source.splitlines(), start=1):
            code = line.split("#", 1)[0]
            for match in _FALLBACK_TOKEN.finditer(code):
                text = match.group()
                kind = tokenize.NAME if text[0].isalpha() or text[0] == "_" else tokenize.OP
                if text[0] in "\"'":
                    kind = tokenize.STRING
                out.append((kind, text, number))
        return out


def normalise(source: str, bound: set[str]) -> list[Token]:
    """The cell's tokens, formatting, comments, docstrings and parentheses gone; names ``V``."""
    raw = _raw_tokens(source)
    tokens: list[Token] = []
    line_start = True  # at the start of a logical line (a string there is a docstring)
    previous = ""
    for i, (kind, text, line) in enumerate(raw):
        if kind in _SKIP:
            if kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                line_start = True
            continue
        if kind == tokenize.STRING and line_start:
            following = next((t for t in raw[i + 1 :] if t[0] != tokenize.COMMENT), None)
            if following is None or following[0] in (tokenize.NEWLINE, tokenize.ENDMARKER):
                continue  # a docstring or a bare string statement: prose, like a comment
        line_start = False
        if text in ("(", ")"):  # redundant parentheses are formatting; calls keep their names
            previous = text
            continue
        if kind == tokenize.NAME and text in bound and previous != ".":
            out = "V"
        elif kind == tokenize.STRING:
            out = "S"
        else:
            out = text
        tokens.append(Token(out, line))
        previous = text
    return tokens


def _hash(tokens: list[Token]) -> int:
    joined = "\x1f".join(t.text for t in tokens).encode()
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")


def kgram_hashes(tokens: list[Token], k: int = K) -> list[int]:
    return [_hash(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def winnow(hashes: list[int], w: int = W) -> list[int]:
    """Indices of the fingerprints winnowing keeps: the rightmost minimum of each window."""
    if len(hashes) <= w:
        return [min(range(len(hashes)), key=lambda i: (hashes[i], -i))] if hashes else []
    chosen: list[int] = []
    for start in range(len(hashes) - w + 1):
        window = range(start, start + w)
        best = min(window, key=lambda i: (hashes[i], -i))
        if not chosen or chosen[-1] != best:
            chosen.append(best)
    return chosen


def fingerprint(doc: Document) -> None:
    """Fill ``doc.tokens`` and ``doc.prints``."""
    bound = bound_names(doc.cells)
    doc.tokens = [normalise(cell, bound) for cell in doc.cells]
    prints: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for c, tokens in enumerate(doc.tokens):
        hashes = kgram_hashes(tokens)
        for i in winnow(hashes):
            prints[hashes[i]].append((c, i))
    doc.prints = dict(prints)


def release_hashes(cells: list[str]) -> set[int]:
    """Every k-gram hash of the released code (all of them, not only the winnowed ones)."""
    bound = bound_names(cells)
    return {h for cell in cells for h in kgram_hashes(normalise(cell, bound))}


def compare(
    submissions: dict[str, list[str]],
    release: list[str] | None = None,
    max_common: int = MAX_COMMON,
) -> tuple[list[Pair], dict[str, Document]]:
    """Every pair of submissions that shares a fingerprint, highest score first.

    Args:
        submissions: student -> the sources of their solution cells.
        release: sources of the released notebook's code cells (their k-grams are ignored).
        max_common: fingerprints in more submissions than this are ignored.

    Returns:
        (pairs, documents); pairs with nothing in common are left out.
    """
    ignored = release_hashes(release or [])
    docs = {}
    for student, cells in sorted(submissions.items()):
        doc = Document(student, list(cells))
        fingerprint(doc)
        doc.prints = {h: p for h, p in doc.prints.items() if h not in ignored}
        docs[student] = doc
    owners: dict[int, list[str]] = defaultdict(list)
    for student, doc in docs.items():
        for h in doc.prints:
            owners[h].append(student)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    common = {h for h, who in owners.items() if len(who) > max_common}
    for h, who in owners.items():
        if h in common:
            continue
        for i, a in enumerate(who):
            for b in who[i + 1 :]:
                shared[(a, b)] += 1
    sizes = {s: len(set(d.prints) - common) for s, d in docs.items()}
    pairs = []
    for (a, b), n in shared.items():
        union = sizes[a] + sizes[b] - n
        pairs.append(Pair(a, b, round(n / max(union, MIN_FINGERPRINTS), 4), n))
    for doc in docs.values():
        doc.prints = {h: p for h, p in doc.prints.items() if h not in common}
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs, docs


# ------------------------------------------------------------------------------ a course
def _code_cells(path: Path, solution_only: bool) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        # a student's own added cells carry no nbgrader metadata and are their work too
        if not solution_only or meta.get("solution") or not meta:
            cells.append(cell.source)
    return cells


@dataclass
class CourseSimilarity:
    pairs: list[Pair]
    documents: dict[str, Document]
    unreadable: list[tuple[str, str]]  # (path, problem)


def course_similarity(
    course: Course, assignment: str, max_common: int = MAX_COMMON
) -> CourseSimilarity:
    """:func:`compare` on the submissions of ``assignment`` (``submitted/*/<assignment>/``).

    Raises:
        CourseError: unknown assignment, not released, fewer than two readable submissions.
    """
    course.check_assignment(assignment)
    released = sorted((course.release / assignment).glob("*.ipynb"))
    if not released:
        raise CourseError(
            course.release / assignment, "no released notebook (run `cvcourse release` first)"
        )
    release = [src for path in released for src in _code_cells(path, solution_only=False)]
    submissions: dict[str, list[str]] = {}
    unreadable: list[tuple[str, str]] = []
    for student in course.students(assignment):
        cells: list[str] = []
        for path in released:
            mine = course.submitted / student / assignment / path.name
            if not mine.is_file() or mine.is_symlink():
                continue
            try:
                cells += _code_cells(mine, solution_only=True)
            except Exception as exc:  # any unreadable notebook: report it, compare the rest
                unreadable.append((str(mine), f"not a readable notebook ({type(exc).__name__})"))
        if cells:
            submissions[student] = cells
    if len(submissions) < 2:
        raise CourseError(
            assignment, f"{len(submissions)} readable submission(s): nothing to compare"
        )
    pairs, docs = compare(submissions, release, max_common=max_common)
    return CourseSimilarity(pairs, docs, unreadable)


def to_json(pairs: list[Pair]) -> str:
    return json.dumps([{"a": p.a, "b": p.b, "score": p.score} for p in pairs], indent=1)


# ------------------------------------------------------------------------------ HTML
@dataclass(frozen=True)
class Passage:
    a_cell: int
    a_lines: tuple[int, int]  # first and last line, 1-based
    b_cell: int
    b_lines: tuple[int, int]


def passages(a: Document, b: Document) -> list[Passage]:
    """Shared runs of code: consecutive shared fingerprints that follow each other in both."""
    matches = sorted(
        (pa, pb)
        for h, places in a.prints.items()
        if h in b.prints
        for pa in places[:1]
        for pb in b.prints[h][:1]
    )
    runs: list[list[tuple[tuple[int, int], tuple[int, int]]]] = []
    for pa, pb in matches:
        if runs:
            (la, lb) = runs[-1][-1]
            if (
                pa[0] == la[0]
                and pb[0] == lb[0]
                and 0 <= pa[1] - la[1] <= K + W
                and 0 <= pb[1] - lb[1] <= K + W
            ):
                runs[-1].append((pa, pb))
                continue
        runs.append([(pa, pb)])
    out = []
    for run in runs:
        (ca, sa), (cb, sb) = run[0]
        ea, eb = run[-1][0][1] + K - 1, run[-1][1][1] + K - 1
        ta, tb = a.tokens[ca], b.tokens[cb]
        out.append(
            Passage(
                ca,
                (ta[sa].line, ta[min(ea, len(ta) - 1)].line),
                cb,
                (tb[sb].line, tb[min(eb, len(tb) - 1)].line),
            )
        )
    return out


def _snippet(source: str, lines: tuple[int, int]) -> str:
    text = source.splitlines()[lines[0] - 1 : lines[1]]
    return html.escape("\n".join(text))


_STYLE = """
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
pre { margin: 0; font-size: 12px; background: #fff7d6; }
.score { text-align: right; }
"""


def render_html(
    result: CourseSimilarity, assignment: str, limit: int = 50, min_score: float = 0.2
) -> str:
    """A page: the ranking, then each pair above ``min_score`` with its shared passages.

    Everything a student wrote (code, ids) is escaped: the page is safe to open.
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Similarity: {e(assignment)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Similarity of the submissions of {e(assignment)}</h1>",
        "<p>Scores compare solution cells after names, comments and formatting are normalised "
        "and the released code is removed (0: nothing shared, 1: the same code). "
        "A high score is a reason to read both submissions, not a verdict.</p>",
        "<table><tr><th>#</th><th>student</th><th>student</th><th>score</th></tr>",
    ]
    shown = [p for p in result.pairs[:limit] if p.score >= min_score]
    for i, p in enumerate(result.pairs[:limit]):
        link = f"<a href='#pair{i}'>{i + 1}</a>" if p in shown else str(i + 1)
        parts.append(
            f"<tr><td>{link}</td><td>{e(p.a)}</td><td>{e(p.b)}</td>"
            f"<td class='score'>{p.score:.2f}</td></tr>"
        )
    parts.append("</table>")
    for i, p in enumerate(result.pairs[:limit]):
        if p not in shown:
            continue
        a, b = result.documents[p.a], result.documents[p.b]
        parts.append(f"<h2 id='pair{i}'>{e(p.a)} and {e(p.b)}: {p.score:.2f}</h2>")
        parts.append(f"<table><tr><th>{e(p.a)}</th><th>{e(p.b)}</th></tr>")
        for passage in passages(a, b):
            parts.append(
                f"<tr><td>cell {passage.a_cell + 1}, lines {passage.a_lines[0]}-"
                f"{passage.a_lines[1]}<pre>{_snippet(a.cells[passage.a_cell], passage.a_lines)}"
                f"</pre></td><td>cell {passage.b_cell + 1}, lines {passage.b_lines[0]}-"
                f"{passage.b_lines[1]}<pre>{_snippet(b.cells[passage.b_cell], passage.b_lines)}"
                "</pre></td></tr>"
            )
        parts.append("</table>")
    if result.unreadable:
        parts.append("<h2>Not compared</h2><ul>")
        parts += [f"<li>{e(path)}: {e(problem)}</li>" for path, problem in result.unreadable]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
