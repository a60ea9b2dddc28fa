"""Values and messages between the grader and a student's kernel, as plain checked data.

The grader and the sandboxed student kernel exchange *frames*: an 8-byte big-endian length, then
that many bytes of UTF-8 JSON. Values travel encoded (:func:`encode`), never pickled:

* tensors and numpy arrays as ``{"t": "tensor"|"ndarray", "dtype", "shape", "data"}`` with the raw
  little-endian bytes in base64, so a float comes back bit for bit;
* numbers, bools, strings and None as themselves (NaN and infinities as strings);
* lists, tuples and string-keyed dicts recursively;
* anything else (a student's ``nn.Module``, say) as a *handle* that names an object kept in the
  kernel, which the grader drives by further calls.

Everything read from a student kernel is untrusted: :func:`read_frame` refuses a frame longer than
its cap *before* reading it, and :func:`decode` checks every record (known dtype, data length equal
to the product of the shape, bounded depth, item count and size) before building anything, raising
:class:`WireError` for whatever does not fit. So whatever a submission sends costs the grader at
most the cap, and the outcome is that submission's problem.

This file runs on both sides: it imports only the standard library at module level (torch and
numpy when a value needs them), and the student kernel loads it without the ``cvcourse`` package.
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import struct
import time
from typing import Any

HEADER = struct.Struct(">Q")
MAX_DEPTH = 32
MAX_ITEMS = 64_000_000  # list items, dict entries and tensor elements together, per message
MAX_STRING = 1_000_000  # characters of one string
MAX_INT_BITS = 64
DTYPES = {  # name -> bytes per element
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "bool": 1,
}


class WireError(ValueError):
    """A frame or value that breaks the protocol (too large, malformed, inconsistent)."""


class WireTimeout(TimeoutError):
    """No complete frame arrived in time."""


class WireClosed(EOFError):
    """The other side closed its end (for a student kernel: it died or exited)."""


# ----------------------------------------------------------------------------- frames
def write_frame(fd: int, message: dict[str, Any]) -> None:
    """Send one message (a JSON-able dict) on file descriptor ``fd``."""
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    data = HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BrokenPipeError as exc:
            raise WireClosed("the other side closed the channel") from exc
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise WireTimeout(f"no complete message within the time limit ({size} bytes)")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireClosed("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int, timeout: float | None = None) -> dict[str, Any]:
    """Read one message from ``fd``; a frame over ``max_bytes`` is refused unread.

    Raises:
        WireTimeout: nothing complete within ``timeout`` seconds.
        WireClosed: the writer closed its end.
        WireError: too large, not JSON, or not a JSON object.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size, deadline))
    if size > max_bytes:
        raise WireError(f"a message of {size} bytes, over the limit of {max_bytes} bytes")
    body = _read_exactly(fd, size, deadline)
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad JSON, lone surrogates, nesting bombs
        raise WireError(f"a message that is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict):
        raise WireError("a message that is not a JSON object")
    return message


# ----------------------------------------------------------------------------- encoding
def _float(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)  # JSON has no NaN or infinities


def encode(value: Any, handles: Any = None) -> dict[str, Any]:
    """Encode ``value`` as plain JSON-able data (see the module docstring).

    Args:
        handles: a callable ``object -> int`` that keeps an object and names it; without it an
            object that is not data is encoded as ``{"t": "opaque", "type": name}``.
    """
    if _is_tensor(value):
        return _encode_array(value.detach().to("cpu").contiguous(), "tensor")
    if type(value).__module__ == "numpy" and hasattr(value, "shape"):
        import numpy as np

        if isinstance(value, np.ndarray):
            import torch

            return _encode_array(torch.from_numpy(np.ascontiguousarray(value)), "ndarray")
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            return {"t": "opaque", "type": "int (more than 64 bits)"}
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": _float(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_STRING]}
    if _is_dtype(value):
        return {"t": "dtype", "v": str(value).removeprefix("torch.")}
    if isinstance(value, list | tuple):
        kind = "list" if isinstance(value, list) else "tuple"
        return {"t": kind, "items": [encode(v, handles) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"t": "dict", "items": [[k, encode(v, handles)] for k, v in value.items()]}
    if handles is not None:
        return {"t": "handle", "id": handles(value), "type": type(value).__name__}
    return {"t": "opaque", "type": type(value).__name__}


def _is_tensor(value: Any) -> bool:
    torch = _loaded("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _is_dtype(value: Any) -> bool:
    torch = _loaded("torch")
    return torch is not None and isinstance(value, torch.dtype)


def _loaded(name: str) -> Any:
    import sys

    return sys.modules.get(name)


def _encode_array(t: Any, kind: str) -> dict[str, Any]:
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        return {"t": "opaque", "type": f"{kind} of dtype {dtype}"}
    # bfloat16 has no numpy twin: send its bits as int16.
    raw = t.view(_torch().int16) if dtype == "bfloat16" else t
    data = raw.numpy().tobytes() if raw.numel() else b""
    return {
        "t": kind,
        "dtype": dtype,
        "shape": list(t.shape),
        "data": base64.b64encode(data).decode(),
    }


def _torch() -> Any:
    import torch

    return torch


# ----------------------------------------------------------------------------- decoding
class Budget:
    """What one message may still hold: items (elements, entries) and nesting depth."""

    def __init__(self, items: int = MAX_ITEMS) -> None:
        self.items = items

    def spend(self, count: int) -> None:
        self.items -= count
        if self.items < 0:
            raise WireError(f"a value with more than {MAX_ITEMS} items")


def decode(data: Any, resolve: Any = None, budget: Budget | None = None, depth: int = 0) -> Any:
    """Build the value that :func:`encode` encoded, checking every record first.

    Args:
        resolve: a callable ``(id, type name) -> object`` for handles (the grader's proxies);
            without it a handle decodes to a :class:`Handle`.

    Raises:
        WireError: anything malformed or over the limits.
    """
    budget = budget or Budget()
    if depth > MAX_DEPTH:
        raise WireError(f"a value nested more than {MAX_DEPTH} deep")
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise WireError("a value without a type tag")
    kind = data["t"]
    budget.spend(1)
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "str", "dtype"):
        return _decode_scalar(kind, data.get("v"))
    if kind in ("list", "tuple"):
        items = data.get("items")
        if not isinstance(items, list):
            raise WireError(f"a {kind} without items")
        values = [decode(v, resolve, budget, depth + 1) for v in items]
        return values if kind == "list" else tuple(values)
    if kind == "dict":
        items = data.get("items")
        if not isinstance(items, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in items
        ):
            raise WireError("a dict whose entries are not [name, value] pairs")
        return {k: decode(v, resolve, budget, depth + 1) for k, v in items}
    if kind in ("tensor", "ndarray"):
        return _decode_array(data, budget)
    if kind == "handle":
        handle_id, name = data.get("id"), data.get("type")
        if not isinstance(handle_id, int) or isinstance(handle_id, bool):
            raise WireError("a handle without an integer id")
        name = str(name)[:100]
        return resolve(handle_id, name) if resolve is not None else Handle(handle_id, name)
    if kind == "opaque":
        return Opaque(str(data.get("type"))[:100])
    raise WireError(f"an unknown value type {kind[:40]!r}")


def _decode_scalar(kind: str, v: Any) -> Any:
    if kind == "bool" and isinstance(v, bool):
        return v
    if kind == "int" and isinstance(v, int) and not isinstance(v, bool):
        if v.bit_length() > MAX_INT_BITS:
            raise WireError("an integer of more than 64 bits")
        return v
    if kind == "float":
        if isinstance(v, str) and v in ("nan", "inf", "-inf"):
            return float(v)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    if kind == "str" and isinstance(v, str) and len(v) <= MAX_STRING:
        return clean_text(v)
    if kind == "dtype" and v in DTYPES:
        return getattr(_torch(), v)
    raise WireError(f"a malformed {kind}")


def _decode_array(data: dict[str, Any], budget: Budget) -> Any:
    dtype, shape, payload = data.get("dtype"), data.get("shape"), data.get("data")
    if dtype not in DTYPES:
        raise WireError(f"an array of unknown dtype {str(dtype)[:40]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DEPTH:
        raise WireError("an array without a valid shape")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**31 for n in shape):
        raise WireError("an array shape with a negative, huge or non-integer size")
    count = math.prod(shape)
    budget.spend(count)
    if not isinstance(payload, str):
        raise WireError("an array without data")
    if len(payload) > 4 * (count * DTYPES[dtype] + 2) // 3 + 4:  # before decoding the base64
        raise WireError("an array whose data is longer than its shape says")
    try:
        raw = base64.b64decode(payload, validate=True)
    except ValueError:
        raise WireError("an array whose data is not base64") from None
    if len(raw) != count * DTYPES[dtype]:
        raise WireError(
            f"an array of shape {shape} and dtype {dtype} with {len(raw)} bytes of data"
        )
    torch = _torch()
    wire_dtype = torch.int16 if dtype == "bfloat16" else getattr(torch, dtype)
    if count:
        t = torch.frombuffer(bytearray(raw), dtype=wire_dtype).reshape(shape)
    else:
        t = torch.empty(shape, dtype=wire_dtype)
    if dtype == "bfloat16":
        t = t.view(torch.bfloat16)
    if data["t"] == "ndarray":
        return t.numpy()
    return t


def clean_text(text: Any, limit: int = MAX_STRING) -> str:
    """``text`` as a string that any file can hold: lone surrogates replaced, at most ``limit``."""
    return str(text)[:limit].encode("utf-8", "replace").decode("utf-8")


class Handle:
    """An object that stays in the student's kernel, named by ``id``."""

    def __init__(self, handle_id: int, type_name: str) -> None:
        self.id, self.type_name = handle_id, type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} in the student's kernel>"


class Opaque:
    """A value that cannot travel as data (only its type name did)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<an object of type {self.type_name}>"


def digest(value: Any) -> Any:
    """A few numbers that summarise a result: per tensor its shape, dtype, sum and sum of |x|.

    Timed calls reply with this instead of the result, so the time measured is the student's
    computation and not the copying of a large result; the grader compares it with the
    reference's digest of the same call (a numpy array counts as the tensor it holds).
    """
    import torch

    if type(value).__module__ == "numpy" and hasattr(value, "shape"):
        value = torch.as_tensor(value)
    if isinstance(value, torch.Tensor):
        t = value.detach().to("cpu")
        t = t.to(torch.float64) if not t.is_complex() else t.abs().to(torch.float64)
        return {
            "shape": list(value.shape),
            "dtype": str(value.dtype),
            "sum": _finite(float(t.sum())),
            "abs": _finite(float(t.abs().sum())),
        }
    if isinstance(value, list | tuple):
        return [digest(v) for v in value[:64]]
    if isinstance(value, dict):
        return {str(k): digest(v) for k, v in list(value.items())[:64]}
    if isinstance(value, bool | int | float):
        return _finite(float(value))
    return type(value).__name__


def _finite(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)
