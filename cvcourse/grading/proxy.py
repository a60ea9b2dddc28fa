"""The student's functions, as the grader's test cells see them: proxies into the student's kernel.

Test cells run in the grader's own (trusted) process. There, each graded name (``box_iou``,
``UNet``...) is a :class:`StudentFunction`: calling it sends the inputs, as data, to the sandboxed
kernel that ran the student's cells, calls the student's function there and brings the result
back as data (tensors rebuilt from their bytes), so the test compares plain values it made itself
with references that never leave this process. An object that is not data (a student's
``nn.Module``) comes back as a :class:`RemoteObject` that is driven the same way.

A call behaves like a local one: tensor arguments the student's code modified in place are
modified here too (tests see mutation as they would locally), and anything the student's code
raises, or a kernel that dies or runs out of time, raises :class:`StudentError` with one line
that says what happened. After the kernel dies it is started again, given the submission's files
and the student's cells so far (except one that killed it), so one function that crashes costs
only its own tests and those of functions that call it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from cvcourse.grading.sandbox import KernelDied, KernelStartError, KernelTimeout, StudentKernel
from cvcourse.grading.wire import WireError, clean_text, decode, encode

# Each test cell stops at its first failed call, so a function that kills its kernel every time
# costs at most one restart per test cell; the notebook's time limit bounds the rest.
MAX_RESTARTS = 16


class StudentError(Exception):
    """The student's code failed when a test called it; the message is the reason, one line."""


class StudentTimeout(StudentError, TimeoutError):
    """A call of the student's code ran past its time limit (its kernel was stopped)."""


class GraderError(Exception):
    """The grader could not do its part (a kernel would not start): never the student's fault."""


class StudentSession:
    """The student's kernel for one submission: its cells so far, and calls into it.

    Args:
        start_kernel: makes a new (warm) kernel; called again after the kernel died.
        files: the submission's other files, sent to each new kernel.
        timeout: seconds one cell or one call may run.
        deadline: ``time.monotonic()`` after which nothing more runs (the notebook's time limit).
    """

    def __init__(
        self,
        start_kernel: Callable[[], StudentKernel],
        files: dict[str, bytes],
        timeout: float,
        deadline: float,
    ) -> None:
        self.start_kernel, self.files = start_kernel, files
        self.timeout, self.deadline = timeout, deadline
        self.kernel: StudentKernel | None = None
        self._prepared = False
        self.cells: list[str] = []  # the student's cells that ran, replayed after a restart
        self.restarts = 0
        self.generation = 0  # bumped at each restart: objects of an older kernel are gone
        self.deaths: list[str] = []

    # -- the kernel
    def _live_kernel(self) -> StudentKernel:
        """The kernel, ready, with the files and the cells so far (started again if it died)."""
        if self.kernel is not None and self.kernel.alive and self._prepared:
            return self.kernel
        if self._prepared:  # it ran and died: start again, unless it keeps dying
            if self.restarts >= MAX_RESTARTS:
                raise StudentError(
                    f"the notebook's kernel stopped {self.restarts + 1} times; later checks "
                    f"were not run (last: {self.deaths[-1] if self.deaths else 'unknown'})"
                )
            self.restarts += 1
            self.generation += 1
            self.kernel = None
        try:
            kernel = self.kernel or self.start_kernel()
            self.kernel = kernel
            kernel.wait_ready()
            if self.files:
                kernel.send_files(self.files, timeout=max(self.timeout, 30.0))
        except (KernelStartError, KernelDied) as exc:
            raise GraderError(f"the student's kernel could not be prepared: {exc}") from exc
        self._prepared = True
        for source in self.cells:  # bring a new kernel to where the old one was
            self._request(kernel, {"op": "run", "source": source}, replay=True)
        return kernel

    def _left(self, limit: float | None = None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise StudentError("the notebook ran out of time; later checks were not run")
        return min(self.timeout, left, limit if limit is not None else self.timeout)

    def _request(
        self,
        kernel: StudentKernel,
        message: dict[str, Any],
        replay: bool = False,
        limit: float | None = None,
    ) -> dict[str, Any]:
        try:
            return kernel.request(message, self._left(limit))
        except KernelDied as exc:
            self.deaths.append(str(exc))
            what = "replaying the notebook's cells" if replay else "this call"
            error = StudentTimeout if isinstance(exc, KernelTimeout) else StudentError
            raise error(f"the kernel {exc} during {what}") from None

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.close()

    # -- cells and calls
    def run_cell(self, source: str) -> dict[str, Any]:
        """Run one of the student's cells; returns ``ok``, ``printed`` and maybe ``error``."""
        kernel = self._live_kernel()
        reply = self._request(kernel, {"op": "run", "source": source})
        # Replayed after a restart; a cell that killed its kernel is not, or it would kill every
        # new kernel too (its definitions never existed anyway).
        self.cells.append(source)
        return {
            "ok": bool(reply.get("ok")),
            "printed": clean_text(reply.get("printed", ""), 64 * 1024),
            "error": _error_text(reply.get("error")) if not reply.get("ok") else None,
        }

    def call(
        self,
        target: dict[str, Any],
        label: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        attr: str | None = None,
        invoke: bool = True,
        limit: float | None = None,
        digest: bool = False,
    ) -> Any:
        """Call ``target`` (``{"name": ...}`` or ``{"handle": ...}``) in the kernel (module doc).

        With ``digest``, the kernel replies with a digest of the result only (timed calls).
        """
        kernel = self._live_kernel()
        if "handle" in target and target.get("generation") != self.generation:
            raise StudentError(f"{label}: the object is gone (its kernel was restarted)")
        message = {"op": "call", **{k: v for k, v in target.items() if k != "generation"}}
        message |= {"attr": attr, "invoke": invoke, "digest": digest}
        try:
            message |= {"args": encode(list(args), self._handle_id), "kwargs": encode(kwargs)}
        except ValueError as exc:
            raise StudentError(f"{label}: cannot send the inputs ({exc})") from None
        reply = self._request(kernel, message, limit=limit)
        if not reply.get("ok"):
            raise StudentError(f"{label} raised {_error_text(reply.get('error'))}")
        try:
            value = decode(reply.get("value"), self._resolve)
            after = decode(reply.get("args", {"t": "list", "items": []}), self._resolve)
        except (WireError, RecursionError) as exc:
            raise StudentError(f"{label} returned data the grader refuses ({exc})") from None
        if isinstance(after, list) and len(after) == len(args):
            _write_back(args, after)
        return value

    def put(self, values: tuple[Any, ...]) -> list[RemoteObject]:
        """Keep ``values`` in the kernel; remote handles to pass to later calls."""
        kernel = self._live_kernel()
        try:
            message = {"op": "put", "value": encode(list(values))}
        except ValueError as exc:
            raise StudentError(f"cannot send the inputs ({exc})") from None
        reply = self._request(kernel, message)
        if not reply.get("ok"):
            raise StudentError(f"the kernel refused the inputs ({_error_text(reply.get('error'))})")
        try:
            kept = decode(reply.get("value"), self._resolve)
        except (WireError, RecursionError) as exc:
            raise StudentError(f"the kernel's reply is refused ({exc})") from None
        if not (
            isinstance(kept, list)
            and len(kept) == len(values)
            and all(isinstance(k, RemoteObject) for k in kept)
        ):
            raise StudentError("the kernel did not keep the inputs")
        return kept

    def drop(self, kept: list[RemoteObject]) -> None:
        """Forget values kept by :meth:`put` (a long-lived reference kernel must not grow)."""
        if self.kernel is None or not self.kernel.alive:
            return
        handles = [k._handle for k in kept if k._generation == self.generation]
        try:
            self._request(self.kernel, {"op": "drop", "handles": handles})
        except StudentError:
            pass

    def _resolve(self, handle: int, type_name: str) -> RemoteObject:
        return RemoteObject(self, handle, type_name, self.generation)

    def _handle_id(self, obj: Any) -> int:
        if isinstance(obj, RemoteObject) and obj._session is self:
            return obj._handle
        raise ValueError(f"an object of type {type(obj).__name__} cannot be sent")


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return "an error"
    name = clean_text(error.get("ename", "Error"), 100)
    value = clean_text(error.get("evalue", ""), 300).strip().split("\n", 1)[0]
    return f"{name}: {value}" if value else name


def _write_back(args: tuple[Any, ...], after: list[Any]) -> None:
    """Modify tensor arguments here as the student's code modified them there."""
    import torch

    for given, now in zip(args, after, strict=True):
        if (
            isinstance(given, torch.Tensor)
            and isinstance(now, torch.Tensor)
            and given.shape == now.shape
            and given.dtype == now.dtype
            and not torch.equal(given, now)
        ):
            with torch.no_grad():
                given.copy_(now)


class StudentFunction:
    """A graded name of the student's notebook, callable from a test cell in the grader.

    Attributes:
        name: the name in the student's notebook.
        twin: the same name in the reference kernel (the instructor's solution, in an identical
            sandbox), used to time both under the same conditions.
    """

    def __init__(
        self, session: StudentSession, name: str, twin: StudentFunction | None = None
    ) -> None:
        self._session, self.name, self.twin = session, name, twin

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call({"name": self.name}, self.name, args, kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._session.call({"name": self.name}, self.name, (), {}, attr=attr, invoke=False)

    def within(self, seconds: float) -> Callable[..., Any]:
        """This function, stopped (``StudentTimeout``, a ``TimeoutError``) after ``seconds``."""

        def call(*args: Any, **kwargs: Any) -> Any:
            target = {"name": self.name}
            return self._session.call(target, self.name, args, kwargs, limit=seconds)

        return call

    @contextlib.contextmanager
    def kept(self, args: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """``args`` kept in this function's kernel for the duration (see :meth:`timed`)."""
        handles = self._session.put(args)
        try:
            yield tuple(handles)
        finally:
            self._session.drop(handles)

    def timed(self, kept: tuple[Any, ...], limit: float | None = None) -> Any:
        """Call on inputs :meth:`kept` in the kernel; only a digest of the result comes back.

        So a timed call costs the student's computation and not the copying of inputs and
        results, which would otherwise dilute the ratio against the reference.
        """
        target = {"name": self.name}
        return self._session.call(target, self.name, kept, {}, limit=limit, digest=True)

    def sibling(self, name: str) -> StudentFunction:
        """Another function of the same notebook, called in the same kernel.

        For a helper that a locked setup cell defines and that must run where the student's code
        runs: ``roi_align.sibling("roi_align_input_gradient")`` runs autograd *through* the
        student's ``roi_align`` there and brings the gradient back as data, which the test then
        compares with a trusted one (a tensor's autograd graph cannot travel).
        """
        return StudentFunction(self._session, name)

    def __repr__(self) -> str:
        return f"<the student's {self.name}>"


class RemoteObject:
    """An object that lives in the student's kernel (say an ``nn.Module``): call it, use methods.

    ``obj(x)`` and ``obj.method(x)`` run there; ``obj.attribute`` fetches the attribute (data, or
    another remote object).
    """

    def __init__(self, session: StudentSession, handle: int, type_name: str, generation: int):
        self._session, self._handle = session, handle
        self._type, self._generation = type_name, generation

    def _target(self) -> dict[str, Any]:
        return {"handle": self._handle, "generation": self._generation}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call(self._target(), self._type, args, kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        label = f"{self._type}.{attr}"
        return self._session.call(self._target(), label, (), {}, attr=attr, invoke=False)

    def __repr__(self) -> str:
        return f"<the student's {self._type} object>"
