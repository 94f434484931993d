"""Part training (hidden): random activations and losses, initialisations, clipping, every
step of the schedules, dropout in both modes, AMSGrad trajectories, bad arguments."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, check_equal, expect_raises
from autograder.probes import level1_training as probes
from autograder.references import level1 as ref1
from autograder.references import level1_training as ref

pytestmark = pytest.mark.part("training")


@pytest.mark.points(1)
@settings(max_examples=25)
@given(data=st.data())
def test_activations_and_losses_random(student, data):
    """gelu, silu, mae and huber on random shapes and values, against closed forms and
    central differences."""
    shape = data.draw(ref1.shapes(max_dims=3), label="shape")
    x = data.draw(ref1.arrays(shape, -4.0, 4.0), label="x")
    g = data.draw(ref1.arrays(shape), label="grad_out")
    name = data.draw(st.sampled_from(["gelu", "silu"]), label="activation")
    got = student.call(probes.activation, name, x, g)
    want = ref.activation(name, x, g)
    check_close(got["value"], want["value"], f"{name}(x)", rtol=ref.RTOL, atol=ref.ATOL)
    check_close(got["grad"], want["grad"], f"gradient of {name}", rtol=ref.RTOL, atol=ref.ATOL)
    check_close(got["grad"], ref.finite_diff_activation(name, x, g),
                f"gradient of {name} vs central differences", rtol=1e-6, atol=1e-8)
    t = data.draw(ref1.arrays(shape, -4.0, 4.0), label="target")
    delta = data.draw(st.sampled_from([0.3, 1.0, 2.0]), label="delta")
    for name, d in (("mae", None), ("huber", delta)):
        got = student.call(probes.robust_loss, name, x, t, d)
        want = ref.robust_loss(name, x, t, d)
        check_close(got["value"], want["value"], f"{name} value", rtol=ref.RTOL, atol=ref.ATOL)
        check_close(got["grad"], want["grad"], f"{name}: gradient of the prediction",
                    rtol=ref.RTOL, atol=ref.ATOL)
        check_close(got["target_grad"], want["target_grad"], f"{name}: gradient of the target",
                    rtol=ref.RTOL, atol=ref.ATOL)


@pytest.mark.points(1)
def test_init_and_clipping(student):
    """xavier_uniform and kaiming_normal draw exactly as documented; clip_grad_norm scales
    every gradient in place only above max_norm and returns the norm before clipping."""
    for name, fan_in, fan_out, seed in (("xavier_uniform", 300, 200, 1),
                                        ("kaiming_normal", 400, 300, 2),
                                        ("xavier_uniform", 3, 5, 3), ("kaiming_normal", 7, 2, 4)):
        got = student.call(probes.init, name, fan_in, fan_out, seed)
        want = ref.init(name, fan_in, fan_out, seed)
        check_close(got, want, f"{name}({fan_in}, {fan_out}, rng={seed})", rtol=ref.RTOL,
                    hint="shape (fan_out, fan_in), one draw of the generator made from rng")
    big = student.call(probes.init, "kaiming_normal", 400, 300, 5)
    check_close(np.std(big), np.sqrt(2 / 400), "std of kaiming_normal(400, 300)", rtol=0.03)
    rng = np.random.default_rng(6)
    grads = [rng.normal(size=(3, 4)), None, rng.normal(size=5), rng.normal(size=())]
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads if g is not None)))
    cases = [(grads, max_norm) for max_norm in (total / 3, total * 2, total)]
    # a norm of exactly 5 * 2**-20 (3-4-5, powers of two): at max_norm == total nothing changes
    tiny = 2.0**-20
    cases.append(([np.array([3.0 * tiny, 0.0]), np.array([[4.0 * tiny]])], 5.0 * tiny))
    for grads, max_norm in cases:
        got = student.call(probes.clip, grads, max_norm)
        want = ref.clip(grads, max_norm)
        check_close(got["total"], want["total"], f"clip_grad_norm(max_norm={max_norm:.4g}): "
                    "returned norm", rtol=ref.RTOL, hint="the global norm before clipping")
        for k, (a, b) in enumerate(zip(got["grads"], want["grads"], strict=True)):
            if b is None:
                check_equal(a, None, f"grad {k} (None) after clipping")
            else:
                check_close(a, b, f"grad {k} after clip_grad_norm(max_norm={max_norm:.4g})",
                            rtol=ref.RTOL, atol=ref.ATOL,
                            hint="scale = max_norm / (total + 1e-6) only when total > max_norm "
                            "(at total == max_norm nothing changes), for every gradient together")
        check_equal(got["in_place"], [True] * len(grads), "gradients clipped in place")


SCHEDULES = [
    ("step_lr", {"lr": 0.5, "step_size": 3, "gamma": 0.5}, 12),
    ("step_lr", {"lr": 0.1, "step_size": 1}, 4),
    ("cosine_lr", {"lr": 0.1, "total_steps": 10}, 14),
    ("cosine_lr", {"lr": 1.0, "total_steps": 7, "min_lr": 0.1}, 9),
    ("warmup_cosine_lr", {"lr": 0.2, "warmup_steps": 4, "total_steps": 20}, 22),
    ("warmup_cosine_lr", {"lr": 1.0, "warmup_steps": 1, "total_steps": 5, "min_lr": 0.5}, 6),
    ("warmup_cosine_lr", {"lr": 0.3, "warmup_steps": 3, "total_steps": 10, "min_lr": 0.01}, 12),
]


@pytest.mark.points(1)
def test_schedules_every_step(student):
    """step_lr, cosine_lr and warmup_cosine_lr at every step of a run (and past its end)."""
    for name, kw, steps in SCHEDULES:
        got = student.call(probes.schedule, name, kw, steps)
        want = ref.schedule(name, kw, steps)
        check_close(got, want, f"{name}({kw}) at steps 0..{steps - 1}", rtol=ref.RTOL,
                    atol=ref.ATOL, hint="step 0 is the first step: cosine gives lr there and "
                    "min_lr at total_steps; warm-up gives lr * (step + 1) / warmup_steps")


@pytest.mark.points(1)
def test_dropout_and_amsgrad(student):
    """Dropout masks and scales in training and is the identity in eval; AMSGrad follows
    torch's amsgrad=True for 25 steps; invalid arguments raise ValueError."""
    x = np.arange(1.0, 41.0).reshape(5, 8)
    g = np.linspace(-1.0, 1.0, 40).reshape(5, 8)
    for p, seed in ((0.25, 7), (0.5, 8), (0.0, 9), (1.0, 10)):
        got = student.call(probes.dropout, p, seed, x, g)
        first, second, third = ref.dropout_masks(p, seed, x.shape, 3)
        check_equal(got["start_training"], True, f"Dropout({p}).training at the start")
        check_close(got["first"], x * first, f"Dropout({p}) in training, first call",
                    rtol=ref.RTOL, hint="keep = rng.random(x.shape) >= p, scale by 1/(1-p)")
        check_close(got["grad"], g * first, f"Dropout({p}): gradient", rtol=ref.RTOL)
        check_close(got["second"], x * second, f"Dropout({p}): second call (a new mask)",
                    rtol=ref.RTOL)
        check_equal([got["eval_returns_self"], got["eval_is_x"], got["eval_drew"]],
                    [True, True, False], f"Dropout({p}) after eval(): [eval() returns the "
                    "module, forward returns x itself, no random draw]",
                    hint="in evaluation dropout is the identity")
        check_close(got["again"], x * third, f"Dropout({p}) after train() again",
                    rtol=ref.RTOL)
    rng = np.random.default_rng(11)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    scales = [rng.uniform(0.5, 2.0, size=(3, 2)), rng.uniform(0.5, 2.0, size=4)]
    targets = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    steps = 25
    noise = [[rng.normal(size=(3, 2)) * (3.0 if t % 7 == 0 else 0.3),
              None if t % 5 == 3 else rng.normal(size=4)] for t in range(steps)]
    problem = (params, scales, targets, noise)
    runs = [({"lr": 0.05}, "", problem),
            ({"lr": 0.1, "betas": [0.5, 0.9], "eps": 1e-6}, "", problem),
            ({"lr": 0.05, "betas": [0.0, 0.0], "eps": 0.0}, "", problem),  # the ranges' edges
            # the parameter that sometimes has no gradient first: the others still step
            ({"lr": 0.05}, " (parameters in reverse order)",
             (params[::-1], scales[::-1], targets[::-1], [n[::-1] for n in noise]))]
    for kw, order, (ps, ss, ts, ns) in runs:
        got = student.call(probes.amsgrad, kw, ps, ss, ts, ns, steps)
        want = ref.amsgrad(kw, ps, ss, ts, ns, steps)
        for k, (a, b) in enumerate(zip(got, want, strict=True)):
            check_close(a, b, f"AMSGrad({kw}){order}: parameter {k} over {steps} steps",
                        rtol=1e-10, atol=1e-12, hint="v_max = max(v_max, v) of the raw v, "
                        "bias-corrected after: sqrt(v_max / (1 - beta2**t))")
    for kind in ("mae_shapes", "huber_shapes", "huber_delta", "huber_negative_delta", "dropout_p",
                 "amsgrad_beta1", "amsgrad_beta1_above_1", "amsgrad_betas",
                 "amsgrad_negative_betas",
                 "amsgrad_negative_beta2", "amsgrad_eps"):
        expect_raises(student, probes.misuse, kind, error="ValueError", what=kind)
    for loss in ("mae", "huber"):  # shapes that broadcast are still different shapes
        for pair, shapes in (("broadcast", "(3,) and (2, 3)"), ("row", "(1, 3) and (2, 3)")):
            expect_raises(student, probes.misuse, f"{loss}_{pair}", error="ValueError",
                          what=f"{loss} of a prediction and a target of shapes {shapes} "
                               "(numpy would broadcast them: compare the shapes yourself)")
    for kind, what in (("dropout_negative_p", "Dropout(-0.5)"),
                       ("amsgrad_beta2_above_1", "AMSGrad(betas=(0.9, 1.5))")):
        expect_raises(student, probes.misuse, kind, error="ValueError", what=what)
