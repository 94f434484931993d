"""A small synthetic kit for the instructor tools' tests (one level, Python and Rust keys)."""

from __future__ import annotations

import textwrap
from pathlib import Path

SOLUTION_PY = '''\
"""A tiny module."""

import math

### BEGIN SOLUTION
def _helper(values):
    return [math.sqrt(v) for v in values]
### END SOLUTION


class Tensor:
    """A tensor."""

    def norm(self, values):
        """Return the Euclidean norm of `values`."""
        ### BEGIN SOLUTION
        return math.sqrt(sum(v * v for v in values))
        ### END SOLUTION


def saxpy(alpha, x, y):
    """y <- alpha*x + y, in place."""
    ### BEGIN SOLUTION
    for i, xi in enumerate(x):
        updated = alpha * xi + y[i]
        y[i] = updated  # in place
    ### END SOLUTION
'''

STUB_PY = '''\
"""A tiny module."""

import math


class Tensor:
    """A tensor."""

    def norm(self, values):
        """Return the Euclidean norm of `values`."""
        raise NotImplementedError("Tensor.norm: not implemented yet — see the docstring")


def saxpy(alpha, x, y):
    """y <- alpha*x + y, in place."""
    raise NotImplementedError("saxpy: not implemented yet — see the docstring")
'''

SOLUTION_RS = """\
// BEGIN SOLUTION
fn dot_unrolled(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}
// END SOLUTION

/// C <- alpha*A*B + beta*C ("{" in a string).
pub fn sgemm_naive(m: usize, c: &mut [f32]) -> Result<(), String> {
    let _brace = '{';
    // BEGIN SOLUTION
    for i in 0..m { c[i] *= 2.0; }
    Ok(())
    // END SOLUTION
}
"""


def make_kit(root: Path, solution_py: str = SOLUTION_PY) -> Path:
    """A kit with one level: a Python key, a Rust key, a verbatim key."""
    (root / "autograder" / "levels").mkdir(parents=True)
    (root / "autograder" / "levels" / "demo.toml").write_text(textwrap.dedent("""\
        id = "demo"
        title = "a level for the instructor tools' tests"
        order = 1
        editable = ["pkg/*.py", "rust_kernels/k/src/student.rs"]

        [parts.all]
        title = "everything"
        points = 100
    """))
    sol = root / "solutions" / "demo"
    (sol / "pkg").mkdir(parents=True)
    (sol / "pkg" / "core.py").write_text(solution_py)
    (sol / "pkg" / "__init__.py").write_text('"""Package."""\n')
    (sol / "rust_kernels" / "k" / "src").mkdir(parents=True)
    (sol / "rust_kernels" / "k" / "src" / "student.rs").write_text(SOLUTION_RS)
    return root
