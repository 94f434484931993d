"""The worker's request loop: import probes, call them on student code, reply with plain data.

Started by `autograder.judge.client.WorkerClient`, never by hand. Requests arrive on a dedicated
pipe (not stdin/stdout, which student prints would corrupt):
  {"op": "call", "target": "autograder.probes.mod:fn", "args": [...], "kwargs": {...}}
  {"op": "import", "module": "teenygrad.blas"}
Replies are {"ok": true, "value": ...} or {"ok": false, "error": {...}} (see `_error_reply`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from autograder.worker.audit import BannedImportError, ImportAudit
from autograder.worker.codec import (
    MAX_ERROR_MESSAGE,
    MAX_ERROR_TRACEBACK,
    CodecError,
    encode,
    read_message,
    write_message,
)

PROBE_PACKAGE = "autograder.probes."


def _student_traceback(exc: BaseException, student_root: str) -> tuple[str, str]:
    """The traceback limited to student frames, and the innermost student `file:line`."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(student_root)]
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(student_root):
        where = f"{exc.filename[len(student_root):]}:{exc.lineno}"
    elif frames:
        where = f"{frames[-1].filename[len(student_root):]}:{frames[-1].lineno}"
    else:
        where = ""
    lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
    return "".join(lines).replace(student_root, ""), where


def _student_function(exc: BaseException, student_root: str) -> str:
    """The qualified name of the innermost student function the exception passed through
    (`NestedTensor.tolist`), "" if none: the report names the stub a test waits on."""
    name = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(student_root):
            name = tb.tb_frame.f_code.co_qualname
        tb = tb.tb_next
    return name


def _banned_missing(exc: BaseException, banned: frozenset[str]) -> str:
    """The banned module an ImportError is about ("" if none): the sandbox leaves banned
    modules out, and `importlib.import_module` of a missing module raises no audit event."""
    name = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    top = str(name or "").split(".")[0]
    return top.lstrip("_") if top in banned else ""


def _error_reply(exc: BaseException, student_root: str, attempts: list[str],
                 banned: frozenset[str] = frozenset()) -> dict:
    text, where = _student_traceback(exc, student_root)
    missing = _banned_missing(exc, banned)
    if attempts or missing:
        kind = "banned_import"
        message = attempts[0] if attempts else f"banned import '{missing}' at {where or '?'}"
    elif isinstance(exc, NotImplementedError):
        kind, message = "not_implemented", str(exc)
    elif isinstance(exc, CodecError):
        kind, message = "codec", f"returned a value that cannot be checked: {exc}"
    else:
        kind, message = "exception", str(exc)
    return {"ok": False, "error": {"kind": kind, "type": type(exc).__name__,
                                   "message": message[:MAX_ERROR_MESSAGE], "where": where,
                                   "function": _student_function(exc, student_root),
                                   "traceback": text[-MAX_ERROR_TRACEBACK:]}}


def _resolve(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    if not module_name.startswith(PROBE_PACKAGE):
        raise ValueError(f"only probes may be called, not {target!r}")
    fn: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        fn = getattr(fn, part)
    return fn


def _handle(request: dict) -> Any:
    op = request.get("op")
    if op == "call":
        fn = _resolve(request["target"])
        return fn(*request.get("args", []), **request.get("kwargs", {}))
    if op == "import":
        importlib.import_module(request["module"])
        return None
    if op == "ping":
        return "pong"
    raise ValueError(f"unknown request {op!r}")


def serve(channel_in: Any, channel_out: Any, audit: ImportAudit, student_root: str) -> None:
    """Answer requests until the judge closes the channel."""
    banned = frozenset(audit.banned)  # a copy the student's code cannot reach to empty
    write_message(channel_out, {"ok": True, "value": "ready"})
    while True:
        try:
            request = read_message(channel_in)
        except EOFError:
            return
        try:
            value = _handle(request)
            attempts = audit.take_attempts()
            if attempts:
                raise BannedImportError(attempts[0])
            frame = encode({"ok": True, "value": value})
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            attempts = audit.take_attempts()
            if isinstance(exc, BannedImportError):
                attempts.insert(0, str(exc))
            frame = encode(_error_reply(exc, student_root, attempts, banned))
        channel_out.write(frame)
        channel_out.flush()


def main(argv: list[str] | None = None) -> None:
    """Entry point: `python -m autograder.worker --fd-in N --fd-out M --workspace DIR ...`."""
    parser = argparse.ArgumentParser(prog="autograder.worker")
    parser.add_argument("--fd-in", type=int, required=True)
    parser.add_argument("--fd-out", type=int, required=True)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--path", action="append", default=[], help="extra sys.path entries")
    parser.add_argument("--banned", default="", help="comma-separated banned modules")
    parser.add_argument("--preload", default="",
                        help="comma-separated kit modules to import before any request")
    args = parser.parse_args(argv)

    workspace = args.workspace.resolve()
    sys.path[:0] = [str(workspace), *args.path]
    sys.dont_write_bytecode = True  # no __pycache__ left in the student's workspace
    audit = ImportAudit([b for b in args.banned.split(",") if b], workspace)
    audit.install()
    # Kit modules (numpy, the level's probes) imported while the worker waits as a spare, so a
    # test does not pay for them; never student modules.
    for module in filter(None, args.preload.split(",")):
        importlib.import_module(module)
    audit.forget_banned()  # a banned module the kit pulled in must still be refused to students
    channel_in = os.fdopen(args.fd_in, "rb")
    channel_out = os.fdopen(args.fd_out, "wb")
    serve(channel_in, channel_out, audit, str(workspace) + "/")
