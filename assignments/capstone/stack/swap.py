"""Which of your parts the grader grades: swap them in one at a time.

You may start the capstone on the kit's numpy backend and swap in your parts one by one. The
grader grades a part only once it is listed in `SWAPPED_IN` below; a part not listed earns
nothing yet, and the report names it ("part `conv` is not swapped in"). While `backend` or
`matmul` is not listed, the parts you did list run on numpy in its place: list `train` first,
say, and your `train_mlp` is graded on numpy's arrays with your level 1 autodiff; list
`backend` too and the same code runs on your level -1 storage instead.

The parts (points), each building on the ones before it:

    "backend"   (24)  stack/backend.py: the views, map, zip and reduce on your level -1 Tensor
    "matmul"    (15)  your level 0 SGEMM, and StridedBackend.matmul on it
    "autodiff"  (20)  your level 1 ops and cross_entropy on your backend
    "conv"      (16)  StridedBackend.windows and stack/conv.py's conv2d
    "train"     (25)  stack/train.py: train_mlp and train_cnn reach 95%

The grader reads this file as text and never runs it: keep `SWAPPED_IN` a plain tuple of part
names, e.g. `SWAPPED_IN = ("backend", "matmul")`.
"""

SWAPPED_IN: tuple[str, ...] = ()
