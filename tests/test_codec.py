"""The judge/worker codec carries plain data only, and refuses anything else both ways."""

from __future__ import annotations

import io
import json
import math
import struct

import numpy as np
import pytest

from autograder.worker.codec import CodecError, encode, read_message


def roundtrip(value: object) -> object:
    """Encode then decode one message."""
    return read_message(io.BytesIO(encode(value)))


def test_plain_values_roundtrip() -> None:
    """None, bools, ints, floats (NaN and infinities too), strings, lists and dicts survive."""
    value = {"a": [1, 2.5, None, True, "x"], "b": {"c": [float("inf"), float("-inf")]}}
    assert roundtrip(value) == value
    assert math.isnan(roundtrip(float("nan")))
    assert roundtrip((1, 2)) == [1, 2]


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64"])
def test_arrays_roundtrip_bit_exact(dtype: str) -> None:
    """numpy arrays of the allowed dtypes come back with dtype, shape and bytes unchanged."""
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    back = roundtrip({"x": array[:, ::2]})["x"]
    assert back.dtype == array.dtype and back.shape == (2, 2, 4)
    assert np.array_equal(back, array[:, ::2])


@pytest.mark.parametrize("value", [object(), {1: "int key"}, np.array(["text"]),
                                   np.zeros(2, dtype=np.complex64), b"bytes"])
def test_non_plain_values_are_refused(value: object) -> None:
    """Objects, non-str keys, and arrays of other dtypes cannot be sent."""
    with pytest.raises(CodecError):
        encode(value)


def _frame(header: dict, buffers: list[bytes]) -> io.BytesIO:
    body = json.dumps(header).encode()
    parts = [struct.pack("<IQ", len(body), len(buffers)), body]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return io.BytesIO(b"".join(parts))


@pytest.mark.parametrize("header,buffers", [
    ({"__ndarray__": 0, "dtype": "object", "shape": [1]}, [b"\0" * 8]),
    ({"__ndarray__": 0, "dtype": "float64", "shape": [2]}, [b"\0" * 8]),
    ({"__ndarray__": 3, "dtype": "float64", "shape": [1]}, [b"\0" * 8]),
    ({"__ndarray__": 0, "dtype": "float64", "shape": [-1]}, [b"\0" * 8]),
    ({"__float__": "__import__('os')"}, []),
    ({"__pickle__": "gASV"}, []),
])
def test_forged_frames_are_refused(header: dict, buffers: list[bytes]) -> None:
    """A worker cannot smuggle objects: bad dtypes, sizes, indexes and tags raise CodecError."""
    with pytest.raises(CodecError):
        read_message(_frame(header, buffers))


def test_student_dicts_cannot_pose_as_arrays() -> None:
    """A dict a student returns is data, even when its keys look like the codec's own tags."""
    fake = {"__ndarray__": 0, "dtype": "float64", "shape": [1]}
    assert roundtrip(fake) == fake


def test_truncated_frame_is_eof() -> None:
    """A frame cut short (a worker that died mid-reply) is EOFError, not garbage."""
    data = encode({"x": np.ones(100)})
    with pytest.raises(EOFError):
        read_message(io.BytesIO(data[:-10]))
