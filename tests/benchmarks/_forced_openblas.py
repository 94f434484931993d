"""numpy with a forced OpenBLAS kernel, timed in a child process beside the benchmark.

OpenBLAS picks its kernel once, when it is loaded, from the CPU or from OPENBLAS_CORETYPE, so
a second kernel needs a second process: `ForcedOpenBLAS("Haswell")` starts this file as a
child with OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE unset), which reports the kernel
OpenBLAS really chose (threadpoolctl's `architecture`: an unknown name falls back to the
CPU's own) and then times one `numpy.matmul` per request. The benchmark asks it between its
own rounds, so every kernel is measured in the same minutes of the same machine.

The protocol is one line each way: `N THREADS` -> the seconds of one n x n product on THREADS
threads, of the matrices the benchmark itself multiplies (the same seeded generator), timed
right after an untimed one, as the benchmark times its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from autograder.judge.timing import process_cpu_seconds

KIT = Path(__file__).resolve().parents[2]
#: Untimed calls before each timed one, back to back for at least this long (at least one):
#: what a run of back-to-back products (training) sees, with the cores awake and their clocks
#: up. One call was not enough on this VM: a 2-thread n = 1024 product (ours or OpenBLAS's,
#: about 5 ms) after one untimed call ran at 80 % of its rate in a loop.
WARM_UP_S = 0.05


def warm_up(call, *args, **kwargs) -> None:
    """Call `call(*args, **kwargs)` back to back for WARM_UP_S seconds (at least once),
    untimed."""
    start = time.perf_counter()
    call(*args, **kwargs)
    while time.perf_counter() - start < WARM_UP_S:
        call(*args, **kwargs)


def operands(n: int):
    """The benchmark's n x n operands (float32, seeded by n), shared by both processes."""
    import numpy as np

    rng = np.random.default_rng(n)
    a = rng.random((n, n), dtype=np.float32) - np.float32(0.5)
    b = rng.random((n, n), dtype=np.float32) - np.float32(0.5)
    return a, b


class ForcedOpenBLAS:
    """A child process whose numpy runs OpenBLAS with `coretype` forced."""

    def __init__(self, coretype: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_L2_SIZE"}
        env["OPENBLAS_CORETYPE"] = coretype
        # The child imports the kit (its CPU-time reader), which need not be installed.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(KIT), env.get("PYTHONPATH")]))
        self.coretype = coretype
        self._child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        info = json.loads(self._readline())
        #: The kernel OpenBLAS chose in the child, e.g. "Haswell" (threadpoolctl's name).
        self.kernel = str(info.get("architecture"))

    def seconds(self, n: int, threads: int) -> float:
        """Wall seconds of one n x n `numpy.matmul` on `threads` threads in the child (after
        `warm_up`'s untimed ones)."""
        assert self._child.stdin is not None
        self._child.stdin.write(f"{n} {threads}\n")
        self._child.stdin.flush()
        return float(self._readline())

    def cpu_seconds(self) -> float:
        """CPU seconds the child has used so far: the benchmark's own work, not another
        process's, for the load check."""
        return process_cpu_seconds(self._child.pid)

    def close(self) -> None:
        """Stop the child."""
        if self._child.poll() is None:
            assert self._child.stdin is not None
            self._child.stdin.close()
            try:
                self._child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()

    def _readline(self) -> str:
        assert self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError(f"the OPENBLAS_CORETYPE={self.coretype} child exited "
                               f"(status {self._child.poll()})")
        return line


def _serve() -> None:
    """The child: report the kernel, then time one product per request line."""
    import numpy as np
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    blas = [i for i in controller.info() if i.get("user_api") == "blas"]
    print(json.dumps(blas[0] if blas else {}), flush=True)
    cached: dict[int, tuple] = {}
    current_threads = None
    for line in sys.stdin:
        n, threads = (int(v) for v in line.split())
        if n not in cached:
            cached.clear()
            a, b = operands(n)
            cached[n] = (a, b, np.empty((n, n), np.float32))
        if threads != current_threads:  # set only on a change: setting it scans the libraries
            controller.limit(limits=threads, user_api="blas")
            current_threads = threads
        a, b, c = cached[n]
        warm_up(np.matmul, a, b, out=c)  # wakes the cores: only the next is timed
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        print(time.perf_counter() - start, flush=True)


if __name__ == "__main__":
    _serve()
