"""The capstone's seam, without a grading run: borrowed keys, the workspace that holds them, and
the student's level 1 running unchanged on `stack.array` (numpy's names over a backend)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KIT, build_submission, run_grade, without_markers

from autograder.judge.static_checks import scan_workspace
from autograder.judge.swap import swap_state
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
        assert len(keys) == 7
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


# ----- swapping in one part at a time (stack/swap.py) ------------------------------------------

#: The student's-eye walk: the capstone's stubs with the earlier levels done, then one part
#: swapped in at a time with the reference's files for it. The first three run on the kit's
#: numpy backend (the backend is not swapped in yet), `backend` then runs them on the student's
#: storage with numpy's products, `matmul` on the student's SGEMM.
WALK = ("conv", "train", "autodiff", "backend", "matmul")
#: The capstone's own files each part needs (the earlier levels' are the references already).
PART_FILES = {"backend": ["stack/backend.py"], "matmul": ["stack/backend.py"], "autodiff": [],
              "conv": ["stack/backend.py", "stack/conv.py"], "train": ["stack/train.py"]}


def walk_submission(dest: Path, parts: tuple[str, ...]) -> Path:
    """A repository with every earlier level's reference, the capstone's stubs, and `parts`
    swapped in: listed in stack/swap.py, their files the reference's."""
    build_submission(dest, KIT / "solutions" / "capstone", dest.parent / "no-overlay")
    for key in ("stack/backend.py", "stack/conv.py", "stack/train.py"):
        shutil.copyfile(KIT / "assignments" / "capstone" / key, dest / key)
    for key in {k for part in parts for k in PART_FILES[part]}:
        source = (KIT / "solutions" / "capstone" / key).read_text()
        (dest / key).write_text(without_markers(source))
    (dest / "stack" / "swap.py").write_text(f"SWAPPED_IN = {parts!r}\n")
    return dest


@pytest.mark.slow
def test_swapping_in_one_part_at_a_time(tmp_path: Path) -> None:
    """From the stubs, each part swapped in adds exactly its points: the scores rise at every
    step to 100, the parts not swapped in are named and earn nothing."""
    level = load_level("capstone", KIT)
    scores, wanted = [], []
    for step in range(len(WALK) + 1):
        parts = WALK[:step]
        graded = run_grade("capstone", "--submission",
                           walk_submission(tmp_path / f"step{step}", parts),
                           json_out=tmp_path / f"step{step}.json")
        assert graded.record is not None, graded.stderr
        result = graded.record["levels"][0]
        by_part = {p["id"]: p["points"] for p in result["parts"]}
        for part in level.parts:
            want = level.parts[part].points if part in parts else 0.0
            assert by_part[part] == pytest.approx(want), (parts, part, result["tests"])
        waiting = [t for t in result["tests"] if t["part"] not in parts]
        assert all(t["outcome"] == "not implemented" and "is not swapped in" in t["message"]
                   for t in waiting), waiting
        stand_in = "numpy in the worker" in " ".join(result["notes"])
        assert stand_in == ("backend" not in parts or "matmul" not in parts), result["notes"]
        scores.append(graded.record["points"])
        wanted.append(sum(level.parts[p].points for p in parts))
    print("swap-in walk:", list(zip(("stubs", *WALK), scores, strict=True)))
    assert scores == pytest.approx(wanted) == [0, 16, 41, 61, 85, 100]
    assert all(a < b for a, b in zip(scores, scores[1:], strict=False)) and scores[-1] == 100


def test_the_swap_file_is_read_as_data() -> None:
    """stack/swap.py is read without running it: a plain tuple of known parts, or nothing."""
    level = load_level("capstone", KIT)
    state = swap_state(level, 'SWAPPED_IN: tuple[str, ...] = ()\nSWAPPED_IN = ("conv", "train")\n')
    assert (state.swapped, state.waiting, state.kit_packages) == (
        ("conv", "train"), ("backend", "matmul", "autodiff"), ("numpy",))
    full = swap_state(level, (KIT / "solutions/capstone/stack/swap.py").read_text())
    assert (full.swapped, full.waiting, full.kit_packages, full.note(level)) == (
        tuple(level.parts), (), (), "")
    stub = swap_state(level, (KIT / "assignments/capstone/stack/swap.py").read_text())
    assert stub.swapped == () and "not yet earned: backend (24)" in stub.note(level)
    for text, problem in [("SWAPPED_IN = tuple(PARTS)", "plain tuple"),
                          ("SWAPPED_IN = (", "could not read it"), ("X = ()", "not found"),
                          ("SWAPPED_IN = ('conv', 'convolution')", "'convolution' is not a part")]:
        state = swap_state(level, text)
        assert problem in state.note(level), (text, state.note(level))
    assert swap_state(level, "SWAPPED_IN = ('conv', 'convolution')").swapped == ("conv",)
    assert "missing" in swap_state(level, None).note(level)


@pytest.mark.slow
def test_numpy_of_the_stand_in_is_not_the_students(tmp_path: Path) -> None:
    """While the kit's numpy backend stands in (numpy in the worker), a student file that
    imports numpy still fails as a banned import; the same training without it passes."""
    sub = walk_submission(tmp_path / "sub", ("conv", "train"))
    train = sub / "stack" / "train.py"
    clean = train.read_text()
    train.write_text(clean.replace("from typing import Any\n",
                                   "from typing import Any\n\nimport numpy  # noqa: F401\n"))
    graded = run_grade("capstone", "--submission", sub, "-k", "test_mlp_digits",
                       json_out=tmp_path / "banned.json")
    assert graded.record is not None, graded.stderr
    (test,) = graded.record["levels"][0]["tests"]
    assert test["outcome"] == "banned import" and "stack/train.py" in test["message"], test
    train.write_text(clean)
    graded = run_grade("capstone", "--submission", sub, "-k", "test_mlp_digits",
                       json_out=tmp_path / "clean.json")
    assert graded.record is not None and graded.record["points"] == 4, graded.record
