"""Part matmul: your level 0 SGEMM (through the kit's numpy-free binding) and the backend's
matrix product on it."""

import pytest

from autograder.judge.api import check_close
from autograder.probes import capstone as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("matmul")
expected = public_oracle("capstone")

LEVEL0 = ("your level 0 `sgemm_parallel` (rust_kernels/teenygrad_kernels/src/kernels/"
          "sgemm_parallel.rs, with the simd micro-kernel it reuses)")


def _operands(m: int, n: int, k: int) -> tuple[list[float], list[float], list[float]]:
    return (expected.random_values(1, m, k), expected.random_values(2, k, n),
            expected.random_values(3, m, n))


@pytest.mark.points(3)
@pytest.mark.parametrize("alpha,beta", [(1.0, 0.0), (1.5, 0.5), (1.0, 1.0)])
def test_level0_sgemm(student, alpha, beta):
    """Your level 0 SGEMM computes alpha * A @ B + beta * C on the capstone's lists."""
    m, n, k = 33, 17, 29
    a, b, c = _operands(m, n, k)
    got = student.call(probes.sgemm_direct, m, n, k, alpha, a, b, beta, c)
    want = expected.sgemm(m, n, k, alpha, a, b, beta, c)
    hint = ""
    if beta != 0.0:
        ignored = expected.sgemm(m, n, k, alpha, a, b, 0.0, c)
        close = max(abs(g - w) for g, w in zip(got, ignored, strict=False)) < 1e-3
        hint = " it ignores beta: C must be scaled by beta and added" if close else ""
    check_close(got, want, what=f"{LEVEL0} with alpha={alpha}, beta={beta}",
                hint=f"fix the level 0 file (level 0 grades it too);{hint}", rtol=1e-4,
                atol=1e-4)


@pytest.mark.points(3)
@pytest.mark.parametrize("layout_a,layout_b", [("contiguous", "contiguous"),
                                               ("transposed", "transposed")])
def test_backend_matmul(student, layout_a, layout_b):
    """StridedBackend.matmul gives A @ B, and A @ B + beta * C, through your SGEMM, whatever
    the operands' layout."""
    m, n, k = 9, 7, 5
    a, b, c = _operands(m, n, k)
    got = student.call(probes.backend_matmul, [a, [m, k], layout_a], [b, [k, n], layout_b])
    assert got["shape"] == [m, n], (
        f"StridedBackend.matmul gave shape {got['shape']}, expected {[m, n]}")
    check_close(got["values"], expected.sgemm(m, n, k, 1.0, a, b, 0.0, [0.0] * (m * n)),
                what=f"StridedBackend.matmul of {layout_a} A and {layout_b} B (stack/backend.py)",
                hint="send the row-major values of each operand (your level -1 positions())",
                rtol=1e-4, atol=1e-4)
    # beta and c reach the SGEMM (c in A's layout). A level 0 SGEMM that ignores beta is
    # charged to test_level0_sgemm alone: the backend passes if it gives what that SGEMM gives.
    beta = 0.5
    got = student.call(probes.backend_matmul, [a, [m, k], layout_a], [b, [k, n], layout_b],
                       beta, [c, [m, n], layout_a])
    want = expected.sgemm(m, n, k, 1.0, a, b, beta, c)
    if not _close(got["values"], want):
        level0 = student.call(probes.sgemm_direct, m, n, k, 1.0, a, b, beta, c)
        if _close(got["values"], level0) and not _close(level0, want):
            return
    dropped = _close(got["values"], expected.sgemm(m, n, k, 1.0, a, b, 0.0, c))
    check_close(got["values"], want,
                what=f"StridedBackend.matmul(a, b, beta={beta}, c) of {layout_a} A and C and "
                     f"{layout_b} B (stack/backend.py)",
                hint="pass beta and the row-major values of c on to sgemm_lists"
                     + ("; it gave A @ B alone: beta and c were dropped" if dropped else ""),
                rtol=1e-4, atol=1e-4)


def _close(got, want, tol: float = 1e-4) -> bool:
    """Whether two flat lists of numbers agree within `tol` (absolute and relative)."""
    try:
        return len(got) == len(want) and all(
            abs(float(g) - float(w)) <= tol + tol * abs(float(w))
            for g, w in zip(got, want, strict=True))
    except (TypeError, ValueError):
        return False
