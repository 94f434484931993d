"""Plain-data messages between judge and worker: JSON plus raw array buffers, never pickle.

A frame is ``u32 header length | JSON header | (u64 length | bytes)*``. Numpy arrays inside a
message are replaced by ``{"__ndarray__": i, "dtype": ..., "shape": [...]}`` pointing at the
i-th buffer; decoding checks dtype and size before viewing the bytes, so a worker can only ever
send numbers back. numpy is imported lazily: at level -1 the worker must not import it.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from typing import Any, BinaryIO

#: dtypes that may cross the boundary (anything else is refused by both sides).
ALLOWED_DTYPES = ("bool", "int32", "int64", "float32", "float64")
MAX_MESSAGE_BYTES = 1 << 31
#: The largest reply the judge reads from a worker. Grading every level's reference, the
#: largest was 2.2 MB; student code can write a forged frame to the reply pipe, and the judge
#: reads a frame whole, so this caps what one test can make the judge hold.
MAX_REPLY_BYTES = 256 << 20
#: The most of an error's message and traceback (its end) a reply carries: the worker cuts
#: them, and the judge again (a forged reply is not cut by the worker).
MAX_ERROR_MESSAGE = 2000
MAX_ERROR_TRACEBACK = 4000


class CodecError(ValueError):
    """A message that is not plain data, or a frame that is malformed."""


def _encode_value(value: Any, buffers: list[bytes]) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"__float__": repr(value)}  # nan, inf, -inf survive JSON this way
    if isinstance(value, (list, tuple)):
        return [_encode_value(v, buffers) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise CodecError("dict keys must be str")
        return {"__dict__": {k: _encode_value(v, buffers) for k, v in value.items()}}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            if value.dtype.name not in ALLOWED_DTYPES:
                raise CodecError(f"arrays of dtype {value.dtype.name} cannot be sent")
            buffers.append(numpy.ascontiguousarray(value).tobytes())
            return {"__ndarray__": len(buffers) - 1, "dtype": value.dtype.name,
                    "shape": list(value.shape)}
        if isinstance(value, numpy.generic):
            return _encode_value(value.item(), buffers)
    raise CodecError(f"cannot send a value of type {type(value).__name__}; send plain data")


def _decode_value(value: Any, buffers: list[bytes | bytearray]) -> Any:
    if isinstance(value, list):
        return [_decode_value(v, buffers) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        text = value["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise CodecError(f"bad float {text!r}")
        return float(text)
    if "__dict__" in value:
        return {k: _decode_value(v, buffers) for k, v in value["__dict__"].items()}
    if "__ndarray__" in value:
        return _decode_array(value, buffers)
    raise CodecError("unknown object in message")


def _decode_array(spec: dict, buffers: list[bytes | bytearray]) -> Any:
    import numpy

    dtype_name, shape, index = spec.get("dtype"), spec.get("shape"), spec.get("__ndarray__")
    if dtype_name not in ALLOWED_DTYPES:
        raise CodecError(f"array dtype {dtype_name!r} is not allowed")
    if not isinstance(index, int) or not 0 <= index < len(buffers):
        raise CodecError("array buffer index out of range")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise CodecError("bad array shape")
    dtype = numpy.dtype(dtype_name)
    count = math.prod(shape)
    if count * dtype.itemsize != len(buffers[index]):
        raise CodecError("array size does not match its buffer")
    return numpy.frombuffer(buffers[index], dtype=dtype).reshape(shape).copy()


def encode(message: Any) -> bytes:
    """Encode plain data (see module docstring) into one frame."""
    buffers: list[bytes] = []
    header = json.dumps(_encode_value(message, buffers), allow_nan=False).encode()
    parts = [struct.pack("<IQ", len(header), len(buffers)), header]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return b"".join(parts)


def _read_exact(stream: BinaryIO, size: int) -> bytearray:
    """`size` bytes, read into one buffer (never twice their size in memory)."""
    data = bytearray(size)
    view, filled = memoryview(data), 0
    while filled < size:
        chunk = stream.read(size - filled)
        if not chunk:
            raise EOFError("channel closed")
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    return data


def read_message(stream: BinaryIO, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Read and decode one frame of at most `max_bytes` (CodecError, before reading them, for
    a frame that announces more); EOFError when the other side has gone."""
    header_len, n_buffers = struct.unpack("<IQ", _read_exact(stream, 12))
    if header_len > max_bytes or n_buffers > 4096:
        raise CodecError("frame too large")
    raw_header = _read_exact(stream, header_len)
    buffers: list[bytes | bytearray] = []
    total = header_len
    for _ in range(n_buffers):
        (size,) = struct.unpack("<Q", _read_exact(stream, 8))
        total += size
        if total > max_bytes:
            raise CodecError(f"frame too large (over {max_bytes} bytes)")
        buffers.append(_read_exact(stream, size))
    # A frame can be forged (student code can write to the reply pipe): whatever decoding it
    # raises (JSON nested past the recursion limit, a buffer index out of range, a dtype that
    # is not a string) makes it malformed, never an error of the reader.
    try:
        return _decode_value(json.loads(raw_header), buffers)
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise CodecError(f"malformed frame ({type(exc).__name__})") from None


def write_message(stream: BinaryIO, message: Any) -> None:
    """Encode and write one frame, then flush."""
    stream.write(encode(message))
    stream.flush()
