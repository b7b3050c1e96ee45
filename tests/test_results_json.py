"""explain.json's units are written by orjson where it gives Python's ``json`` bytes, else by
``json`` (kaohe.io.results_files._compact_fast): the text must be the same either way."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kaohe.io.results_files import _compact, _compact_fast

FLOATS = st.floats(allow_nan=False, allow_infinity=False)
LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | FLOATS | st.text()
DATA = st.recursive(
    LEAVES,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4)
    ),
    max_leaves=20,
)


@given(DATA)
def test_the_fast_path_writes_the_same_text(value: Any) -> None:
    assert _compact_fast(value) == _compact(value)


def test_numbers_written_differently_by_orjson_take_json_s_path() -> None:
    awkward: list[Any] = [
        -0.0,
        1e-4,
        9.99e-5,
        -3.2691881840185566e-05,
        1e15,
        1e16,
        1.5e300,
        12345678901234567.0,
        [0.33799999999999997, -0.00003, 1e-7],
        2**63,
        np.float64(0.5),
        {"k": '\x00"\\ 中 \u2028'},
        [None, True, (1, 2.5)],
        "e-5 3e5 0.00001",
    ]
    for value in awkward:
        assert _compact_fast(value) == _compact(value)
        assert json.loads(_compact_fast(value)) == json.loads(_compact(value))
    assert not math.isnan(json.loads(_compact_fast(1.0)))
