"""Static delegation scan: does a solution cell call what it should implement, or escape the rules?

The grader runs :func:`find_delegation` on the source of every solution cell of a submission, in
its own process, before judging. A non-empty answer fails the test cells of that function with the
first reason. The scan reads the code (``ast``), it never runs it, so nothing the student's code
does at run time can hide from it; code that does not parse is scanned with regular expressions.

What is refused, and why:

* ``torchvision`` (``ops``, ``models``, any of it), ``torch.ops.torchvision`` and ``cvcourse``:
  the assignment asks for the function, not a call to a library that has it;
* dynamic escapes that could reach those names without writing them: ``__import__``,
  ``importlib``, ``sys.modules``, ``exec``, ``eval``, ``compile``, ``getattr`` with a computed
  name, ``globals()``/``vars()``/``__builtins__``/``__dict__`` lookups;
* running other programs or reading files that are not the submission's: ``subprocess``,
  ``os.system``/``os.popen``/``os.exec*``/``os.spawn*``, ``ctypes``, ``open`` on an absolute path
  or one that climbs out with ``..``.

A plain ``import torch``, ``import numpy``, ``import math`` and their use are fine, except the
functions an assignment names for one graded function (its notebook's metadata
``cvcourse.forbidden_calls``, e.g. ``{"batchnorm2d_forward": ["torch.nn.functional.batch_norm"]}``):
torch itself has them, so the sandbox cannot hide them, and :func:`find_forbidden_calls` looks for
them by name in that function's cell.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence

FORBIDDEN_MODULES = {
    "torchvision": "the solution uses torchvision: implement the function yourself",
    "cvcourse": "the solution uses the course package cvcourse: implement the function yourself",
    "importlib": "the solution imports modules dynamically (importlib)",
    "subprocess": "the solution runs other programs (subprocess)",
    "ctypes": "the solution calls native code directly (ctypes)",
    "builtins": "the solution reaches into builtins",
    "__main__": "the solution reaches into the notebook's namespace (__main__)",
}
ESCAPE_CALLS = {
    "__import__": "the solution imports modules dynamically (__import__)",
    "exec": "the solution runs generated code (exec)",
    "eval": "the solution runs generated code (eval)",
    "compile": "the solution compiles generated code (compile)",
    "globals": "the solution looks names up dynamically (globals())",
    "vars": "the solution looks names up dynamically (vars())",
    "breakpoint": "the solution calls breakpoint()",
    "get_ipython": "the solution reaches into the kernel (get_ipython)",
}
OS_PROCESS_FUNCTIONS = re.compile(r"^(system|popen|exec\w*|spawn\w*|fork\w*|posix_spawn\w*|kill)$")
ESCAPE_ATTRIBUTES = {
    "__builtins__",
    "__dict__",
    "__globals__",
    "__subclasses__",
    "__code__",
    "user_ns",
    "user_global_ns",
}
# Magics that only time or plot; any other magic (%run, %load, %%writefile, ...) can define code.
HARMLESS_MAGICS = re.compile(r"^%{1,2}(time|timeit|matplotlib|config|who|whos|pwd)\b")
# Reasons whose effect cannot be tied to one function (they can change any name of the notebook).
DYNAMIC_MARKERS = (
    "dynamically",
    "generated code",
    "sys.modules",
    "interpreter internals",
    "builtins",
    "__main__",
    "get_ipython",
    "computed name",
    "native code",
    "IPython magics",
    "breakpoint",
)

_REGEX_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\btorchvision\b"), FORBIDDEN_MODULES["torchvision"]),
    (re.compile(r"\bcvcourse\b"), FORBIDDEN_MODULES["cvcourse"]),
    (re.compile(r"\bimportlib\b"), FORBIDDEN_MODULES["importlib"]),
    (re.compile(r"\bsubprocess\b"), FORBIDDEN_MODULES["subprocess"]),
    (re.compile(r"\bctypes\b"), FORBIDDEN_MODULES["ctypes"]),
    (re.compile(r"\b__import__\b"), ESCAPE_CALLS["__import__"]),
    (re.compile(r"\bsys\s*\.\s*modules\b"), "the solution reaches into sys.modules"),
    (re.compile(r"(?<![\w.])(exec|eval|compile)\s*\("), "the solution runs generated code"),
    (re.compile(r"\bos\s*\.\s*(system|popen|exec\w*|spawn\w*)\b"), "the solution runs programs"),
]


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _module_reason(module: str) -> str | None:
    top = module.split(".")[0]
    return FORBIDDEN_MODULES.get(top)


def _is_constant_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _outside_path(node: ast.AST) -> bool:
    """A literal path that is absolute, climbs out with ``..`` or starts at the home directory."""
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first is not None and _is_constant_str(first) and _outside_text(first.value)  # type: ignore[attr-defined]
    if isinstance(node, ast.BinOp):
        return _outside_path(node.left)
    return _is_constant_str(node) and _outside_text(node.value)  # type: ignore[attr-defined]


# The kernel's own view of itself holds nothing of the course: reading it costs no points.
HARMLESS_PREFIXES = ("/proc/", "/dev/", "/sys/")


def _outside_text(text: str) -> bool:
    if text.startswith(HARMLESS_PREFIXES) and ".." not in re.split(r"[/\\]", text):
        return False
    return text.startswith(("/", "~", "\\")) or ".." in re.split(r"[/\\]", text)


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.aliases: dict[str, str] = {}  # local name -> module it stands for

    def add(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    # imports ---------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if reason := _module_reason(alias.name):
                self.add(reason)
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and (reason := _module_reason(module)):
            self.add(reason)
        for alias in node.names:
            full = f"{module}.{alias.name}" if module else alias.name
            if reason := _module_reason(full):
                self.add(reason)
            if module == "sys" and alias.name == "modules":
                self.add("the solution reaches into sys.modules")
            if module == "os" and OS_PROCESS_FUNCTIONS.match(alias.name):
                self.add(f"the solution runs other programs (os.{alias.name})")
            self.aliases[alias.asname or alias.name] = full

    # names and attributes --------------------------------------------------------------------
    def _resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is not None:
            full = self._resolve(dotted)
            parts = full.split(".")
            if "torchvision" in parts:  # torch.ops.torchvision.nms, torch.classes.torchvision
                self.add(FORBIDDEN_MODULES["torchvision"])
            elif reason := _module_reason(full):
                self.add(reason)
            if full == "sys.modules" or full.startswith("sys.modules."):
                self.add("the solution reaches into sys.modules")
            if parts[0] == "os" and len(parts) == 2 and OS_PROCESS_FUNCTIONS.match(parts[1]):
                self.add(f"the solution runs other programs (os.{parts[1]})")
        if node.attr in ESCAPE_ATTRIBUTES:
            self.add(f"the solution reaches into interpreter internals ({node.attr})")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.add("the solution reaches into interpreter internals (__builtins__)")
        elif node.id in ESCAPE_CALLS:
            # a bare reference (``f = eval``) is as bad as a call
            self.add(ESCAPE_CALLS[node.id])
        full = self.aliases.get(node.id)
        if full is not None and (reason := _module_reason(full)):
            self.add(reason)

    def visit_Expr(self, node: ast.Expr) -> None:
        # A string statement is a docstring or a comment: mentioning torchvision there is fine.
        if not _is_constant_str(node.value):
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # A string naming a forbidden module is how dynamic lookups find it.
        if isinstance(node.value, str) and re.search(
            r"\b(torchvision|cvcourse)\b|^(importlib|subprocess|ctypes)$", node.value
        ):
            self.add(f"the solution names a forbidden module in a string ({node.value[:40]!r})")

    def _computed_lookup(self, node: ast.Call) -> bool:
        """``getattr(module, <not a literal>)`` or a name built from pieces: a hidden import."""
        target, name = node.args[0], node.args[1]
        if _is_constant_str(name):
            return False
        built = isinstance(name, ast.BinOp | ast.JoinedStr | ast.Call)
        on_module = isinstance(target, ast.Name) and target.id in self.aliases
        return built or on_module

    # calls -----------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in {"getattr", "setattr"} and len(node.args) >= 2 and self._computed_lookup(node):
            self.add(f"the solution looks attributes up by a computed name ({name})")
        if name == "open" and node.args and _outside_path(node.args[0]):
            self.add("the solution opens a file outside its own folder")
        dotted = _dotted(func)
        if dotted is not None:
            full = self._resolve(dotted)
            if full in {"io.open", "builtins.open", "os.open", "pathlib.Path"} and node.args:
                if _outside_path(node.args[0]):
                    self.add("the solution opens a file outside its own folder")
        self.generic_visit(node)


def _regex_scan(source: str) -> list[str]:
    reasons: list[str] = []
    for pattern, reason in _REGEX_RULES:
        if pattern.search(source) and reason not in reasons:
            reasons.append(reason)
    return reasons


def _ipython_to_python(source: str) -> str:
    """Blank IPython-only lines (magics, shell escapes) so that the rest parses."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            lines.append("")  # the regex pass still sees the original line below
        else:
            lines.append(line)
    return "\n".join(lines)


def find_delegation(source: str) -> list[str]:
    """Reasons why a solution cell's source delegates its work or escapes the rules; [] if clean.

    Args:
        source: the Python (IPython) source of one solution cell.

    Returns:
        Human-readable reasons, most specific first, without duplicates. Empty for code that only
        uses allowed libraries (``torch``, ``numpy``, ``math``, ...).
    """
    if not isinstance(source, str):
        raise ValueError(f"source must be a str, got {type(source).__name__}")
    reasons: list[str] = []
    for line in (ln.lstrip() for ln in source.splitlines()):
        if line.startswith("!"):
            reason = "the solution runs shell commands (!)"
        elif line.startswith("%") and not HARMLESS_MAGICS.match(line):
            reason = "the solution uses IPython magics that can run code (%)"
        else:
            continue
        if reason not in reasons:
            reasons.append(reason)
    try:
        tree = ast.parse(_ipython_to_python(source))
    except (SyntaxError, ValueError):
        # Code that does not parse fails its tests anyway; still name what it reaches for.
        return reasons + [r for r in _regex_scan(source) if r not in reasons]
    scanner = _Scanner()
    scanner.visit(tree)
    return reasons + [r for r in scanner.reasons if r not in reasons]


def find_forbidden_calls(source: str, dotted_names: Iterable[str]) -> list[str]:
    """Reasons why a cell reaches one of ``dotted_names`` (functions it must write itself).

    A name counts as reached when its last part (``batch_norm`` of
    ``torch.nn.functional.batch_norm``) appears as an attribute (``F.batch_norm``), an imported
    name (``from torch.nn.functional import batch_norm``) or a whole string (``getattr(F,
    "batch_norm")``). A student's own function or variable of that name is not an attribute or
    an import, so it is not refused. Code that does not parse is searched for ``.name``.

    Args:
        source: the Python (IPython) source of one cell.
        dotted_names: the forbidden functions, e.g. ``["torch.nn.functional.batch_norm"]``.

    Returns:
        ``"the solution uses <dotted name>: write it yourself"`` per name reached, in the order
        given.
    """
    wanted: dict[str, str] = {}  # last part -> the first dotted name given with it
    for name in dotted_names:
        wanted.setdefault(name.rsplit(".", 1)[-1], name)
    if not wanted:
        return []
    found: set[str] = set()
    try:
        tree = ast.parse(_ipython_to_python(source))
    except (SyntaxError, ValueError):
        found = {last for last in wanted if re.search(rf"\.\s*{re.escape(last)}\b", source)}
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in wanted:
                found.add(node.attr)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    last = alias.name.rsplit(".", 1)[-1]
                    if last in wanted:
                        found.add(last)
            elif isinstance(node, ast.Constant) and node.value in wanted:
                found.add(str(node.value))
    return [
        f"the solution uses {full}: write it yourself"
        for last, full in wanted.items()
        if last in found
    ]


# ----------------------------------------------------------------------------- attribution
def is_dynamic(reason: str) -> bool:
    """Does this reason describe an escape that can redefine any name (not just its cell's)?"""
    return any(marker in reason for marker in DYNAMIC_MARKERS)


def assigned_names(source: str) -> set[str]:
    """Names a cell defines, assigns, imports, or sets as an attribute (``mod.nms = ...``)."""
    try:
        tree = ast.parse(_ipython_to_python(source))
    except (SyntaxError, ValueError):
        return set(re.findall(r"\b(\w+)\s*=[^=]", source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.attr)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Call):
            names.update(k.arg for k in node.keywords if k.arg)  # globals().update(nms=...)
            if node.args and len(node.args) >= 2 and _is_constant_str(node.args[1]):
                names.add(node.args[1].value)  # type: ignore[attr-defined]  # setattr(m, "nms", f)
    return names


def findings_by_function(
    cells: list[tuple[str | None, str]],
    functions: list[str],
    forbidden_calls: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """Which graded functions each cell's findings count against.

    Args:
        cells: ``(grade_id, source)`` of every code cell the student wrote: solution cells with
            their grade_id, cells the student added with None.
        functions: grade_ids of the graded functions (the solution cells).
        forbidden_calls: function -> dotted names it must not use (:func:`find_forbidden_calls`),
            looked for in every cell that counts against that function.

    Returns:
        function -> reasons. A cell's findings count against its own function and every graded
        name it (re)defines; a dynamic escape (``exec``, ``globals()``, ``sys.modules``,
        ``__main__``, ``get_ipython``, ...) counts against every function, since it can replace
        any of them. An added cell that defines no graded name and has no dynamic escape (say
        ``import torchvision`` to look at a picture) counts against none.
    """
    findings: dict[str, list[str]] = {}
    forbidden_calls = forbidden_calls or {}
    for grade_id, source in cells:
        reasons = find_delegation(source)
        targets = {grade_id} & set(functions) if grade_id is not None else set()
        targets |= assigned_names(source) & set(functions)
        if any(is_dynamic(r) for r in reasons):
            targets = set(functions)
        for function in functions:
            if function not in targets:
                continue
            own = reasons + find_forbidden_calls(source, forbidden_calls.get(function, ()))
            if own:
                bucket = findings.setdefault(function, [])
                bucket.extend(r for r in own if r not in bucket)
    return findings
