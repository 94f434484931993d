"""The capstone: one teenygrad, assembled from your levels.

    import stack
    tg = stack.assemble()             # your stack; stack.assemble(numpy): level 1 as it is
    model = tg.nn.Sequential(tg.nn.Linear(64, 32), tg.nn.ReLU(), tg.nn.Linear(32, 10))

`assemble` loads your level 1 modules (tensor, ops, losses, optim, nn) with either numpy (the
module you pass: this package never imports it, the grader's worker has none) or `stack.array`
(numpy's names computed by your backend) as their numpy. Your level 1 files are
not changed, and level 1 is graded on its own as before.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

from stack import levels


def assemble(numpy: ModuleType | None = None, **options: Any) -> SimpleNamespace:
    """Your teenygrad: on your strided backend (`numpy=None`; `options` go to
    `StridedBackend`, e.g. `stage="simd"`), or on the numpy module you pass (your level 1
    exactly as at level 1). A namespace with your level 1 modules (`tensor`, `ops`, `losses`,
    `optim`, `nn`), `Tensor`, `np` (the numpy they use), `backend` (the backend object, None
    on numpy) and `windows(x, kh, kw)` (the im2col view `stack.conv` uses).
    """
    if numpy is not None:
        np_module, chosen = numpy, None
        windows = _numpy_windows(numpy)
    else:
        from stack import array
        from stack.backend import StridedBackend

        chosen = StridedBackend(**options)
        array.use(chosen)
        np_module, windows = array, array.windows
    mods = levels.load_level1(np_module)
    return SimpleNamespace(**mods, Tensor=mods["tensor"].Tensor, np=np_module, backend=chosen,
                           windows=windows)


def _numpy_windows(numpy: ModuleType) -> Any:
    """numpy's (B, C, OH, OW, kh, kw) view of every kh x kw window of x (B, C, H, W)."""
    def windows(x: Any, kh: int, kw: int) -> Any:
        return numpy.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))

    return windows
