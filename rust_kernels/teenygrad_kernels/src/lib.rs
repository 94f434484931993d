//! `teenygrad_kernels`: the level-0 BLAS kernels as a Python extension module.
//!
//! KIT-OWNED: this file is the binding layer, not a student file (the grader uses its own copy).
//! It turns numpy arrays into slices and leading dimensions, checks everything a kernel assumes
//! (dtype, number of dimensions, shapes, strides, writability, no overlap between inputs and
//! outputs) and raises `TypeError`/`ValueError` naming the argument, releases the GIL while a
//! kernel runs, and turns a panic in a kernel into a Python exception: `NotImplementedError`
//! for `todo!()` and `unimplemented!()` (the stubs), `RuntimeError("kernel panicked: ...")` for
//! anything else. (A student file that is not built or does not compile never gets here: the
//! judge knows it from the build, and builds its stub in its place.)
//!
//! Python API (all arrays `numpy.float32`):
//! - `saxpy(alpha, x, y)`: `y ← alpha·x + y` in place; 1-d, equal lengths, any positive strides.
//! - `sdot(x, y) -> float`: 1-d, equal lengths, any positive strides.
//! - `sgemv(alpha, a, x, beta, y)`: `y ← alpha·a@x + beta·y` in place; `a` (m, n) with
//!   contiguous rows (row stride may exceed n), `x` (n,) and `y` (m,) contiguous.
//! - `sgemm(stage, alpha, a, b, beta, c, threads=0)`: `c ← alpha·a@b + beta·c` in place with
//!   the named stage; `a` (m, k), `b` (k, n), `c` (m, n), each with contiguous rows (row
//!   strides may exceed the row length: `big[:, :n]` works); `threads` only for `parallel`
//!   (0 = the kernel's choice: one per core, or fewer for a small product).
//! - `sgemm_lists(stage, m, n, k, alpha, a, b, beta, c) -> list[float]`: the same product on
//!   row-major Python sequences of floats (`a` m·k, `b` k·n, `c` m·n values), returning the new
//!   `c`: the capstone's numpy-free path from a level -1 storage list to the kernels.
//! - `stages() -> list[str]`: the stage names, slowest first.
//! - `isa() -> str`: the instruction set the `simd` and `parallel` stages dispatch to
//!   (`avx512f`, `avx2+fma`, `neon` or `scalar`).
#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

pub mod kernels;

use numpy::{
    PyArray1, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyNotImplementedError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, Once};

/// The SGEMM stages, slowest first: the names `sgemm(stage, ...)` accepts.
pub const STAGES: [&str; 6] = [
    "naive",
    "reordered",
    "blocked",
    "microkernel",
    "simd",
    "parallel",
];

/// A kernel call with its arguments bound, ready to run without the GIL.
type KernelCall<'a> = Box<dyn FnOnce() + Send + 'a>;

// ---------------------------------------------------------------------------------------------
// Checking arrays

/// `obj` as a float32 numpy array with `ndim` dimensions, or a TypeError/ValueError naming it.
fn float32_array<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    ndim: usize,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = obj.py();
    let array = obj.cast::<PyUntypedArray>().map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "{name} must be a numpy.ndarray of float32, got {type_name}"
        ))
    })?;
    let dtype = array.dtype();
    if !dtype.is_equiv_to(&numpy::dtype::<f32>(py)) {
        return Err(PyTypeError::new_err(format!(
            "{name} must have dtype float32, got {dtype} (use {name}.astype(numpy.float32))"
        )));
    }
    if array.ndim() != ndim {
        return Err(PyValueError::new_err(format!(
            "{name} must be {ndim}-d, got a {}-d array of shape {}",
            array.ndim(),
            shape_str(array.shape())
        )));
    }
    Ok(array.clone())
}

fn shape_str(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where a checked array's elements are: the first element, the stride (in elements) of its
/// first dimension, and how many elements from the first to the last inclusive.
#[derive(Clone, Copy)]
struct Span {
    ptr: *mut f32,
    stride: usize,
    len: usize,
}

impl Span {
    /// Whether the memory of two spans intersects.
    fn overlaps(&self, other: &Span) -> bool {
        let (a0, a1) = (self.ptr as usize, self.ptr as usize + 4 * self.len);
        let (b0, b1) = (other.ptr as usize, other.ptr as usize + 4 * other.len);
        self.len > 0 && other.len > 0 && a0 < b1 && b0 < a1
    }
}

/// Stride in elements of a dimension whose byte stride is `bytes`: positive, whole floats.
fn element_stride(
    name: &str,
    what: &str,
    bytes: isize,
    shape: &[usize],
    strides: &[isize],
) -> PyResult<usize> {
    if bytes <= 0 || bytes % 4 != 0 {
        return Err(PyValueError::new_err(format!(
            "{name} has {what} stride of {bytes} bytes (shape {}, strides {strides:?}): the kernels need a \
             positive whole number of floats; pass numpy.ascontiguousarray({name})",
            shape_str(shape)
        )));
    }
    Ok(bytes as usize / 4)
}

/// A 1-d array as (span with its increment in elements); `contiguous` demands increment 1.
fn vector_span(array: &Bound<'_, PyUntypedArray>, name: &str, contiguous: bool) -> PyResult<Span> {
    let (shape, strides) = (array.shape(), array.strides());
    let n = shape[0];
    let ptr = array_data(array);
    if n == 0 {
        return Ok(Span {
            ptr,
            stride: 1,
            len: 0,
        });
    }
    let inc = if n == 1 {
        1
    } else {
        element_stride(name, "a", strides[0], shape, strides)?
    };
    if contiguous && inc != 1 {
        return Err(PyValueError::new_err(format!(
            "{name} must be contiguous, got a stride of {} bytes; pass numpy.ascontiguousarray({name})",
            strides[0]
        )));
    }
    Ok(Span {
        ptr,
        stride: inc,
        len: (n - 1) * inc + 1,
    })
}

/// A 2-d array as (span with its leading dimension): rows must be contiguous (unit column
/// stride), the row stride at least the row length.
fn matrix_span(array: &Bound<'_, PyUntypedArray>, name: &str) -> PyResult<Span> {
    let (shape, strides) = (array.shape(), array.strides());
    let (rows, cols) = (shape[0], shape[1]);
    let ptr = array_data(array);
    if rows == 0 || cols == 0 {
        return Ok(Span {
            ptr,
            stride: cols,
            len: 0,
        });
    }
    if cols > 1 && strides[1] != 4 {
        return Err(PyValueError::new_err(format!(
            "{name} must have contiguous rows (a column stride of 4 bytes), got shape {} with strides \
             {strides:?} bytes (a transposed or column-sliced view?); pass numpy.ascontiguousarray({name})",
            shape_str(shape)
        )));
    }
    let ld = if rows == 1 {
        cols
    } else {
        element_stride(name, "a row", strides[0], shape, strides)?
    };
    if ld < cols {
        return Err(PyValueError::new_err(format!(
            "{name} has a row stride of {} bytes, less than its row of {cols} floats (shape {}): rows overlap",
            strides[0],
            shape_str(shape)
        )));
    }
    Ok(Span {
        ptr,
        stride: ld,
        len: (rows - 1) * ld + cols,
    })
}

/// The address of an array's first element.
fn array_data(array: &Bound<'_, PyUntypedArray>) -> *mut f32 {
    // SAFETY: `as_array_ptr` is the live PyArrayObject behind `array`; reading its `data` field
    // (the address of the first element) does not dereference the data.
    unsafe { (*array.as_array_ptr()).data as *mut f32 }
}

fn no_overlap(out: (&Span, &str), inputs: &[(&Span, &str)]) -> PyResult<()> {
    for (span, name) in inputs {
        if out.0.overlaps(span) {
            return Err(PyValueError::new_err(format!(
                "{} must not share memory with {name}: the kernel writes {} while it reads {name}; pass a copy",
                out.1, out.1
            )));
        }
    }
    Ok(())
}

fn writable(array: &Bound<'_, PyUntypedArray>, name: &str) -> PyResult<()> {
    let flags = array.getattr("flags")?;
    if !flags.getattr("writeable")?.extract::<bool>()? {
        return Err(PyValueError::new_err(format!(
            "{name} is read-only; the kernel writes its result into it"
        )));
    }
    Ok(())
}

/// Anything kept alive for its `Drop`: the numpy crate's borrow guards.
trait Guard {}
impl<T> Guard for T {}

/// Borrows (through the numpy crate's dynamic borrow checker, so that no other Rust extension
/// call writes them while the GIL is released) and returns guards to keep alive.
fn borrow_readonly<'py>(
    array: &Bound<'py, PyUntypedArray>,
    name: &str,
) -> PyResult<Box<dyn Guard + 'py>> {
    let busy = |_| PyValueError::new_err(format!("{name} is being written by another kernel call"));
    if array.ndim() == 1 {
        Ok(Box::new(
            array
                .cast::<PyArray1<f32>>()?
                .try_readonly()
                .map_err(busy)?,
        ))
    } else {
        Ok(Box::new(
            array
                .cast::<PyArray2<f32>>()?
                .try_readonly()
                .map_err(busy)?,
        ))
    }
}

fn borrow_readwrite<'py>(
    array: &Bound<'py, PyUntypedArray>,
    name: &str,
) -> PyResult<Box<dyn Guard + 'py>> {
    writable(array, name)?;
    let busy = |_| {
        PyValueError::new_err(format!(
            "{name} is used by another kernel call, or is also an input of this one"
        ))
    };
    if array.ndim() == 1 {
        Ok(Box::new(
            array
                .cast::<PyArray1<f32>>()?
                .try_readwrite()
                .map_err(busy)?,
        ))
    } else {
        Ok(Box::new(
            array
                .cast::<PyArray2<f32>>()?
                .try_readwrite()
                .map_err(busy)?,
        ))
    }
}

/// The span as a slice.
///
/// # Safety
/// `span` describes a live numpy array borrowed for `'a` (its elements from `ptr` to
/// `ptr + len` lie in one allocation), and nothing writes that memory during `'a`.
unsafe fn as_slice<'a>(span: Span) -> &'a [f32] {
    if span.len == 0 {
        return &[];
    }
    // SAFETY: by the function's contract.
    unsafe { std::slice::from_raw_parts(span.ptr, span.len) }
}

/// The span as a mutable slice.
///
/// # Safety
/// As for [`as_slice`], and nothing else reads or writes that memory during `'a`.
unsafe fn as_mut_slice<'a>(span: Span) -> &'a mut [f32] {
    if span.len == 0 {
        return &mut [];
    }
    // SAFETY: by the function's contract.
    unsafe { std::slice::from_raw_parts_mut(span.ptr, span.len) }
}

// ---------------------------------------------------------------------------------------------
// Running kernels

/// Panic messages recorded by [`quiet_panic_hook`] since the last [`run_kernel`] began.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records a panic's message and location instead of printing it to stderr; the binding turns
/// it into a Python exception. (A panic hook is per copy of `std`: this one only sees panics
/// of this extension module.)
fn quiet_panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    let message = panic_message(info.payload());
    let location = info
        .location()
        .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
    if let Ok(mut panics) = PANICS.lock()
        && panics.len() < 8
    {
        panics.push(format!("{message}{location}"));
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Runs `call` with the GIL released; a panic becomes `NotImplementedError` (the stubs'
/// `todo!()`, or `unimplemented!()`) or `RuntimeError`.
fn run_kernel(py: Python<'_>, what: &str, call: KernelCall<'_>) -> PyResult<()> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(quiet_panic_hook)));
    if let Ok(mut panics) = PANICS.lock() {
        panics.clear();
    }
    let outcome = py.detach(move || catch_unwind(AssertUnwindSafe(call)));
    let Err(payload) = outcome else { return Ok(()) };
    // The first recorded panic is the root cause (a panicking scoped thread makes its parent
    // panic again with a generic message); fall back on the payload.
    let recorded = PANICS.lock().ok().and_then(|p| p.first().cloned());
    let message = recorded.unwrap_or_else(|| panic_message(payload.as_ref()));
    if is_unimplemented(&message) {
        Err(PyNotImplementedError::new_err(format!("{what}: {message}")))
    } else {
        Err(PyRuntimeError::new_err(format!(
            "{what}: kernel panicked: {message}"
        )))
    }
}

/// Whether a panic message is the one `todo!()` or `unimplemented!()` panics with (the payload
/// starts with their fixed text; a message of the student's own that merely mentions it is a
/// panic like any other).
fn is_unimplemented(message: &str) -> bool {
    message.starts_with("not yet implemented") || message.starts_with("not implemented")
}

// ---------------------------------------------------------------------------------------------
// The Python functions

/// saxpy(alpha, x, y): y <- alpha*x + y in place (1-d float32 arrays of equal length).
#[pyfunction]
fn saxpy(py: Python<'_>, alpha: f32, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<()> {
    let (xa, ya) = (float32_array(x, "x", 1)?, float32_array(y, "y", 1)?);
    let n = xa.shape()[0];
    if ya.shape()[0] != n {
        return Err(PyValueError::new_err(format!(
            "saxpy: x and y must have the same length, got x {} and y {}",
            shape_str(xa.shape()),
            shape_str(ya.shape())
        )));
    }
    let (xs, ys) = (vector_span(&xa, "x", false)?, vector_span(&ya, "y", false)?);
    no_overlap((&ys, "y"), &[(&xs, "x")])?;
    let _guards = (borrow_readonly(&xa, "x")?, borrow_readwrite(&ya, "y")?);
    // SAFETY: checked spans of arrays borrowed by `_guards` until the end of this function;
    // y does not overlap x, and the borrow flags keep other kernel calls off them.
    let (x, y) = unsafe { (as_slice(xs), as_mut_slice(ys)) };
    run_kernel(
        py,
        "saxpy",
        Box::new(move || kernels::blas1::saxpy(n, alpha, x, xs.stride, y, ys.stride)),
    )
}

/// sdot(x, y) -> float: the dot product of two 1-d float32 arrays of equal length.
#[pyfunction]
fn sdot(py: Python<'_>, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<f32> {
    let (xa, ya) = (float32_array(x, "x", 1)?, float32_array(y, "y", 1)?);
    let n = xa.shape()[0];
    if ya.shape()[0] != n {
        return Err(PyValueError::new_err(format!(
            "sdot: x and y must have the same length, got x {} and y {}",
            shape_str(xa.shape()),
            shape_str(ya.shape())
        )));
    }
    let (xs, ys) = (vector_span(&xa, "x", false)?, vector_span(&ya, "y", false)?);
    let _guards = (borrow_readonly(&xa, "x")?, borrow_readonly(&ya, "y")?);
    // SAFETY: checked spans of arrays borrowed read-only by `_guards` until the end of this function.
    let (x, y) = unsafe { (as_slice(xs), as_slice(ys)) };
    let mut result = 0.0f32;
    let out = &mut result;
    run_kernel(
        py,
        "sdot",
        Box::new(move || *out = kernels::blas1::sdot(n, x, xs.stride, y, ys.stride)),
    )?;
    Ok(result)
}

/// sgemv(alpha, a, x, beta, y): y <- alpha*a@x + beta*y in place; a (m, n), x (n,), y (m,).
#[pyfunction]
fn sgemv(
    py: Python<'_>,
    alpha: f32,
    a: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    beta: f32,
    y: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let (aa, xa, ya) = (
        float32_array(a, "a", 2)?,
        float32_array(x, "x", 1)?,
        float32_array(y, "y", 1)?,
    );
    let (m, n) = (aa.shape()[0], aa.shape()[1]);
    if xa.shape()[0] != n || ya.shape()[0] != m {
        return Err(PyValueError::new_err(format!(
            "sgemv: shapes do not match: a is {}, x is {}, y is {}; need a (m, n), x (n,), y (m,)",
            shape_str(aa.shape()),
            shape_str(xa.shape()),
            shape_str(ya.shape())
        )));
    }
    let (as_, xs, ys) = (
        matrix_span(&aa, "a")?,
        vector_span(&xa, "x", true)?,
        vector_span(&ya, "y", true)?,
    );
    no_overlap((&ys, "y"), &[(&as_, "a"), (&xs, "x")])?;
    let _guards = (
        borrow_readonly(&aa, "a")?,
        borrow_readonly(&xa, "x")?,
        borrow_readwrite(&ya, "y")?,
    );
    // SAFETY: checked spans of arrays borrowed by `_guards` until the end of this function;
    // y overlaps neither a nor x.
    let (a, x, y) = unsafe { (as_slice(as_), as_slice(xs), as_mut_slice(ys)) };
    run_kernel(
        py,
        "sgemv",
        Box::new(move || kernels::sgemv::sgemv(m, n, alpha, a, as_.stride, x, beta, y)),
    )
}

/// sgemm(stage, alpha, a, b, beta, c, threads=0): c <- alpha*a@b + beta*c in place with the
/// named stage; a (m, k), b (k, n), c (m, n). `threads` is used by the `parallel` stage only
/// (0 = the kernel's choice: one per core, or fewer for a small product).
#[pyfunction]
#[pyo3(signature = (stage, alpha, a, b, beta, c, threads = 0))]
#[allow(clippy::too_many_arguments)]
fn sgemm(
    py: Python<'_>,
    stage: &str,
    alpha: f32,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    beta: f32,
    c: &Bound<'_, PyAny>,
    threads: i64,
) -> PyResult<()> {
    check_stage(stage)?;
    let threads = usize::try_from(threads).map_err(|_| {
        PyValueError::new_err(format!(
            "threads must be >= 0 (0 = the kernel's choice), got {threads}"
        ))
    })?;
    let (aa, ba, ca) = (
        float32_array(a, "a", 2)?,
        float32_array(b, "b", 2)?,
        float32_array(c, "c", 2)?,
    );
    let (m, k, n) = (aa.shape()[0], aa.shape()[1], ba.shape()[1]);
    if ba.shape()[0] != k || ca.shape() != [m, n] {
        return Err(PyValueError::new_err(format!(
            "sgemm: shapes do not match: a is {}, b is {}, c is {}; need a (m, k), b (k, n), c (m, n)",
            shape_str(aa.shape()),
            shape_str(ba.shape()),
            shape_str(ca.shape())
        )));
    }
    let (a_span, b_span, c_span) = (
        matrix_span(&aa, "a")?,
        matrix_span(&ba, "b")?,
        matrix_span(&ca, "c")?,
    );
    no_overlap((&c_span, "c"), &[(&a_span, "a"), (&b_span, "b")])?;
    let _guards = (
        borrow_readonly(&aa, "a")?,
        borrow_readonly(&ba, "b")?,
        borrow_readwrite(&ca, "c")?,
    );
    // SAFETY: checked spans of arrays borrowed by `_guards` until the end of this function;
    // c overlaps neither a nor b (a and b may be the same array: both are only read).
    let (a, b, c) = unsafe { (as_slice(a_span), as_slice(b_span), as_mut_slice(c_span)) };
    let (lda, ldb, ldc) = (a_span.stride, b_span.stride, c_span.stride);
    let call = sgemm_call(stage, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    run_kernel(py, &format!("sgemm[{stage}]"), call)
}

/// A ValueError unless `stage` names an SGEMM stage.
fn check_stage(stage: &str) -> PyResult<()> {
    if STAGES.contains(&stage) {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "unknown sgemm stage {stage:?}; the stages are {STAGES:?}"
    )))
}

/// The SGEMM of `stage` (checked by `check_stage`; `parallel` uses `threads`) as one call for
/// `run_kernel`: c = alpha * a @ b + beta * c on row-major panels with leading dimensions.
#[allow(clippy::too_many_arguments)]
fn sgemm_call<'a>(
    stage: &str,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &'a [f32],
    lda: usize,
    b: &'a [f32],
    ldb: usize,
    beta: f32,
    c: &'a mut [f32],
    ldc: usize,
    threads: usize,
) -> KernelCall<'a> {
    use kernels::*;
    match stage {
        "naive" => {
            Box::new(move || sgemm_naive::sgemm_naive(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        }
        "reordered" => Box::new(move || {
            sgemm_reordered::sgemm_reordered(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }),
        "blocked" => Box::new(move || {
            sgemm_blocked::sgemm_blocked(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }),
        "microkernel" => Box::new(move || {
            sgemm_microkernel::sgemm_microkernel(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }),
        "simd" => {
            Box::new(move || sgemm_simd::sgemm_simd(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        }
        _ => Box::new(move || {
            sgemm_parallel::sgemm_parallel(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
        }),
    }
}

/// stages() -> list[str]: the SGEMM stage names, slowest first.
#[pyfunction]
fn stages() -> Vec<&'static str> {
    STAGES.to_vec()
}

/// isa() -> str: the instruction set the simd and parallel stages dispatch to on this CPU.
#[pyfunction]
fn isa() -> &'static str {
    kernels::Isa::current().name()
}

/// sgemm_lists(stage, m, n, k, alpha, a, b, beta, c) -> list[float]: `alpha*a@b + beta*c` with
/// the named stage on row-major sequences of floats (a: m*k values, b: k*n, c: m*n), numpy-free.
#[pyfunction]
#[pyo3(signature = (stage, m, n, k, alpha, a, b, beta, c, threads = 0))]
#[allow(clippy::too_many_arguments)]
fn sgemm_lists(
    py: Python<'_>,
    stage: &str,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: Vec<f32>,
    b: Vec<f32>,
    beta: f32,
    c: Vec<f32>,
    threads: usize,
) -> PyResult<Vec<f32>> {
    check_stage(stage)?;
    for (name, got, want) in [
        ("a", a.len(), m * k),
        ("b", b.len(), k * n),
        ("c", c.len(), m * n),
    ] {
        if got != want {
            return Err(PyValueError::new_err(format!(
                "sgemm_lists: {name} has {got} values, (m, n, k) = ({m}, {n}, {k}) needs {want}"
            )));
        }
    }
    let mut c = c;
    {
        let (a, b, cs) = (a.as_slice(), b.as_slice(), c.as_mut_slice());
        let (lda, ldb, ldc) = (k.max(1), n.max(1), n.max(1));
        let call = sgemm_call(
            stage, m, n, k, alpha, a, lda, b, ldb, beta, cs, ldc, threads,
        );
        run_kernel(py, &format!("sgemm_lists[{stage}]"), call)?;
    }
    Ok(c)
}

/// Level 0 of teenygrad: the BLAS kernels (saxpy, sdot, sgemv, sgemm in six stages).
#[pymodule]
fn teenygrad_kernels(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(saxpy, m)?)?;
    m.add_function(wrap_pyfunction!(sdot, m)?)?;
    m.add_function(wrap_pyfunction!(sgemv, m)?)?;
    m.add_function(wrap_pyfunction!(sgemm, m)?)?;
    m.add_function(wrap_pyfunction!(sgemm_lists, m)?)?;
    m.add_function(wrap_pyfunction!(stages, m)?)?;
    m.add_function(wrap_pyfunction!(isa, m)?)?;
    Ok(())
}
