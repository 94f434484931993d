"""What `WorkerClient.call` raises in the judge when student code misbehaves.

`StudentError` is an ordinary exception (hypothesis may shrink it to a minimal example). The
others end the test at once: they derive from BaseException, which hypothesis does not catch,
so a hang is not retried a hundred times while shrinking.
"""

from __future__ import annotations

from autograder.report.record import Outcome


class StudentError(Exception):
    """The student's code raised an exception (reported with the student's own frames)."""

    def __init__(self, type_name: str, message: str, where: str = "", traceback: str = "",
                 function: str = ""):
        self.type_name = type_name
        self.message = message
        self.where = where
        self.traceback = traceback
        self.function = function  # the innermost student function it passed through
        super().__init__(self.summary())

    @property
    def cause(self) -> str:
        """What tests that fail with the same error share: "`unbroadcast`
        (teenygrad/ops.py:77) raises ValueError" ("" when no student function is known)."""
        if not self.function:
            return ""
        at = f" ({self.where})" if self.where else ""
        return f"`{self.function}`{at} raises {self.type_name}"

    def summary(self) -> str:
        """One line for a student: `your code raised IndexError: ... (at teenygrad/x.py:3)`."""
        at = f" (at {self.where})" if self.where else ""
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        return f"your code raised {text}{at}"


class StudentStop(BaseException):
    """Base of the outcomes that end a test immediately."""

    outcome = Outcome.FAILED

    def __init__(self, message: str, detail: str = "", cause: str = ""):
        self.message = message
        self.detail = detail
        #: What the test waits on, shared by every test it stops (e.g. "`infer_shape`
        #: (teenygrad/nested.py:48)", a file that did not compile): the report says it once.
        self.cause = cause
        super().__init__(message)


class NotImplementedByStudent(StudentStop):
    """The student's code raised NotImplementedError: the stub is still there."""

    outcome = Outcome.NOT_IMPLEMENTED


class BannedImport(StudentStop):
    """The student's code imported a module the level forbids."""

    outcome = Outcome.BANNED_IMPORT


class WorkerTimeout(StudentStop):
    """A call did not answer within its time limit (the worker was killed)."""

    outcome = Outcome.TIMED_OUT


class WorkerCrashed(StudentStop):
    """The worker died (signal, exit, memory limit) or sent a corrupt reply."""

    outcome = Outcome.CRASHED


class DidNotCompile(StudentStop):
    """A student file the compiler refused: the kit built its stub instead, and every test of
    a part that needs the file ends with this (the judge knows it from the build)."""

    outcome = Outcome.DID_NOT_COMPILE


class NotBuilt(StudentStop):
    """A student file that does what the level forbids (its rule set, e.g. a Rust `extern`
    block): never built, its stub is, and every test of a part that needs it ends with this."""

    outcome = Outcome.BANNED_IMPORT


class GraderError(Exception):
    """A fault of the kit itself (bad manifest, bad probe, build system failure)."""
