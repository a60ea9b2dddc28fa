"""What travels between the grader and a student's kernel is checked before it is used."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from cvcourse.grading.protocol import (
    CellRun,
    CellVerdict,
    Fault,
    Outcome,
    outcome_from_json,
    to_json,
)
from cvcourse.grading.wire import WireError, decode, encode, read_frame, write_frame


@pytest.mark.parametrize(
    "value",
    [
        torch.tensor([[1.5, float("nan")], [float("inf"), -0.0]], dtype=torch.float64),
        torch.zeros(0, 4),
        torch.arange(6, dtype=torch.int64).view(2, 3),
        torch.tensor([True, False]),
        torch.tensor([1.0, 2.0], dtype=torch.bfloat16),
        np.arange(4, dtype=np.float32),
        [1, 2.5, "x", None, True, (3, 4)],
        {"boxes": torch.ones(2, 4), "labels": [1, 2]},
        torch.float32,
    ],
)
def test_values_round_trip_bit_for_bit(value: object) -> None:
    back = decode(encode(value))
    if isinstance(value, torch.Tensor):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert torch.equal(
            back.view(torch.uint8) if back.numel() else back,
            value.view(torch.uint8) if value.numel() else value,
        ) or torch.equal(back.nan_to_num(), value.nan_to_num())
    elif isinstance(value, np.ndarray):
        assert isinstance(back, np.ndarray) and np.array_equal(back, value)
    elif isinstance(value, dict):
        assert torch.equal(back["boxes"], value["boxes"]) and back["labels"] == [1, 2]
    else:
        assert back == value


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"t": "tensor", "dtype": "float32", "shape": [4], "data": "AAAA"}, "bytes of data"),
        ({"t": "tensor", "dtype": "float32", "shape": [-1], "data": ""}, "shape"),
        ({"t": "tensor", "dtype": "complex64", "shape": [1], "data": ""}, "unknown dtype"),
        ({"t": "tensor", "dtype": "float32", "shape": [2**30], "data": "A" * 99}, "more than"),
        ({"t": "int", "v": 2**80}, "64 bits"),
        ({"t": "float", "v": "1e999"}, "malformed float"),
        ({"t": "list", "items": "nope"}, "without items"),
        ({"t": "dict", "items": [[1, {"t": "none"}]]}, "pairs"),
        ({"t": "exploit"}, "unknown value type"),
        ({"v": 1}, "type tag"),
    ],
)
def test_malformed_records_are_refused_with_a_reason(record: dict, problem: str) -> None:
    with pytest.raises(WireError, match=problem):
        decode(record)


def test_deep_nesting_and_too_many_items_are_refused() -> None:
    deep: dict = {"t": "none"}
    for _ in range(40):
        deep = {"t": "list", "items": [deep]}
    with pytest.raises(WireError, match="nested"):
        decode(deep)


def test_lone_surrogates_become_text_any_file_can_hold() -> None:
    text = decode({"t": "str", "v": "a\ud800b"})
    text.encode("utf-8")  # would raise with the surrogate


def test_a_frame_over_the_cap_is_refused_unread() -> None:
    read_end, write_end = os.pipe()
    try:
        write_frame(write_end, {"x": "y" * 1000})
        with pytest.raises(WireError, match="over the limit"):
            read_frame(read_end, max_bytes=100, timeout=5)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_outcomes_round_trip_as_json() -> None:
    outcome = Outcome(
        "ada/boxes", "ada", "boxes", {"t": CellVerdict(False, "why")}, {3: CellRun("hi")}
    )
    outcome.fault = Fault.STUDENT
    back = outcome_from_json(to_json(outcome))
    assert back == outcome and not Outcome("k", "s", "n", fault=Fault.GRADER).gradable
