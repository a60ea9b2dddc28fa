"""The student's side of grading: a plain Python process that runs the student's cells and calls.

It is started inside the sandbox as ``python student_kernel.py`` (without the ``cvcourse``
package, which the sandbox does not contain: :mod:`wire` sits beside this file), imports torch and
IPython before any submission arrives (a warm kernel), then answers requests from the grader, one
frame each way (see :mod:`cvcourse.grading.wire`):

* ``{"op": "files", "files": [[path, base64], ...]}``: write the submission's other files into
  the working directory (a size-limited tmpfs);
* ``{"op": "run", "source": ...}``: run one of the student's cells with IPython (magics work),
  returning whether it raised and what it printed (bounded);
* ``{"op": "call", "name" | "handle", "attr", "args", "kwargs"}``: call a function of the
  notebook (or a method of an object kept here) on decoded inputs; return the encoded result and
  the tensor arguments as they are after the call (so the grader sees any mutation); with
  ``"digest": true`` (timed calls) only a :func:`digest` of the result;
* ``{"op": "put", "value": [...]}``: keep values here (a timed call's inputs, sent once) and
  return their handles; ``{"op": "drop", "handles": [...]}`` forgets them;
* ``{"op": "exit"}``.

Nothing of the tests ever reaches this process: no expected value, reference, hidden test source
or seed, only the inputs of each call. Its own stdin, stdout and stderr point at ``/dev/null``;
the protocol runs on private duplicates of the pipes, so printing cannot corrupt it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wire import (  # noqa: E402 (this file runs without the cvcourse package)
    WireClosed,
    WireError,
    decode,
    digest,
    encode,
    read_frame,
    write_frame,
)

MAX_REQUEST_BYTES = 512 * 1024 * 1024  # the grader is trusted; this only bounds a broken pipe
MAX_PRINTED = 64 * 1024  # characters of a cell's printed output returned to the grader


class _Bounded(io.TextIOBase):
    """A text stream that keeps the first ``MAX_PRINTED`` characters written to it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < MAX_PRINTED:
            piece = str(text)[: MAX_PRINTED - self.size]
            self.parts.append(piece)
            self.size += len(piece)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def _error(exc: BaseException) -> dict[str, str]:
    try:
        text = str(exc)
    except BaseException:  # a student's exception whose __str__ raises
        text = ""
    return {"ename": type(exc).__name__[:100], "evalue": text[:2000]}


class Kernel:
    """The request loop: the notebook's namespace lives in an IPython shell."""

    def __init__(self) -> None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # nothing of earlier inputs is kept anywhere
        config.InteractiveShell.colors = "NoColor"
        config.InteractiveShell.xmode = "Plain"
        self.shell = InteractiveShell.instance(config=config)
        self.handles: dict[int, Any] = {}

    def keep(self, obj: Any) -> int:
        handle = len(self.handles) + 1
        self.handles[handle] = obj
        return handle

    def resolve(self, handle: int, type_name: str) -> Any:
        if handle not in self.handles:
            raise WireError(f"no object {handle} in this kernel")
        return self.handles[handle]

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "files":
            return self.files(request["files"])
        if op == "run":
            return self.run(str(request["source"]))
        if op == "call":
            return self.call(request)
        if op == "put":
            return self.put(request)
        if op == "drop":
            for handle in request.get("handles", []):
                self.handles.pop(int(handle), None)
            return {"ok": True}
        return {"ok": False, "error": {"ename": "ProtocolError", "evalue": f"unknown op {op!r}"}}

    def files(self, files: list[list[str]]) -> dict[str, Any]:
        here = Path.cwd()
        for relative, data in files:
            target = (here / relative).resolve()
            if here not in target.parents:
                continue  # the grader sends relative paths inside the folder only
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
        return {"ok": True}

    def run(self, source: str) -> dict[str, Any]:
        printed = _Bounded()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                result = self.shell.run_cell(source, store_history=False)
                failure = result.error_before_exec or result.error_in_exec
            except BaseException as exc:  # SystemExit and friends raised past IPython
                failure = exc
        reply: dict[str, Any] = {"ok": failure is None, "printed": printed.getvalue()}
        if failure is not None:
            reply["error"] = _error(failure)
        return reply

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        printed = _Bounded()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                if "handle" in request:
                    target = self.resolve(int(request["handle"]), "")
                else:
                    name = str(request["name"])
                    if name not in self.shell.user_ns:
                        raise NameError(f"name {name!r} is not defined in the notebook")
                    target = self.shell.user_ns[name]
                if request.get("attr"):
                    target = getattr(target, str(request["attr"]))
                args = decode(request.get("args", {"t": "list", "items": []}), self.resolve)
                kwargs = decode(request.get("kwargs", {"t": "dict", "items": []}), self.resolve)
                value = target(*args, **kwargs) if request.get("invoke", True) else target
                if request.get("digest"):  # a timed call: only a few numbers travel back
                    reply = {"ok": True, "value": encode(digest(value))}
                else:
                    reply = {"ok": True, "value": encode(value, self.keep)}
                    # The arguments as they are now: the grader checks that inputs were not
                    # modified.
                    reply["args"] = encode(list(args), self.keep)
                    reply["kwargs"] = encode(kwargs, self.keep)
            except BaseException as exc:  # whatever the student's code raises is its result
                reply = {"ok": False, "error": _error(exc)}
        reply["printed"] = printed.getvalue()
        return reply

    def put(self, request: dict[str, Any]) -> dict[str, Any]:
        """Keep values here (inputs of timed calls, sent once); reply with their handles."""
        try:
            values = decode(request.get("value", {"t": "list", "items": []}), self.resolve)
            if not isinstance(values, list):
                raise WireError("put takes a list")
            kept = [{"t": "handle", "id": self.keep(v), "type": type(v).__name__} for v in values]
            return {"ok": True, "value": {"t": "list", "items": kept}}
        except BaseException as exc:
            return {"ok": False, "error": _error(exc)}


def main() -> None:
    requests, replies = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdout = sys.stderr = io.TextIOWrapper(io.FileIO(null, "w", closefd=False))
    import torch  # warm: the expensive import happens before any submission arrives

    torch.set_num_threads(1)
    kernel = Kernel()
    write_frame(replies, {"ok": True, "ready": True, "pid": os.getpid()})
    while True:
        try:
            request = read_frame(requests, MAX_REQUEST_BYTES)
        except WireClosed:
            return
        if request.get("op") == "exit":
            return
        try:
            reply = kernel.handle(request)
        except BaseException as exc:
            reply = {"ok": False, "error": _error(exc)}
        try:
            write_frame(replies, reply)
        except ValueError:  # a float the student made that JSON refuses: report, don't die
            write_frame(replies, {"ok": False, "error": {"ename": "EncodingError", "evalue": ""}})


if __name__ == "__main__":
    main()
