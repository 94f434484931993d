"""The capstone's judge-side fixture: train a network on the student's stack and grade it."""

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder.judge.swap import swap_state
from autograder.probes import capstone as probes
from autograder.suites.oracle import public_oracle

expected = public_oracle("capstone")

PIXEL_MAX = 16.0
PLOT_PATH = Path("grading-output") / "capstone-steps.png"


def network_logits(layers: list[dict], x: np.ndarray) -> np.ndarray:
    """The grader's own forward pass of the layers your network sent back."""
    out = x
    for layer in layers:
        if layer["kind"] == "Conv2d":
            w, b = np.reshape(*layer["weight"]), np.reshape(*layer["bias"])
            win = np.lib.stride_tricks.sliding_window_view(out, w.shape[2:], axis=(2, 3))
            out = np.einsum("bcijpq,fcpq->bfij", win, w) + b[None, :, None, None]
        elif layer["kind"] == "Flatten":
            out = out.reshape(len(out), -1)
        elif layer["kind"] == "Linear":
            out = out @ np.reshape(*layer["weight"]).T
            out = out + np.reshape(*layer["bias"]) if "bias" in layer else out
        elif layer["kind"] in ("ReLU", "Tanh"):
            out = np.maximum(out, 0.0) if layer["kind"] == "ReLU" else np.tanh(out)
        else:
            raise AssertionError(f"your network has a {layer['kind']} layer; the MLP may use "
                                 "Conv2d, Flatten, Linear, ReLU and Tanh")
    return out


def stack_name(level, text: str | None) -> str:
    """Which stack the training runs on, given the text of the student's stack/swap.py."""
    waiting = swap_state(level, text).waiting
    if "backend" in waiting:
        return "the kit's numpy backend"
    return "your stack, numpy's matmul" if "matmul" in waiting else "your stack"


def _train_and_check(student, level, record_benchmark, step_rows: list, which: str,
                     split: tuple, label: str, stack: str = "your stack") -> float:
    """Train `which` on the student's stack on `split` (x_train, y_train, x_test, y_test); the
    accuracy of the grader's forward pass of the network it sent back on x_test, which must
    reach the goal (and a benchmark line with the time per step next to numpy's)."""
    x_train, y_train, x_test, y_test = split
    limit = float(level.thresholds[f"{which}_train_seconds"])
    timed = student.call_timed(probes.train, which, x_train.tolist(), y_train.tolist(), 0,
                               timeout=limit)
    facts = timed.value
    assert facts["steps"] > 0, f"train_{which} never called backward() on your stack"
    x = x_test / PIXEL_MAX
    logits = network_logits(facts["layers"], x.reshape(-1, 1, 8, 8) if which == "cnn" else x)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
    per_step = facts["seconds"] / facts["steps"]
    numpy_step = expected.numpy_step_seconds(which)
    record_benchmark(f"digits {which.upper()} on {stack} ({label})", accuracy=round(accuracy, 4),
                     steps=facts["steps"], train_s=round(facts["seconds"], 2),
                     ms_per_step=round(per_step * 1e3, 3),
                     numpy_ms_per_step=round(numpy_step * 1e3, 4),
                     ratio_to_numpy=round(per_step / numpy_step, 1))
    on = "" if stack == "your stack" else f", on {stack}"
    step_rows.append((f"{which.upper()} ({label}{on})", per_step * 1e3, numpy_step * 1e3))
    if which == "mlp" and label == "public split":  # where the time goes (cProfile, fewer rows)
        rows = int(level.thresholds["profile_rows"])
        shares = student.call(probes.profile, which, x_train[:rows].tolist(),
                              y_train[:rows].tolist(), 0, timeout=limit)
        record_benchmark(f"profile of train_{which} (share of time)",
                         **{k: round(v, 3) for k, v in list(shares.items())[:6]})
    goal = float(level.thresholds["accuracy"])
    assert accuracy >= goal, (
        f"{label}: your {which.upper()}'s held-out accuracy is {accuracy:.1%}, needs at least "
        f"{goal:.0%} (if the backend, matmul, autodiff and conv tests pass, train longer or "
        "check the learning rate)")
    return accuracy




@pytest.fixture(scope="session")
def step_rows() -> list[tuple[str, float, float]]:
    """(model, ms per step on the student's stack, ms per step on numpy) of each training."""
    return []


@pytest.fixture
def train_and_check(level, record_benchmark, step_rows, student_source) -> Callable[..., float]:
    """`train_and_check(student, which, split, label)`: train `which` ("mlp" or "cnn") on the
    student's stack on `split` and assert the grader's accuracy on its x_test reaches the goal."""
    stack = stack_name(level, student_source(level.swap["file"]))

    def run(student, which: str, split: tuple, label: str) -> float:
        return _train_and_check(student, level, record_benchmark, step_rows, which, split, label,
                                stack)

    return run


@pytest.fixture(scope="session", autouse=True)
def draw_step_plot(step_rows, report_note) -> Iterator[None]:
    """After the run, draw each training's time per step on the student's stack and on numpy."""
    yield
    if not step_rows:
        return
    try:
        report_note(f"step-time plot: {_plot_steps(step_rows, PLOT_PATH).resolve()}")
    except (OSError, ImportError) as exc:
        report_note(f"step-time plot not written: {exc}")


def _plot_steps(rows: list[tuple[str, float, float]], path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 1.2 + 0.6 * len(rows)), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    at = np.arange(len(rows))
    ax.barh(at + 0.2, [r[1] for r in rows], height=0.4, label="your stack")
    ax.barh(at - 0.2, [r[2] for r in rows], height=0.4, label="numpy")
    ax.set_yticks(at, [r[0] for r in rows])
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds per training step (log scale)")
    ax.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    return path
