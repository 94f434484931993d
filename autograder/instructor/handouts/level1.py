"""Level 1 handout: reverse-mode autodiff, optimizers, a small nn, and a training run."""

from autograder.instructor.handouts import Answer, Derivation

HANDOUT = """\
# Level 1 — @TITLE@

You write reverse-mode automatic differentiation on numpy arrays (the book's chapter 1.6):

1. **graph and backward** — `Tensor(data, requires_grad)`, `.grad`, `.backward()` with an
   iterative topological sort, gradients accumulated over reuse, `detach`, `no_grad`;
2. **ops** — each op with its vector-Jacobian product, numpy broadcasting everywhere and
   gradients reduced back to each input's shape (`unbroadcast`);
3. **losses** — MSE, binary cross-entropy with logits, cross-entropy, stable for huge logits;
4. **gradcheck** — central differences in float64;
5. **optim** — SGD (momentum, Nesterov, weight decay), Adam, AdamW, Muon, with PyTorch's
   conventions;
6. **nn** — `Module`, `Linear`, `ReLU`, `Tanh`, `Sequential`, a data loader;
7. **capstone** — an MLP on scikit-learn's digits to ≥ 95% accuracy, and linear regression.
   The grader runs the network `train_digits` returns itself and watches it train: it must be
   your `Linear` layers trained by your `backward()` and optimizer.

**How it is graded.** `python grade.py level1` runs the public tests on your files; the
course's grade adds hidden tests (every op on hypothesis-drawn shapes against closed-form VJPs
and finite differences, optimizer trajectories to 1e-10, the capstone on a held-out split with
your first and last training steps redone). The last cells of this notebook run the same
grader and show your points per part.
"""

QUESTIONS_INTRO = """\
## Derivations, checked numerically

Derive each derivative on paper, then write it as a numpy function. The test compares your
function with central finite differences at many points: it checks the derivation, it does not
show it.
"""

QUESTIONS = [
    Derivation(
        "d_sigmoid",
        "**D1.** σ(x) = 1 / (1 + e^(−x)). Write `d_sigmoid(x)` = σ′(x), in terms of σ(x).",
        """\
        def d_sigmoid(x):
            s = 1.0 / (1.0 + np.exp(-x))
            return s * (1.0 - s)
        """,
        """\
        check_derivative("d_sigmoid", lambda x: np.reciprocal(1 + np.exp(-x)), d_sigmoid,
                         np.linspace(-8, 8, 33))
        """,
    ),
    Derivation(
        "d_softplus",
        "**D2.** softplus(x) = log(1 + e^x) is the binary cross-entropy's building block. Write "
        "`d_softplus(x)`; make it finite for x = ±1000.",
        """\
        def d_softplus(x):
            return 0.5 * (1.0 + np.tanh(0.5 * x))
        """,
        """\
        check_derivative("d_softplus", lambda x: np.logaddexp(0.0, x), d_softplus,
                         np.linspace(-20, 20, 41))
        assert np.all(np.isfinite([d_softplus(-1000.0), d_softplus(1000.0)]))
        """,
    ),
    Derivation(
        "grad_logsumexp",
        "**D3.** For a vector z, lse(z) = log Σᵢ exp(zᵢ). Write `grad_logsumexp(z)`, the "
        "gradient ∂lse/∂z (a vector like z), stable for large entries.",
        """\
        def grad_logsumexp(z):
            e = np.exp(z - np.max(z))
            return e / e.sum()
        """,
        """\
        rng = np.random.default_rng(0)
        for _ in range(5):
            z = rng.normal(size=6) * 3
            for i in range(6):
                def f(t, i=i, z=z):
                    w = z.copy()
                    w[i] = t
                    return np.logaddexp.reduce(w)
                check_derivative("grad_logsumexp", f, lambda t, i=i, z=z: (
                    lambda w: grad_logsumexp(w)[i])(np.where(np.arange(6) == i, t, z)), [z[i]])
        assert np.all(np.isfinite(grad_logsumexp(np.array([1000.0, 0.0, -1000.0]))))
        """,
    ),
    Derivation(
        "matmul_vjp",
        "**D4.** C = A @ B with A of shape (m, k) and B of shape (k, n); G = ∂L/∂C. Write "
        "`matmul_vjp(A, B, G)` returning (∂L/∂A, ∂L/∂B).",
        """\
        def matmul_vjp(A, B, G):
            return G @ B.T, A.T @ G
        """,
        """\
        rng = np.random.default_rng(1)
        A, B, G = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
        dA, dB = matmul_vjp(A, B, G)
        assert np.shape(dA) == A.shape and np.shape(dB) == B.shape, "wrong shapes"
        for X, dX in ((A, dA), (B, dB)):
            for idx in np.ndindex(X.shape):
                def f(t, X=X, idx=idx):
                    old = X[idx]
                    X[idx] = t
                    value = float(np.sum(G * (A @ B)))
                    X[idx] = old
                    return value
                check_derivative("matmul_vjp", f, lambda t, dX=dX, idx=idx: dX[idx], [X[idx]])
        """,
    ),
    Derivation(
        "bce_logits_grad",
        "**D5.** The binary cross-entropy of a logit z and a label y ∈ {0, 1} is "
        "softplus(z) − y·z. Write `bce_logits_grad(z, y)` = ∂loss/∂z.",
        """\
        def bce_logits_grad(z, y):
            return 0.5 * (1.0 + np.tanh(0.5 * z)) - y
        """,
        """\
        for y in (0.0, 1.0):
            check_derivative("bce_logits_grad", lambda z, y=y: np.logaddexp(0.0, z) - y * z,
                             lambda z, y=y: bce_logits_grad(z, y), np.linspace(-15, 15, 31))
        """,
    ),
    Derivation(
        "mul_vjp_broadcast",
        "**D6 (unbroadcast).** a has shape (3, 1), b has shape (1, 4), f = a * b broadcasts to "
        "(3, 4) and G = ∂L/∂f. Write `mul_vjp_broadcast(a, b, G)` returning (∂L/∂a, ∂L/∂b) with "
        "the shapes of a and b.",
        """\
        def mul_vjp_broadcast(a, b, G):
            return (G * b).sum(axis=1, keepdims=True), (G * a).sum(axis=0, keepdims=True)
        """,
        """\
        rng = np.random.default_rng(2)
        a, b, G = rng.normal(size=(3, 1)), rng.normal(size=(1, 4)), rng.normal(size=(3, 4))
        da, db = mul_vjp_broadcast(a, b, G)
        assert np.shape(da) == a.shape and np.shape(db) == b.shape, "reduce to the input shapes"
        for X, dX in ((a, da), (b, db)):
            for idx in np.ndindex(X.shape):
                def f(t, X=X, idx=idx):
                    old = X[idx]
                    X[idx] = t
                    value = float(np.sum(G * (a * b)))
                    X[idx] = old
                    return value
                check_derivative("mul_vjp_broadcast", f, lambda t, dX=dX, idx=idx: dX[idx],
                                 [X[idx]])
        """,
    ),
    Answer(
        "q_adam_first_step",
        "**Q7 (Adam).** A parameter p = 1 has gradient 0.5. After one `Adam` step with lr = 0.1 "
        "and the default betas (0.9, 0.999) and eps (1e-8), what is p?",
        """\
        m_hat = (0.1 * 0.5) / (1 - 0.9)
        v_hat = (0.001 * 0.5 ** 2) / (1 - 0.999)
        p_after = 1.0 - 0.1 * m_hat / (v_hat ** 0.5 + 1e-8)
        """,
        "p_after",
    ),
]
