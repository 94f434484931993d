"""Where the public suites get expected values: `expected = public_oracle("level1")`.

In the kit this is the judge's references module itself. The student repository ships no
references (they are the answer key): there `public_oracle` returns a *replay* that answers
each lookup from `autograder/suites/expected/<module>.json`, data that
`grade.py release --student-repo` recorded while the public suites graded the reference
solutions (with TEENYGRAD_RECORD_EXPECTED=DIR set, `public_oracle` returns a *recorder*: the
references, wrapped, writing down every answer they give).

A lookup is a path from the module through attributes, items and calls, e.g.
`expected.scipy_distribution("Normal", params).cdf(x)`. A step whose result is plain data
(numbers, strings, lists, tuples, dicts, Fractions, numpy arrays of the wire's dtypes) is
answered with it; any other result (a function, a scipy distribution) with a further replay.
Keys are the path with every argument encoded canonically (an array by dtype, shape and a hash
of its bytes), so only values the suites make themselves can be looked up: a public test never
passes the student's output, or a function, to the oracle. A lookup that was not recorded is
the kit's fault: it ends the test as a grader error, naming the lookup.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import zlib
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from autograder.worker.codec import ALLOWED_DTYPES

#: Set to a folder: public_oracle records into DIR/<module>.jsonl (the release does this).
RECORD_ENV = "TEENYGRAD_RECORD_EXPECTED"
#: Where the student repository keeps the recorded values, one JSON file per module.
EXPECTED_DIR = Path(__file__).with_name("expected")
REFERENCES = "autograder.references"
FORMAT = 1

Step = list  # ["attr", name] | ["item", key] | ["call", args, kwargs], arguments encoded

#: Key -> hash of the answer, of everything this process recorded.
_WRITTEN: dict[str, str] = {}


class NotPlain(TypeError):
    """A value the recording cannot hold (a function, a student object, ...)."""


class ExpectedNotRecorded(LookupError):
    """A public test looked up a value the release did not record (a bug in the kit)."""


# -- plain data ----------------------------------------------------------------------------------
def _array_bytes(value: np.ndarray) -> bytes:
    if value.dtype.name not in ALLOWED_DTYPES:
        raise NotPlain(f"an array of dtype {value.dtype.name}")
    return np.ascontiguousarray(value).tobytes()


def _array_data(value: np.ndarray) -> dict:
    """An array as the codec's header (dtype, shape) with its bytes inline (zlib, base64)."""
    raw = base64.b64encode(zlib.compress(_array_bytes(value), 6)).decode("ascii")
    return {"__ndarray__": raw, "dtype": value.dtype.name, "shape": list(value.shape)}


def _array_key(value: np.ndarray) -> dict:
    """An array in a key: dtype, shape and a hash of its bytes."""
    digest = hashlib.sha256(_array_bytes(value)).hexdigest()
    return {"__ndarray__": digest, "dtype": value.dtype.name, "shape": list(value.shape)}


def encode(value: Any, array: Callable[[np.ndarray], dict] = _array_data) -> Any:
    """`value` as JSON-able data that `decode` turns back into an equal value (types kept:
    tuples, Fractions, numpy scalars and dtypes); NotPlain for anything else."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return {"__scalar__": array(np.asarray(value))}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, Fraction):
        return {"__fraction__": [value.numerator, value.denominator]}
    if isinstance(value, np.ndarray):
        return array(value)
    if isinstance(value, list):
        return [encode(v, array) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, array) for v in value]}
    if isinstance(value, dict):
        return {"__pairs__": [[encode(k, array), encode(v, array)] for k, v in value.items()]}
    if isinstance(value, set | frozenset):
        items = [encode(v, array) for v in value]
        return {"__set__": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    raise NotPlain(f"a {type(value).__name__}")


def _decode_array(spec: dict) -> np.ndarray:
    dtype = np.dtype(spec["dtype"])
    if dtype.name not in ALLOWED_DTYPES:
        raise ValueError(f"recorded array of dtype {dtype.name}")
    raw = zlib.decompress(base64.b64decode(spec["__ndarray__"]))
    return np.frombuffer(raw, dtype=dtype).reshape(spec["shape"]).copy()


def decode(data: Any) -> Any:
    """The value `encode` was given."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ndarray__" in data:
        return _decode_array(data)
    if "__scalar__" in data:
        return _decode_array(data["__scalar__"])[()]
    if "__float__" in data:
        return float(data["__float__"])
    if "__fraction__" in data:
        return Fraction(*data["__fraction__"])
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__pairs__" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["__pairs__"]}
    if "__set__" in data:
        return {_hashable(decode(v)) for v in data["__set__"]}
    raise ValueError(f"unknown recorded value {sorted(data)}")


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- lookup paths --------------------------------------------------------------------------------
def lookup_key(module: str, steps: list[Step]) -> str:
    """The recording's key of a lookup path."""
    text = json.dumps([module, steps], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype.name} array {tuple(value.shape)}>"
    if isinstance(value, list | tuple) and len(value) <= 8:
        inner = ", ".join(_short(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _step(kind: str, *parts: Any) -> tuple[Step, str]:
    """(encoded step, how it reads) of one attribute, item or call; NotPlain for an argument
    that is not plain data."""
    if kind == "attr":
        return ["attr", parts[0]], f".{parts[0]}"
    if kind == "item":
        return ["item", encode(parts[0], _array_key)], f"[{_short(parts[0])}]"
    args, kwargs = parts
    shown = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    encoded = ["call", encode(list(args), _array_key), encode(dict(sorted(kwargs.items())),
                                                              _array_key)]
    return encoded, f"({', '.join(shown)})"


class _Lookup:
    """The attribute/item/call protocol shared by the recorder and the replay."""

    def __init__(self, module: str, steps: list[Step], text: str) -> None:
        self._module, self._steps, self._text = module, steps, text

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._follow("attr", name)

    def __getitem__(self, key: Any) -> Any:
        return self._follow("item", key)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._follow("call", args, kwargs)

    def __repr__(self) -> str:
        return f"<expected value {self._text}>"

    def _follow(self, kind: str, *parts: Any) -> Any:
        raise NotImplementedError


class _Recorder(_Lookup):
    """The references, wrapped: each answer is written to the sink, then given back as the
    replay will give it (decoded from its own recording)."""

    def __init__(self, target: Any, module: str, steps: list[Step], text: str,
                 sink: Path) -> None:
        super().__init__(module, steps, text)
        self._target, self._sink = target, sink

    def _follow(self, kind: str, *parts: Any) -> Any:
        try:
            step, shown = _step(kind, *parts)  # before the call: a callee may change its input
        except NotPlain as exc:
            raise NotPlain(f"{self._text} was given {exc}: public tests may pass the oracle "
                           "only plain data they made themselves") from None
        if kind == "attr":
            result = getattr(self._target, parts[0])
        elif kind == "item":
            result = self._target[parts[0]]
        else:
            result = self._target(*parts[0], **parts[1])
        steps, text = [*self._steps, step], self._text + shown
        entry = {"key": lookup_key(self._module, steps), "call": text}
        try:
            entry |= {"kind": "value", "value": encode(result)}
        except NotPlain:
            entry["kind"] = "object"
        line = json.dumps(entry)
        digest = hashlib.sha256(line.encode()).hexdigest()
        if entry["key"] not in _WRITTEN:  # written once, however often the suites ask
            _WRITTEN[entry["key"]] = digest
            with self._sink.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        elif _WRITTEN[entry["key"]] != digest:
            raise ValueError(f"{text} gave two different answers while recording")
        if entry["kind"] == "object":
            return _Recorder(result, self._module, steps, text, self._sink)
        return decode(entry["value"])


class _Replay(_Lookup):
    """Answers each lookup from a recording."""

    def __init__(self, entries: dict[str, dict], module: str, steps: list[Step],
                 text: str) -> None:
        super().__init__(module, steps, text)
        self._entries = entries

    def _follow(self, kind: str, *parts: Any) -> Any:
        try:
            step, shown = _step(kind, *parts)
        except NotPlain as exc:
            raise ExpectedNotRecorded(f"{self._text}: given {exc}, which no recording can "
                                      "answer (a bug in the kit's public tests)") from None
        steps, text = [*self._steps, step], self._text + shown
        entry = self._entries.get(lookup_key(self._module, steps))
        if entry is None:
            raise ExpectedNotRecorded(
                f"no expected value was recorded for {text} (a bug in the kit's public tests "
                "or in the release that made this repository: report it)")
        if entry["kind"] == "object":
            return _Replay(self._entries, self._module, steps, text)
        return decode(entry["value"])


# -- the seam ------------------------------------------------------------------------------------
@cache
def _recording(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: recording format {data.get('format')!r}, expected {FORMAT}")
    return data["entries"]


def public_oracle(module: str) -> Any:
    """The expected values of the public suites that use references module `module`."""
    record = os.environ.get(RECORD_ENV)
    text = f"expected[{module}]"
    if record:
        target = importlib.import_module(f"{REFERENCES}.{module}")
        return _Recorder(target, module, [], text, Path(record) / f"{module}.jsonl")
    data = EXPECTED_DIR / f"{module}.json"
    if data.is_file():
        return _Replay(_recording(data), module, [], text)
    try:
        return importlib.import_module(f"{REFERENCES}.{module}")
    except ModuleNotFoundError:
        raise RuntimeError(f"neither the references nor {data} are here: this repository "
                           "was not made by `grade.py release --student-repo`") from None


def dump_recording(data: dict) -> str:
    """A recording as the text of its file: JSON, one entry a line."""
    entries = ",\n".join(f"{json.dumps(key)}: {json.dumps(entry)}"
                          for key, entry in data["entries"].items())
    return (f'{{"format": {data["format"]}, "module": {json.dumps(data["module"])}, '
            f'"entries": {{\n{entries}\n}}}}\n')


def merge_recordings(folder: Path) -> dict[str, dict]:
    """{module: recording file content} from the `<module>.jsonl` files recorders wrote into
    `folder` or its subfolders.

    The same lookup recorded twice must have had the same answer (the references are
    deterministic); ValueError otherwise.
    """
    out: dict[str, dict] = {}
    for path in sorted(folder.rglob("*.jsonl")):
        data = out.setdefault(path.stem, {"format": FORMAT, "module": path.stem, "entries": {}})
        entries = data["entries"]
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            key = entry.pop("key")
            if key in entries and entries[key] != entry:
                raise ValueError(f"{entry['call']} gave two different answers while recording")
            entries[key] = entry
    return out
