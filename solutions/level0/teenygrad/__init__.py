"""teenygrad, level 0: the Python side of your Rust kernels (see `teenygrad.accel`)."""
