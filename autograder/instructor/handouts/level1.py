"""Level 1 handout: reverse-mode autodiff, optimizers, a small nn, and a training run."""

from autograder.instructor.handouts import Answer, Demo, Derivation, Written

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
   your `Linear` layers trained by your `backward()` and optimizer;
8. **forward** — forward mode with dual numbers: `jvp`, the Jacobian column by column
   (forward) and row by row (reverse), the cheaper of the two, and Hessian-vector products by
   forward-over-reverse;
9. **training** — the cheat sheet's kit: GELU, SiLU, MAE, Huber, Xavier and Kaiming init,
   gradient clipping, learning-rate schedules, dropout, AMSGrad.

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

WRITTEN = [
    Written(
        "w_graph_g",
        "**W1 (appendix A, figure 4).** c = a·b, d = e + f, g = c·d. Draw the expression graph, "
        "run the backward pass by hand from ∂g/∂g = 1, and give ∂g/∂a, ∂g/∂b, ∂g/∂e, ∂g/∂f in "
        "terms of a, b, e, f. Say which local derivative each edge carries and which partial "
        "result is reused (cached) by two of them.",
        """\
        Edges: g→c carries ∂g/∂c = d, g→d carries ∂g/∂d = c; c→a carries b, c→b carries a;
        d→e and d→f carry 1 (sum rule). Backward: ∂g/∂g = 1; ∂g/∂c = d = e + f; ∂g/∂d = c = ab;
        ∂g/∂a = ∂g/∂c · b = b(e + f); ∂g/∂b = a(e + f); ∂g/∂e = ∂g/∂d · 1 = ab; ∂g/∂f = ab.
        ∂g/∂c is computed once and reused by a and b; ∂g/∂d once for e and f.
        """,
        """\
        1 point for the four partial derivatives (all four right); 1 point for the backward
        order from the seed 1 with the reuse of ∂g/∂c and ∂g/∂d stated. No point for
        derivatives written down without the graph or the order.
        """,
    ),
    Written(
        "w_graph_cos",
        "**W2 (appendix A, forward versus reverse).** f(x) = cos(x²). Write the graph "
        "u = x², f = cos u. Compute f′(x) twice: in forward mode (seed ẋ = 1, push u̇, then ḟ) "
        "and in reverse mode (seed f̄ = 1, pull ū, then x̄). Show that both multiply the same "
        "two local derivatives, in opposite orders.",
        """\
        Forward: ẋ = 1; u̇ = 2x·ẋ = 2x; ḟ = −sin(u)·u̇ = −2x sin(x²).
        Reverse: f̄ = 1; ū = f̄·(−sin u) = −sin(x²); x̄ = ū·2x = −2x sin(x²).
        Both give f′(x) = −2x sin(x²) = (−sin x²)·(2x): forward multiplies from the input side
        (2x first), reverse from the output side (−sin u first). (The appendix names these the
        other way round: evaluating d/dx[x²] first is forward mode.)
        """,
        """\
        1 point for f′(x) = −2x sin(x²) by both modes; 1 point for the order of the two
        products stated correctly for each mode.
        """,
    ),
    Written(
        "w_graph_book",
        "**W3 (chapter 1.6.1).** f(x₁, x₂) = exp(x₁)·sin²(x₂) with a = exp(x₁), b = sin(x₂), "
        "c = b², d = a·c. Evaluate every node at (9, 10), then ∂d/∂x₁ and ∂d/∂x₂ by reverse "
        "mode. The book prints c = −0.30 and d = −2430.9: explain why those cannot be right.",
        """\
        a = e⁹ = 8103.08; b = sin 10 = −0.5440; c = b² = 0.29596; d = a·c = 2398.18.
        Reverse: d̄ = 1; ā = c = 0.29596; c̄ = a = 8103.08; b̄ = c̄·2b = −8816.5;
        x̄₁ = ā·e^{x₁} = 2398.18 (= d); x̄₂ = b̄·cos(10) = 7397.67.
        A square is never negative, so c = −0.30 is impossible, and d = a·c with a > 0 has c's
        sign: d = −2430.9 is impossible too.
        """,
        """\
        1 point for the node values (c = 0.2960, d = 2398.2 to 4 figures); 1 point for both
        partial derivatives by a backward pass (seed 1, adjoints per node); the sign argument is
        required for full marks on the first point.
        """,
    ),
]

DEMOS = [
    Demo(
        "demo_training_kit",
        """\
        ## The training kit in a real run (not graded)

        The same digits MLP trained twice for the same number of steps: once plainly (SGD at a
        constant learning rate) and once the way large models are trained — AMSGrad with a
        linear warm-up and a cosine decay, gradients clipped to norm 1, GELU activations,
        Kaiming init. Run it once your `training.py`, `optim.py`, `nn.py` and `losses.py` pass
        their tests: it plots the two loss curves. The warm-up keeps the first steps small
        while the moment estimates are still noisy; the cosine lowers the learning rate as
        the loss flattens.
        """,
        """\
        import matplotlib.pyplot as plt
        from sklearn.datasets import load_digits
        from teenygrad import training
        from teenygrad.losses import cross_entropy
        from teenygrad.nn import DataLoader, Linear, Module, ReLU, Sequential
        from teenygrad.optim import SGD
        from teenygrad.tensor import Tensor


        class GELU(Module):
            def forward(self, x):
                return training.gelu(x)


        digits = load_digits()
        x, y = digits.data / 16.0, digits.target
        EPOCHS, BATCH = 8, 32
        STEPS = EPOCHS * -(-len(x) // BATCH)


        def run(kit):
            # train the digits MLP; return the loss of every step
            rng = np.random.default_rng(0)
            first, last = Linear(64, 128, rng=rng), Linear(128, 10, rng=rng)
            if kit:
                for layer in (first, last):
                    layer.weight.data[...] = training.kaiming_normal(layer.in_features,
                                                                     layer.out_features, rng)
            model = Sequential(first, GELU() if kit else ReLU(), last)
            params = model.parameters()
            opt = training.AMSGrad(params, lr=3e-3) if kit else SGD(params, lr=0.05)
            loader, losses = DataLoader(x, y, BATCH, rng=rng), []
            for _epoch in range(EPOCHS):
                for xb, yb in loader:
                    if kit:
                        opt.lr = training.warmup_cosine_lr(len(losses), 3e-3, STEPS // 10, STEPS)
                    loss = cross_entropy(model(Tensor(xb)), yb)
                    opt.zero_grad()
                    loss.backward()
                    if kit:
                        training.clip_grad_norm(params, 1.0)
                    opt.step()
                    losses.append(float(loss.data))
            return losses


        plain, kit = run(False), run(True)
        plt.plot(plain, label="SGD, constant lr", alpha=0.7)
        plt.plot(kit, label="AMSGrad, warm-up + cosine, clip 1.0, GELU, Kaiming", alpha=0.7)
        plt.xlabel("step")
        plt.ylabel("training loss (cross-entropy)")
        plt.yscale("log")
        plt.legend()
        plt.show()
        print(f"last 50 steps: plain {np.mean(plain[-50:]):.4f}, kit {np.mean(kit[-50:]):.4f}")
        """,
    ),
]
