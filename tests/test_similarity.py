"""`cvcourse similarity`: planted copies (renamed variables, reordered helpers, changed comments,
reformatted) rank above every pair of independent solutions. The independent solutions are the
catalogued alternatives of every assignment (`tests/assignments/*/alternatives/`), written by
different hands in different styles; the copies are made from some of them by the disguises a
student would use. Then the command on a released toy course: the release is ignored, `--json`
and `--html` give the ranking and the shared passages, bad input gets one line and exit 2."""

from __future__ import annotations

import ast
import io
import json
import shutil
import tokenize
from pathlib import Path

import nbformat
import pytest

from cvcourse.cli import main
from cvcourse.grading.similarity import bound_names, compare, normalise
from cvcourse.grading.submissions import load_catalogue
from tests.toy_course import toy_course

ROOT = Path(__file__).resolve().parents[1]
PLANTED_FROM = [  # alternatives with helpers to reorder and names to rename
    "a3_boxes/nms_python_loop",
    "a4_map/python_loops",
    "a5_yolo_roi/roi_grid_sample",
    "a6_segmentation/unet_recursive_where_focal",
]


def _independent() -> dict[str, list[str]]:
    solutions = {}
    for folder in sorted((ROOT / "tests" / "assignments").glob("*/alternatives")):
        for entry in load_catalogue(folder):
            solutions[f"{folder.parent.name}/{entry.id}"] = list(entry.cells.values())
    return solutions


def rename(source: str, names: set[str]) -> str:
    """Every bound name replaced by another (attribute names after a dot stay), respaced."""
    out, previous = [], ""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.NAME and text in names and previous != ".":
            text = f"my_{text[::-1]}_x"
        out.append((tok.type, text))
        previous = tok.string
    return tokenize.untokenize(out)


def reorder_and_recomment(source: str) -> str:
    """Top-level functions in reverse order, comments and docstrings replaced by new ones."""
    tree = ast.parse(source)
    head = [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)][::-1]
    for function in functions:
        body = function.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body.pop(0)  # the docstring goes
        body.insert(0, ast.Expr(ast.Constant(f"My own {function.name}, written by me.")))
    lines = []
    for number, line in enumerate(ast.unparse(ast.Module(head + functions, [])).splitlines()):
        indent = line[: len(line) - len(line.lstrip())]
        if number % 3 == 1 and line.strip():
            lines.append(f"{indent}# step {number}: see the lecture notes")
        lines.append(line + ("  # fine" if number % 4 == 2 else ""))
    return "\n".join(lines) + "\n"


def _planted(cells: list[str], how: str) -> list[str]:
    names = bound_names(cells)
    if how == "renamed":
        return [rename(cell, names) for cell in cells]
    if how == "reordered":
        return [reorder_and_recomment(cell) for cell in cells][::-1]
    return [reorder_and_recomment(rename(cell, names)) for cell in cells]  # all of it


def test_normalising_removes_names_comments_and_formatting() -> None:
    a = "def area(b):\n    '''Area.'''\n    w = b[:, 2] - b[:, 0]  # width\n    return w * 2\n"
    b = "def f(x):\n\n    # the width first\n    q = x[ :,2]-x[:,0]\n    return q*2\n"
    texts = [[t.text for t in normalise(s, bound_names([s]))] for s in (a, b)]
    assert texts[0] == texts[1]
    assert texts[0][:4] == ["def", "V", "V", ":"]
    # redundant parentheses are formatting too
    assert [t.text for t in normalise("x = (a + b)", set())] == ["x", "=", "a", "+", "b"]
    # library names and attributes stay: they are what independent solutions differ in
    c = "def area(b):\n    return torch.clamp(b, min=0).prod(1)\n"
    assert "clamp" in [t.text for t in normalise(c, bound_names([c]))]


def test_planted_copies_rank_above_independent_solutions() -> None:
    solutions = _independent()
    assert len(solutions) >= 15  # the catalogued alternatives of five assignments
    planted = {}
    for original in PLANTED_FROM:
        for how in ("renamed", "reordered", "disguised"):
            copy = _planted(solutions[original], how)
            assert copy != solutions[original]
            planted[f"{original}~{how}"] = copy
    pairs, _ = compare({**solutions, **planted})
    copied = {
        frozenset((a, b))
        for a in [*solutions, *planted]
        for b in [*solutions, *planted]
        if a != b and a.split("~")[0] == b.split("~")[0]
    }
    scores = {frozenset((p.a, p.b)): p.score for p in pairs}
    lowest_copy = min(scores.get(pair, 0.0) for pair in copied)
    highest_independent = max(s for pair, s in scores.items() if pair not in copied)
    assert lowest_copy >= 0.8, sorted((scores.get(p, 0.0), sorted(p)) for p in copied)[:3]
    assert highest_independent <= 0.25
    # ranked: every planted pair comes before every independent pair
    assert {frozenset((p.a, p.b)) for p in pairs[: len(copied)]} == copied
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_release_code_and_common_code_are_ignored() -> None:
    given = "def box_area(boxes):\n    '''Areas.'''\n    widths = boxes[:, 2] - boxes[:, 0]\n"
    student = given + "    heights = boxes[:, 3] - boxes[:, 1]\n    return widths * heights\n"
    other = given + "    return widths * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)\n"
    with_release, _ = compare({"a": [student], "b": [other]}, release=[given])
    without_release, _ = compare({"a": [student], "b": [other]})
    assert without_release[0].score > (with_release[0].score if with_release else 0.0)
    # the same solution in 3 submissions is common code when at most 2 may share it
    same = {s: [student] for s in "xyz"}
    assert compare(same)[0][0].score == 1.0
    assert compare(same, max_common=2)[0] == []


# ----------------------------------------------------------------------------- the command
INDEPENDENT = {
    "ann": "def box_area(boxes):\n    w = boxes[:, 2] - boxes[:, 0]\n    h = boxes[:, 3] - boxes[:, 1]\n    return w * h\n",  # noqa: E501
    "ben": "import torch\n\ndef box_area(boxes):\n    lo, hi = boxes[:, :2], boxes[:, 2:]\n    return torch.prod(hi - lo, dim=1)\n",  # noqa: E501
    "cat": "def box_area(b):\n    out = []\n    for x1, y1, x2, y2 in b.tolist():\n        out.append((x2 - x1) * (y2 - y1))\n    return b.new_tensor(out)\n",  # noqa: E501
}
# ann's code with other names, other comments, other spacing
COPY = "def box_area(bx):\n    # widths <script>alert(1)</script>\n    ww = bx[:,2]-bx[:,0]\n\n    hh = bx[:,3] - bx[:,1]  # heights\n    return ww*hh\n"  # noqa: E501


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy_course(tmp_path_factory.mktemp("similarity") / "course")


def _submit(course: Path, student: str, body: str) -> None:
    nb = nbformat.read(course / "release" / "toy" / "toy.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = body
    folder = course / "submitted" / student / "toy"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "toy.ipynb")


@pytest.fixture
def course(released: Path, tmp_path: Path) -> Path:
    root = Path(shutil.copytree(released, tmp_path / "course"))
    for student, body in INDEPENDENT.items():
        _submit(root, student, body)
    _submit(root, "zed", COPY)
    untouched = nbformat.read(root / "release" / "toy" / "toy.ipynb", 4)
    (root / "submitted" / "rel" / "toy").mkdir(parents=True)
    nbformat.write(untouched, root / "submitted" / "rel" / "toy" / "toy.ipynb")  # the release
    return root


def test_command_ranks_the_copy_first(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "similarity.html"
    assert main(["--course", str(course), "similarity", "toy", "--json", "--html", str(page)]) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking[0]["a"] == "ann" and ranking[0]["b"] == "zed" and ranking[0]["score"] == 1.0
    assert all(set(entry) == {"a", "b", "score"} for entry in ranking)
    assert all(entry["score"] < 0.5 for entry in ranking[1:])
    assert all("rel" not in (entry["a"], entry["b"]) for entry in ranking)  # only the release
    html = page.read_text()
    assert "ann and zed: 1.00" in html
    assert "ww = bx[:,2]-bx[:,0]" in html and "w = boxes[:, 2] - boxes[:, 0]" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # student text is escaped
    assert main(["--course", str(course), "similarity", "toy"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["1.00", "ann", "zed"]


def test_command_refuses_bad_input(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = ["--course", str(course), "similarity"]
    assert main([*run, "a9"]) == 2
    assert "a9: unknown assignment (valid: toy)" in capsys.readouterr().err
    assert main([*run, "toy", "--html", str(tmp_path / "no" / "page.html")]) == 2
    assert "no: no such folder" in capsys.readouterr().err
    assert main([*run, "toy", "--max-common", "1"]) == 2
    assert "--max-common: must be at least 2" in capsys.readouterr().err
    broken = course / "submitted" / "ben" / "toy" / "toy.ipynb"
    broken.write_text("not a notebook")
    assert main([*run, "toy", "--json"]) == 2  # reported; the others are still compared
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["b"] == "zed"
    assert err.strip().splitlines() == [
        f"cvcourse: error: {broken}: not a readable notebook (NotJSONError)"
    ]
    shutil.rmtree(course / "release")
    assert main([*run, "toy"]) == 2
    assert "no released notebook" in capsys.readouterr().err


def test_command_needs_two_submissions(
    released: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(shutil.copytree(released, tmp_path / "course"))
    _submit(root, "ann", INDEPENDENT["ann"])
    assert main(["--course", str(root), "similarity", "toy"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cvcourse: error: toy: 1 readable submission(s): nothing to compare"]
