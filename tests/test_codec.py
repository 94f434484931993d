"""The judge/worker codec carries plain data only, and refuses anything else both ways."""

from __future__ import annotations

import io
import json
import math
import struct

import numpy as np
import pytest

from autograder.worker.codec import MAX_REPLY_BYTES, CodecError, encode, read_message


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


class _Endless(io.RawIOBase):
    """A stream that serves `prefix`, then zeros forever, counting what was read."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix, self.served = prefix, 0

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size < 0 else min(size, 1 << 20)
        chunk = self.prefix[self.served:self.served + size] or b"\0" * size
        self.served += len(chunk)
        return chunk


def test_a_frame_over_the_limit_is_refused_before_its_bytes_are_read() -> None:
    """A forged reply announcing 1 GiB (student code can write to the reply pipe) costs the
    judge nothing: refused as soon as its size is read, past MAX_REPLY_BYTES or a given limit."""
    announced = struct.pack("<IQ", 2, 1) + b"[]" + struct.pack("<Q", 1 << 30)
    stream = _Endless(announced)
    with pytest.raises(CodecError, match="too large"):
        read_message(stream, MAX_REPLY_BYTES)
    assert stream.served == len(announced)
    small = encode({"x": np.ones(1000)})  # 8 kB of data
    with pytest.raises(CodecError, match="too large"):
        read_message(io.BytesIO(small), 4096)
    assert read_message(io.BytesIO(small), 1 << 20)["x"].shape == (1000,)
