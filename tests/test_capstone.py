"""The capstone's seam, without a grading run: borrowed keys, the workspace that holds them, and
the student's level 1 running unchanged on `stack.array` (numpy's names over a backend)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import KIT

from autograder.judge.static_checks import scan_workspace
from autograder.judge.workspace import Source, build_workspace
from autograder.levels import load_level


def test_borrowed_keys_belong_to_their_level() -> None:
    """A borrowed key's stub and reference are its own level's; the release leaves it out."""
    level = load_level("capstone", KIT)
    key = "assignments/level-1/teenygrad/strided.py"
    assert level.owner(key) == "level-1"
    assert level.owner("stack/backend.py") == "capstone"
    assert level.owner("rust_kernels/teenygrad_kernels/src/kernels/sgemm_simd.rs") == "level0"
    assert level.solution_rel(key) == "solutions/level-1/teenygrad/strided.py"
    assert level.student_path(key) == KIT / key
    assert level.solution_path("stack/conv.py") == KIT / "solutions/capstone/stack/conv.py"
    assert all(level.owner(k) == "capstone" for k in level.solution_keys())
    assert "stack/train.py" in level.solution_keys()
    assert key not in level.own_keys(level.stub_keys())


def test_workspace_of_the_solutions_holds_every_level_reference() -> None:
    """--solutions takes each borrowed file from its own level's solutions folder."""
    level = load_level("capstone", KIT)
    ws = build_workspace(level, Source("solutions"))
    try:
        for key in ("assignments/level1/teenygrad/ops.py", "stack/backend.py",
                    "rust_kernels/teenygrad_kernels/src/kernels/sgemm_parallel.rs"):
            assert (ws.student / key).read_bytes() == level.solution_path(key).read_bytes()
        assert not ws.missing
    finally:
        ws.cleanup()


def test_the_framework_imports_no_numpy() -> None:
    """The capstone's own files import no banned module (the static half of the ban)."""
    level = load_level("capstone", KIT)
    for source in (level.solutions_dir, KIT / "assignments" / "capstone"):
        keys = [k for k in level.own_keys(level.editable) if (source / k).is_file()]
        assert len(keys) == 6
        assert scan_workspace(source, keys, level.banned_imports) == []


# Run in a fresh interpreter: assembling replaces `teenygrad` in sys.modules. The backend's
# matrix product is done in Python here (no Rust build); everything else is the references'.
PARITY = r"""
import json, sys
import numpy
sys.path.insert(0, sys.argv[1])
import stack
from stack import backend

def matmul(self, a, b, beta=0.0, c=None):
    (m, k), (_, n) = a.shape, b.shape
    av, bv = self.values(a), self.values(b)
    return self.tensor([sum(av[i * k + t] * bv[t * n + j] for t in range(k))
                        for i in range(m) for j in range(n)], (m, n))

backend.StridedBackend.matmul = matmul
rng = numpy.random.default_rng(0)
x, w = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
y = [2, 0, 4, 1]
out = {}
for name in ("numpy", "strided"):
    tg = stack.assemble(numpy) if name == "numpy" else stack.assemble()
    xt = tg.Tensor(tg.np.array(x.tolist()), requires_grad=True)
    wt = tg.Tensor(tg.np.array(w.tolist()), requires_grad=True)
    z = (xt @ wt.T).tanh() * 2.0 - xt.sum(axis=1, keepdims=True)
    loss = tg.losses.cross_entropy(z, tg.np.array(y))
    loss.backward()
    out[name] = [float(loss.item()), numpy.asarray(xt.grad.tolist()).ravel().tolist(),
                 numpy.asarray(wt.grad.tolist()).ravel().tolist()]
print(json.dumps(out))
"""


def test_level1_runs_unchanged_on_the_stack(tmp_path: Path) -> None:
    """Level 1's reference gives numpy's loss and gradients on stack.array + StridedBackend."""
    layout = tmp_path / "assignments"
    layout.mkdir()
    for name in ("capstone", "level-1", "level1"):
        (layout / name).symlink_to(KIT / "solutions" / name)
    done = subprocess.run([sys.executable, "-c", PARITY, str(layout / "capstone")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for got, want in zip(out["strided"], out["numpy"], strict=True):
        got, want = (got, want) if isinstance(got, list) else ([got], [want])
        assert max(abs(g - v) for g, v in zip(got, want, strict=True)) < 1e-12, (got, want)
