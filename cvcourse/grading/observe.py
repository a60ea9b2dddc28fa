"""What a test cell reports: observations that the grader judges outside the student's kernel.

A test cell of an assignment calls the student's functions and hands each result to
``expect_close``, ``expect_equal``, ``expect_true`` or ``expect_fast`` under a key::

    got = box_iou(a, b)
    expect_close("iou_slide", got, torch.tensor([[1.0, 1 / 7]]), msg="IoU of the slide's boxes",
                 mistakes={"no clamp on the intersection": iou_without_clamp(a, b)})

Two modes, one code path for authors:

* **local** (a student running the notebook, ``nbgrader validate``, plain ``nbgrader autograde``):
  the call asserts in the kernel, and the message names a listed mistake when the result matches it.
* **judging** (``cvcourse grade``): a cell inserted by the grader calls :func:`start_judging` first.
  Each call still asserts, and also emits the observation as plain JSON data in the cell's output
  (mime type :data:`MIME`). The verdict is not taken from the kernel: the grader replays the
  instructor's notebook with the same seed in a trusted kernel, and compares, in its own process,
  the student's observations with the replay's (key by key, with the replay's tolerances). So a
  rigged ``__eq__``, patched ``torch``/``math``/builtins, blanked cells or forged output earn
  nothing: only values equal to the reference's do.

Nothing here is secret: this module only encodes values; references never enter the student's
kernel.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch

MIME = "application/vnd.cvcourse.observation.v1+json"
MAX_ELEMENTS = 1_000_000  # larger results are reported as too large, not encoded

_state: dict[str, Any] = {"judging": False, "seed": 0}


# ----------------------------------------------------------------------------- modes and seeds
def start_judging(seed: int) -> None:
    """Switch to judging mode with the grading run's seed (called by the grader's inserted cell)."""
    _state["judging"] = True
    _state["seed"] = int(seed)


def is_judging() -> bool:
    return bool(_state["judging"])


def grading_seed() -> int:
    """The seed of this grading run (0 when the notebook runs locally)."""
    return int(_state["seed"])


def grading_rng(offset: int = 0) -> torch.Generator:
    """A CPU generator seeded by the grading run: hidden inputs are chosen at grading time."""
    return torch.Generator().manual_seed(grading_seed() * 1_000_003 + offset)


# ----------------------------------------------------------------------------- encoding
def _encode_float(x: float) -> float | str:
    # JSON has no NaN or infinity; keep them distinguishable as strings.
    return repr(x) if math.isnan(x) or math.isinf(x) else x


def encode(value: Any) -> dict[str, Any]:
    """Encode a result as plain JSON-able data: ``{"type": ..., ...}``.

    Tensors and numpy arrays become ``{"type": "tensor", "dtype", "shape", "device", "data"}`` with
    ``data`` flat; numbers, bools, strings and None stay themselves; lists and tuples recurse;
    anything else is reported by its type name only.
    """
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.numel() > MAX_ELEMENTS:
            return {"type": "too_large", "shape": list(t.shape)}
        flat = t.to("cpu").reshape(-1)
        if flat.is_complex():
            return {"type": "unsupported", "name": f"complex tensor {t.dtype}"}
        data = flat.tolist()
        if flat.is_floating_point():
            data = [_encode_float(float(v)) for v in data]
        return {
            "type": "tensor",
            "dtype": str(t.dtype).removeprefix("torch."),
            "shape": list(t.shape),
            "device": t.device.type,
            "data": data,
        }
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and hasattr(value, "shape"):
        return encode(torch.as_tensor(value.copy())) | {"container": "numpy"}
    if value is None or isinstance(value, bool | int | str):
        return {"type": type(value).__name__, "value": value}
    if isinstance(value, float):
        return {"type": "float", "value": _encode_float(value)}
    if isinstance(value, list | tuple):
        if len(value) > MAX_ELEMENTS:
            return {"type": "too_large", "shape": [len(value)]}
        return {"type": type(value).__name__, "items": [encode(v) for v in value]}
    return {"type": "unsupported", "name": type(value).__qualname__}


# ----------------------------------------------------------------------------- local comparison
def _as_float_tensor(value: Any) -> torch.Tensor | None:
    try:
        return torch.as_tensor(value).detach().to("cpu", torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def _close(got: Any, expected: Any, atol: float, rtol: float) -> bool:
    g, e = _as_float_tensor(got), _as_float_tensor(expected)
    if g is None or e is None or g.shape != e.shape:
        return False
    return bool(torch.allclose(g, e, atol=atol, rtol=rtol, equal_nan=True))


def _equal(got: Any, expected: Any) -> bool:
    if isinstance(expected, torch.Tensor) or isinstance(got, torch.Tensor):
        g, e = _as_float_tensor(got), _as_float_tensor(expected)
        return g is not None and e is not None and g.shape == e.shape and bool(torch.equal(g, e))
    return bool(type(got) is type(expected) and got == expected)


def _matching_mistake(
    got: Any, mistakes: Mapping[str, Any] | None, same: Callable[[Any, Any], bool]
) -> str | None:
    for description, value in (mistakes or {}).items():
        if same(got, value):
            return description
    return None


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        text = repr(value.detach().cpu())
        return text if len(text) < 300 else text[:300] + " ..."
    text = repr(value)
    return text if len(text) < 300 else text[:300] + " ..."


def _emit(record: dict[str, Any]) -> None:
    if not _state["judging"]:
        return
    from IPython.display import display  # the kernel always has IPython

    display({MIME: record}, raw=True)


def _fail(key: str, msg: str, got: Any, expected: Any, mistake: str | None) -> None:
    lines = [f"[{key}] {msg}" if msg else f"[{key}] wrong result"]
    if mistake:
        lines.append(f"This looks like a known mistake: {mistake}.")
    lines.append(f"got:      {_describe(got)}")
    if expected is not None:
        lines.append(f"expected: {_describe(expected)}")
    raise AssertionError("\n".join(lines))


# ----------------------------------------------------------------------------- the author's API
def expect_close(
    key: str,
    got: Any,
    expected: Any = None,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    dtype: torch.dtype | None = None,
    msg: str = "",
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Observe a numeric result compared with a tolerance (shape must match; dtype too if given).

    Args:
        key: unique name of this observation inside its test cell.
        got: the student's result.
        expected: the value to assert locally; None for hidden checks judged only by the grader.
        atol, rtol: tolerances, as ``torch.allclose``.
        dtype: the dtype ``got`` must have (e.g. the input's dtype, to check it is preserved).
        msg: what is being checked, shown when it fails.
        mistakes: description -> the value that mistake produces; a failure naming one tells how.
    """
    record = {"key": key, "kind": "close", "value": encode(got), "atol": atol, "rtol": rtol}
    if dtype is not None:
        record["dtype"] = str(dtype).removeprefix("torch.")
    record["msg"] = msg
    record["mistakes"] = {name: encode(v) for name, v in (mistakes or {}).items()}
    _emit(record)
    if dtype is not None and (not isinstance(got, torch.Tensor) or got.dtype != dtype):
        found = got.dtype if isinstance(got, torch.Tensor) else type(got).__name__
        raise AssertionError(f"[{key}] {msg}: expected a tensor of dtype {dtype}, got {found}")
    if expected is not None and not _close(got, expected, atol, rtol):
        mistake = _matching_mistake(got, mistakes, lambda a, b: _close(a, b, atol, rtol))
        _fail(key, msg, got, expected, mistake)


def expect_equal(
    key: str,
    got: Any,
    expected: Any = None,
    *,
    msg: str = "",
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Observe a result that must match exactly (indices, shapes, dtypes as strings, counts)."""
    _emit(
        {
            "key": key,
            "kind": "equal",
            "value": encode(got),
            "msg": msg,
            "mistakes": {name: encode(v) for name, v in (mistakes or {}).items()},
        }
    )
    if expected is not None and not _equal(got, expected):
        _fail(key, msg, got, expected, _matching_mistake(got, mistakes, _equal))


def expect_true(key: str, condition: Any, *, msg: str) -> None:
    """Observe a property that must hold (e.g. "the input was not mutated")."""
    is_true_tensor = (
        isinstance(condition, torch.Tensor) and condition.numel() == 1 and bool(condition)
    )
    ok = condition is True or is_true_tensor
    _emit({"key": key, "kind": "true", "value": encode(bool(ok)), "msg": msg})
    if not ok:
        raise AssertionError(f"[{key}] {msg}")


def expect_fast(
    key: str,
    fn: Callable[[], Any],
    reference: Callable[[], Any],
    *,
    max_ratio: float,
    repeat: int = 3,
    msg: str = "",
) -> None:
    """Observe that ``fn()`` runs at most ``max_ratio`` times slower than ``reference()``.

    Locally the kernel times both. When judging, the kernel's clock is not trusted: the grader
    compares the wall time of the whole test cell, measured in its own process, with the reference
    time its trusted replay measured (see ``cvcourse.grading.judge``). A test cell should also
    observe a result computed in the same cell (say its sum), so that the time it took cannot be
    saved by skipping the work.

    A call of ``fn`` that takes far longer than allowed is stopped (``SIGALRM``, main thread only),
    so a Python loop fails in about a second instead of running into the cell's timeout.
    """

    def best_of(f: Callable[[], Any], limit: float | None) -> float:
        times = []
        for _ in range(repeat + 1):  # the first call warms up caches and lazy initialisation
            start = time.perf_counter()
            with _time_limit(limit, key, msg):
                f()
            times.append(time.perf_counter() - start)
        return min(times[1:])

    t_ref = best_of(reference, None)
    allowed = max_ratio * t_ref + 0.05
    t_fn = best_of(fn, max(1.0, 4 * allowed))
    _emit(
        {
            "key": key,
            "kind": "fast",
            "value": encode([t_fn, t_ref]),
            "max_ratio": max_ratio,
            "repeat": repeat,
            "msg": msg,
        }
    )
    if t_fn > allowed:
        raise AssertionError(
            f"[{key}] {msg}: too slow, {t_fn:.4f} s against {t_ref:.4f} s for the reference "
            f"(allowed: {max_ratio:g}x). Use broadcasting instead of Python loops."
        )


@contextlib.contextmanager
def _time_limit(seconds: float | None, key: str, msg: str) -> Iterator[None]:
    """Raise AssertionError in the block after ``seconds`` (when signals can be used here)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def too_slow(signum: int, frame: Any) -> None:
        raise AssertionError(
            f"[{key}] {msg}: too slow, stopped after {seconds:.1f} s (far over the allowed time). "
            "Use broadcasting instead of Python loops."
        )

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------------------- delegation guard
class DelegationError(RuntimeError):
    """Raised when a solution calls a function it must implement itself."""


@contextlib.contextmanager
def forbidden(*dotted_names: str) -> Iterator[None]:
    """Make the named functions raise inside the block: ``forbidden("torchvision.ops.nms")``.

    An advisory check for local runs: the trusted check is the grader's static scan of the solution
    cells, since code in the kernel can undo any patch made here.
    """
    saved: list[tuple[Any, str, Any]] = []

    def refuse(name: str) -> Callable[..., Any]:
        def raiser(*args: Any, **kwargs: Any) -> Any:
            raise DelegationError(f"the solution calls {name}: implement it yourself")

        return raiser

    try:
        for name in dotted_names:
            module_name, attr = name.rsplit(".", 1)
            module = importlib.import_module(module_name)
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, refuse(name))
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)
