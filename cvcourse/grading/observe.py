"""What a test cell checks: the author's API, the same in a student's notebook and in the grader.

A test cell calls the student's functions and hands each result to ``expect_close``,
``expect_equal``, ``expect_true`` or ``expect_fast`` under a key::

    got = box_iou(a, b)
    expect_close("iou_slide", got, torch.tensor([[1.0, 1 / 7]]), msg="IoU of the slide's boxes",
                 mistakes={"no clamp on the intersection": iou_without_clamp(a, b)})

Two modes, one code path for authors:

* **local** (a student running the notebook, ``nbgrader validate``): everything runs in the
  student's kernel, and a failed check raises ``AssertionError`` whose message names a listed
  mistake when the result matches it.
* **judging** (``cvcourse grade``, see :mod:`cvcourse.grading.runner`): test cells run in the
  grader's own process, where the student's functions are proxies into the sandboxed student
  kernel (:mod:`cvcourse.grading.proxy`). A check compares plain values there, with references
  that never enter the student's process, and records its verdict instead of raising, so every
  check of the cell runs and the first failure is the cell's reason.

``accept`` lists other results that count as right, for a function built on another one: an NMS
that is right given the student's own ``box_iou`` passes, so one bug is charged once.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from cvcourse.grading.wire import digest


@dataclass(frozen=True)
class Check:
    """One check's verdict in judging mode."""

    key: str
    passed: bool
    reason: str = ""


class _State(threading.local):
    """The mode of the checks, per thread: a grading lane judges in its own thread while the
    thread that started it saves grades, and a lane still ending after an interrupted run must
    not switch another run's judging off."""

    def __init__(self) -> None:
        self.judging = False
        self.seed = 0
        self.checks: list[Check] | None = None
        self.tallying = False


_state = _State()


# ----------------------------------------------------------------------------- modes and seeds
def start_judging(seed: int) -> None:
    """Judging mode with the grading run's seed (called by the grader in its own process)."""
    _state.judging, _state.seed, _state.checks = True, int(seed), None


def stop_judging() -> None:
    _state.judging, _state.seed, _state.checks = False, 0, None


def is_judging() -> bool:
    return bool(_state.judging)


@contextlib.contextmanager
def recording() -> Iterator[list[Check]]:
    """Collect the verdicts of the checks run inside the block (one test cell)."""
    checks: list[Check] = []
    previous = _state.checks
    _state.checks = checks
    try:
        yield checks
    finally:
        _state.checks = previous


@contextlib.contextmanager
def tallying() -> Iterator[list[Check]]:
    """Locally, record the verdicts of the checks run inside the block instead of raising.

    For the student's own check (:mod:`cvcourse.grading.check`): every check of a test cell runs
    and is counted, as when judging; outside the block a failed check raises as usual.
    """
    previous = _state.tallying
    _state.tallying = True
    try:
        with recording() as checks:
            yield checks
    finally:
        _state.tallying = previous


def grading_seed() -> int:
    """The seed of this grading run (0 when the notebook runs locally)."""
    return int(_state.seed)


def grading_rng(offset: int = 0) -> torch.Generator:
    """A CPU generator seeded by the grading run: hidden inputs are chosen at grading time."""
    return torch.Generator().manual_seed(grading_seed() * 1_000_003 + offset)


# ----------------------------------------------------------------------------- comparison
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


def _matching(got: Any, values: Mapping[str, Any] | None, same: Callable[[Any, Any], bool]) -> str:
    for description, value in (values or {}).items():
        if same(got, value):
            return description
    return ""


def _describe(value: Any) -> str:
    text = repr(value.detach().cpu()) if isinstance(value, torch.Tensor) else repr(value)
    text = " ".join(text.split())
    return text if len(text) < 200 else text[:200] + " ..."


def _difference(got: Any, expected: Any) -> str:
    """A short description of how ``got`` differs from ``expected`` (shape, dtype, first value)."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"got {type(got).__name__} {_describe(got)}, expected a tensor"
        if tuple(got.shape) != tuple(expected.shape):
            return f"got shape {tuple(got.shape)}, expected shape {tuple(expected.shape)}"
        g, e = _as_float_tensor(got), _as_float_tensor(expected)
        assert g is not None and e is not None
        wrong = ~torch.isclose(g, e, equal_nan=True)
        if wrong.any():
            index = tuple(int(i) for i in wrong.nonzero()[0])
            return f"at index {index}: got {g[index].item():.6g}, expected {e[index].item():.6g}"
    return f"got {_describe(got)}, expected {_describe(expected)}"


def _verdict(key: str, msg: str, failure: str) -> None:
    """Record (judging) or raise (local) one check's outcome; ``failure`` empty means passed."""
    reason = f"{msg or key}: {failure}" if failure else ""
    checks = _state.checks
    if (_state.judging or _state.tallying) and checks is not None:
        checks.append(Check(key, not failure, reason))
        return
    if failure:
        raise AssertionError(f"[{key}] {reason}")


Accepted = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None


def _failure(
    got: Any,
    expected: Any,
    same: Callable[[Any, Any], bool],
    accept: Accepted,
    mistakes: Mapping[str, Any] | None,
) -> str:
    if same(got, expected):
        return ""
    # Alternatives can be costly (they call the student's lower function): only when needed.
    if _matching(got, accept() if callable(accept) else accept, same):
        return ""
    failure = _difference(got, expected)
    mistake = _matching(got, mistakes, same)
    return f"{failure}. This looks like a known mistake: {mistake}" if mistake else failure


# ----------------------------------------------------------------------------- the author's API
def expect_close(
    key: str,
    got: Any,
    expected: Any,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    dtype: torch.dtype | None = None,
    msg: str = "",
    accept: Accepted = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Check a numeric result against ``expected`` within tolerances (``torch.allclose``).

    Args:
        key: unique name of this check inside its test cell.
        got: the student's result.
        expected: the right result.
        atol, rtol: tolerances, as ``torch.allclose``; shapes must match.
        dtype: the dtype ``got`` must have (e.g. the input's, to check it is preserved).
        msg: what is being checked, shown when it fails.
        accept: description -> another result that counts as right (e.g. right given the
            student's own lower-level function), or a function returning that mapping, called
            only when ``got`` is not ``expected``.
        mistakes: description -> the result that mistake produces; a failure names it.
    """
    if dtype is not None and (not isinstance(got, torch.Tensor) or got.dtype != dtype):
        found = got.dtype if isinstance(got, torch.Tensor) else type(got).__name__
        _verdict(key, msg, f"expected a tensor of dtype {dtype}, got {found}")
        return

    def same(a: Any, b: Any) -> bool:
        return _close(a, b, atol, rtol)

    _verdict(key, msg, _failure(got, expected, same, accept, mistakes))


def expect_equal(
    key: str,
    got: Any,
    expected: Any,
    *,
    msg: str = "",
    accept: Accepted = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Check a result that must match exactly (indices, shapes, dtypes as strings, counts)."""
    _verdict(key, msg, _failure(got, expected, _equal, accept, mistakes))


def expect_true(key: str, condition: Any, *, msg: str) -> None:
    """Check a property that must hold (e.g. "the input was not modified")."""
    is_true_tensor = (
        isinstance(condition, torch.Tensor) and condition.numel() == 1 and bool(condition)
    )
    _verdict(key, msg, "" if condition is True or is_true_tensor else "it does not hold")


def expect_fast(
    key: str,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    reference: Callable[..., Any],
    max_ratio: float,
    repeat: int = 3,
    msg: str = "",
) -> None:
    """Check that ``function(*args)`` runs at most ``max_ratio`` times slower than the reference.

    Locally the kernel times ``function`` against ``reference`` (say ``torchvision.ops.box_iou``).
    When judging, ``function`` is the student's function in the sandbox and the reference is the
    instructor's solution of the same name in an identical sandbox: both are timed from the
    grader's clock, interleaved call by call, so both see the same load; the inputs are sent once
    and only a digest of each result comes back, so copying data does not dilute the ratio. The
    timed result must agree with the reference's (sums of the result): a function that is fast
    because it returns something cheap does not earn the speed points (the inputs are drawn at
    grading time, so no answer can be cached).
    """
    twin = getattr(function, "twin", None) if _state.judging else None
    try:
        if twin is not None:
            t_fn, t_ref, wrong = _race(function, twin, args, repeat, max_ratio)
        else:
            t_ref, expected = _best_of(lambda: reference(*args), repeat, None)
            limit = _cut_off(max_ratio, t_ref)
            t_fn, got = _best_of(lambda: function(*args), repeat, (key, msg, limit))
            wrong = _digest_difference(digest(got), digest(expected))
    except TimeoutError as exc:  # stopped far over its allowance (the grader's proxy)
        _verdict(key, msg, f"too slow: {exc}. Use broadcasting instead of Python loops")
        return
    if wrong:  # locally and when graded alike
        _verdict(
            key, msg, f"the timed call's result is wrong ({wrong}): only the time of a right "
            "answer counts"
        )  # fmt: skip
        return
    failure = ""
    if t_fn > max_ratio * t_ref + 0.05:
        failure = (
            f"too slow, {t_fn:.4f} s against {t_ref:.4f} s for the reference (allowed: "
            f"{max_ratio:g}x). Use broadcasting instead of Python loops"
        )
    _verdict(key, msg, failure)


def _cut_off(max_ratio: float, t_ref: float) -> float:
    """Seconds after which a timed call is stopped: far over what it is allowed, at least 1 s."""
    return max(1.0, 4 * (max_ratio * t_ref + 0.05))


def _race(
    function: Any, twin: Any, args: tuple[Any, ...], repeat: int, max_ratio: float
) -> tuple[float, float, str]:
    """Best times of ``function`` and ``twin``, called alternately (the first round warms up),
    and why the timed result does not count ("" when it does).

    The inputs are sent to each kernel once, and each timed call brings back only a digest of
    its result, so the times are the two computations, not the copying of data (which would
    dilute the ratio, most under load). The student's calls are stopped at :func:`_cut_off` of
    the reference's first time, so a Python loop costs about a second, not minutes
    (``TimeoutError``). A timed call must compute what the reference computes: its digest is
    compared with the reference's, so returning something cheap from a slow function does not
    buy the speed points.
    """
    with function.kept(args) as mine_in, twin.kept(args) as theirs_in:
        start = time.perf_counter()
        expected = twin.timed(theirs_in)
        cut_off = _cut_off(max_ratio, time.perf_counter() - start)
        mine, theirs = [], []
        got = None
        for round_ in range(repeat + 1):
            calls = [("mine", mine), ("theirs", theirs)]
            for who, times in calls if round_ % 2 else reversed(calls):
                start = time.perf_counter()
                if who == "mine":
                    got = function.timed(mine_in, cut_off)
                else:
                    twin.timed(theirs_in)
                times.append(time.perf_counter() - start)
    return min(mine[1:]), min(theirs[1:]), _digest_difference(got, expected)


def _digest_difference(got: Any, expected: Any, where: str = "the result") -> str:
    """Why two result digests (see ``student_kernel.digest``) differ; "" if they agree."""
    if isinstance(expected, dict) and "shape" in expected:
        if not (isinstance(got, dict) and "shape" in got):
            return f"{where} is not a tensor"
        if got["shape"] != expected["shape"]:
            return f"{where} has shape {tuple(got['shape'])}, expected {tuple(expected['shape'])}"
        for key in ("sum", "abs"):
            a, b = got.get(key), expected.get(key)
            if isinstance(a, str) or isinstance(b, str):
                if a != b:
                    return f"{where} holds {a} values"
            elif not math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6 * (1 + abs(expected["abs"]))):
                return f"{where} differs from the reference's"
        return ""
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{where} has a different structure"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            why = _digest_difference(g, e, f"{where}[{i}]")
            if why:
                return why
        return ""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{where} has different keys"
        for k in expected:
            why = _digest_difference(got[k], expected[k], f"{where}[{k!r}]")
            if why:
                return why
        return ""
    if isinstance(expected, float) and isinstance(got, float):
        return "" if math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-9) else f"{where} differs"
    return "" if got == expected else f"{where} differs"


def _best_of(
    f: Callable[[], Any], repeat: int, limit: tuple[str, str, float] | None
) -> tuple[float, Any]:
    """The best time of ``f`` over ``repeat`` calls after a warm-up, and its last result."""
    times = []
    for _ in range(repeat + 1):  # the first call warms up caches and lazy initialisation
        start = time.perf_counter()
        with _time_limit(limit):
            result = f()
        times.append(time.perf_counter() - start)
    return min(times[1:]), result


@contextlib.contextmanager
def _time_limit(limit: tuple[str, str, float] | None) -> Iterator[None]:
    """Stop a local call far over its allowance (``SIGALRM``), so a loop fails in about 1 s."""
    usable = (
        limit is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert limit is not None
    key, msg, seconds = limit

    def too_slow(signum: int, frame: Any) -> None:
        raise AssertionError(
            f"[{key}] {msg or key}: too slow, stopped after {seconds:.1f} s (far over the allowed "
            "time). Use broadcasting instead of Python loops"
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

    For local runs only, a hint for students: when judging, the student's kernel cannot import
    the forbidden packages at all, so this does nothing there.
    """
    if _state.judging:
        yield
        return
    import importlib

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
