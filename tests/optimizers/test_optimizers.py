"""Optimizers against a NumPy reference of Keras 3's formulas, plus behaviour and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina
from lamina import ops, optimizers
from optim_reference import Reference

CASES = [
    ("sgd", {}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.1}),
    ("adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.1, "weight_decay": 0.2, "amsgrad": True}),
    ("rmsprop", {}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}),
    ("adadelta", {}),
    ("adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    ("adamax", {}),
    ("adamax", {"learning_rate": 0.05}),
    ("nadam", {}),
    ("nadam", {"learning_rate": 0.05}),
    ("lion", {}),
    ("lion", {"learning_rate": 0.01, "beta_1": 0.5}),
    # base-class options on a few optimizers
    ("sgd", {"learning_rate": 0.1, "weight_decay": 0.1}),
    ("adam", {"learning_rate": 0.1, "weight_decay": 0.05}),
    ("adam", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "clipnorm": 0.5}),
    ("adam", {"learning_rate": 0.1, "clipvalue": 0.1}),
    ("rmsprop", {"learning_rate": 0.01, "clipvalue": 0.2}),
    ("adam", {"learning_rate": 0.1, "global_clipnorm": 0.5}),
    ("lion", {"learning_rate": 0.01, "global_clipnorm": 0.3}),
    ("adam", {"learning_rate": 0.1, "use_ema": True}),
    ("sgd", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5,
             "ema_overwrite_frequency": 2}),
    ("adam", {"learning_rate": 0.1, "loss_scale_factor": 8.0}),
    ("adam", {"learning_rate": 0.1, "loss_scale_factor": 4.0, "clipnorm": 0.5}),
    ("adam", {"learning_rate": 0.1, "gradient_accumulation_steps": 2}),
    ("nadam", {"learning_rate": 0.05, "gradient_accumulation_steps": 3, "use_ema": True}),
]

STEPS = 6


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _run(name, kwargs, dtype, rng, steps=STEPS):
    inits = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    grads = [[rng.standard_normal(x.shape).astype(dtype) * 2 for x in inits]
             for _ in range(steps)]
    variables = [lamina.Variable(x, name=f"w{i}") for i, x in enumerate(inits)]
    opt = optimizers.get({"class_name": name, "config": kwargs})
    ref = Reference(name, inits, **kwargs)
    for step_grads in grads:
        opt.apply([ops.convert_to_tensor(g) for g in step_grads], variables)
        ref.apply(step_grads)
    return opt, ref, variables


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_keras_formula(case, dtype, rng):
    name, kwargs = case
    opt, ref, variables = _run(name, kwargs, dtype, rng)
    rtol, atol = (2e-6, 1e-7) if dtype == "float32" else (1e-12, 1e-14)
    for v, expected in zip(variables, ref.params):
        assert v.dtype == dtype
        np.testing.assert_allclose(v.numpy(), expected, rtol=rtol, atol=atol)
    assert int(opt.iterations.numpy() if hasattr(opt.iterations, "numpy")
               else opt.iterations) == ref.step_count()
    if kwargs.get("use_ema"):
        for avg, expected in zip(opt._model_variables_moving_average, ref.averages):
            np.testing.assert_allclose(avg.numpy(), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", ["adam", "rmsprop", "adadelta", "adamax", "nadam", "lion"])
def test_slots_match_reference(name, rng):
    opt, ref, variables = _run(name, {"learning_rate": 0.05}, "float64", rng)
    slot_key = {"adam": ("m", "v"), "rmsprop": ("v",), "adadelta": ("m", "v"),
                "adamax": ("m", "v"), "nadam": ("m", "v"), "lion": ("m",)}[name]
    slots = opt.variables[2:]
    per_var = len(slot_key)
    for i in range(len(variables)):
        for k, key in enumerate(slot_key):
            got = slots[i * per_var + k] if name != "rmsprop" else slots[i]
            np.testing.assert_allclose(got.numpy(), ref.slots[i][key], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta",
                                  "adamax", "nadam", "lion"])
def test_converges_on_quadratic(name):
    lr = {"sgd": 0.1, "adadelta": 50.0, "adagrad": 0.5, "lion": 0.02}.get(name, 0.05)
    target = np.array([1.0, -2.0, 3.0], np.float32)
    w = lamina.Variable(np.zeros(3, np.float32), name="w")
    opt = optimizers.get({"class_name": name, "config": {"learning_rate": lr}})
    for _ in range(400):
        with lamina.GradientTape() as tape:
            diff = ops.subtract(w.value, target)
            loss = ops.multiply(diff, diff)
        (grad,) = tape.gradient(loss, [w], output_gradients=ops.ones_like(loss))
        opt.apply_gradients([(grad, w)])
    np.testing.assert_allclose(w.numpy(), target, atol=0.1)


def test_variables_names_and_order():
    w = lamina.Variable(np.ones((2, 2), np.float32), name="kernel")
    b = lamina.Variable(np.zeros(2, np.float32), name="bias")
    w._path, b._path = "dense/kernel", "dense/bias"
    opt = optimizers.Adam(amsgrad=True)
    opt.build([w, b])
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_kernel_momentum", "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum", "adam/dense_bias_velocity",
        "adam/dense_kernel_velocity_hat", "adam/dense_bias_velocity_hat",
    ]
    assert opt.variables[2].name == "dense_kernel_momentum"
    assert opt.iterations.dtype == "int64" and not opt.iterations.trainable
    assert opt.variables[1].dtype == "float32"
    assert all(not v.trainable for v in opt.variables)


def test_sgd_without_momentum_has_no_slots():
    opt = optimizers.SGD()
    opt.build([lamina.Variable([1.0])])
    assert len(opt.variables) == 2


def test_apply_returns_without_rebuilding_and_unknown_variable():
    v = lamina.Variable([1.0, 2.0])
    opt = optimizers.SGD(learning_rate=0.5)
    it = opt.apply_gradients([(ops.convert_to_tensor([1.0, 1.0]), v)])
    assert int(it) == 1
    np.testing.assert_allclose(v.numpy(), [0.5, 1.5])
    opt.apply([ops.convert_to_tensor([1.0, 1.0])])  # built: variables may be omitted
    np.testing.assert_allclose(v.numpy(), [0.0, 1.0])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([ops.convert_to_tensor([1.0])], [lamina.Variable([0.0])])


def test_apply_without_variables_before_build():
    with pytest.raises(ValueError, match="must already be built"):
        optimizers.Adam().apply([ops.convert_to_tensor([1.0])])


def test_none_gradients_are_skipped_with_warning():
    a, b = lamina.Variable([1.0], name="a"), lamina.Variable([1.0], name="b")
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b'\]"):
        opt.apply([ops.convert_to_tensor([1.0]), None], [a, b])
    assert a.numpy()[0] == 0.0 and b.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None, None], [a, b])


def test_gradient_shape_mismatch_names_variable_and_shapes():
    v = lamina.Variable(np.ones((2, 3), np.float32), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3, 2\).*shape \(2, 3\)"):
        optimizers.Adam().apply([ops.convert_to_tensor(np.ones((3, 2), np.float32))], [v])


def test_gradient_is_cast_to_variable_dtype():
    v = lamina.Variable(np.ones(3, np.float32))
    optimizers.SGD(learning_rate=0.5).apply([np.ones(3, np.float64)], [v])
    assert v.dtype == "float32"
    np.testing.assert_allclose(v.numpy(), 0.5)


def test_integer_variable_is_rejected():
    with pytest.raises(TypeError, match="float variables.*int32"):
        optimizers.SGD().build([lamina.Variable(np.ones(2, np.int32), name="counter")])


def test_constraint_applied_after_update():
    v = lamina.Variable([1.0, -1.0])
    v.constraint = lambda x: ops.maximum(x, 0.0)
    optimizers.SGD(learning_rate=1.0).apply([ops.convert_to_tensor([-1.0, 1.0])], [v])
    np.testing.assert_allclose(v.numpy(), [2.0, 0.0])


def test_update_does_not_mutate_previously_read_tensors():
    v = lamina.Variable([1.0, 2.0])
    before = v.value
    optimizers.Adam(learning_rate=0.1).apply([ops.convert_to_tensor([1.0, 1.0])], [v])
    np.testing.assert_allclose(before.numpy(), [1.0, 2.0])
    assert not np.allclose(v.numpy(), [1.0, 2.0])


def test_exclude_from_weight_decay():
    w = lamina.Variable(np.ones(2, np.float32), name="kernel")
    b = lamina.Variable(np.ones(2, np.float32), name="bias")
    e = lamina.Variable(np.ones(2, np.float32), name="emb")
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_list=[e], var_names=["bias"])
    zero = ops.convert_to_tensor(np.zeros(2, np.float32))
    opt.apply([zero, zero, zero], [w, b, e])
    np.testing.assert_allclose(w.numpy(), 1 - 0.1 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), 1.0)
    np.testing.assert_allclose(e.numpy(), 1.0)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_ema_finalize_variable_values(rng):
    v = lamina.Variable(np.ones(3, np.float32))
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.9)
    ref = Reference("sgd", [np.ones(3, np.float32)], learning_rate=0.1, use_ema=True,
                    ema_momentum=0.9)
    for _ in range(4):
        g = rng.standard_normal(3).astype(np.float32)
        opt.apply([g], [v])
        ref.apply([g])
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), ref.averages[0], rtol=1e-6)
    assert [x.path for x in opt.variables][2:] == ["SGD/variable_average"]


def test_learning_rate_property_and_setter():
    opt = optimizers.SGD(learning_rate=0.5)
    assert isinstance(opt.learning_rate, lamina.Variable)
    opt.learning_rate = 0.25
    assert float(opt.learning_rate) == 0.25
    v = lamina.Variable([1.0])
    opt.apply([np.array([1.0], np.float32)], [v])
    np.testing.assert_allclose(v.numpy(), [0.75])
    opt.learning_rate = optimizers.schedules.ExponentialDecay(1.0, 1, 0.5)
    assert len(opt.variables) == 1  # the learning rate variable is untracked
    sched_opt = optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(1.0, 1, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        sched_opt.learning_rate = 0.1


def test_callable_learning_rate():
    v = lamina.Variable([1.0])
    opt = optimizers.SGD(learning_rate=lambda: 0.5)
    opt.apply([np.array([1.0], np.float32)], [v])
    np.testing.assert_allclose(v.numpy(), [0.5])


def test_schedule_inside_optimizer_follows_iterations():
    sched = optimizers.schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5, 0.25])
    v = lamina.Variable([0.0])
    opt = optimizers.SGD(learning_rate=sched)
    deltas = []
    for _ in range(4):
        before = v.numpy()[0]
        assert float(opt.learning_rate) == float(sched(int(opt.iterations)))
        opt.apply([np.array([1.0], np.float32)], [v])
        deltas.append(before - v.numpy()[0])
    np.testing.assert_allclose(deltas, [1.0, 1.0, 0.5, 0.25])
    assert [x.path for x in opt.variables] == ["SGD/iteration"]


def test_gradient_accumulation_iterations():
    v = lamina.Variable([1.0])
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.apply([np.array([1.0], np.float32)], [v])
    np.testing.assert_allclose(v.numpy(), [1.0])
    opt.apply([np.array([3.0], np.float32)], [v])
    np.testing.assert_allclose(v.numpy(), [-1.0])  # mean gradient 2
    assert int(opt.iterations) == 1 and int(opt._iterations) == 2


def test_scale_loss():
    assert float(optimizers.Adam(loss_scale_factor=4.0).scale_loss(2.0)) == 8.0
    assert optimizers.Adam().scale_loss(2.0) == 2.0


def test_save_and_load_own_variables(rng):
    v = lamina.Variable(rng.standard_normal(4).astype(np.float32))
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([rng.standard_normal(4).astype(np.float32)], [v])
    store = {}
    opt.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"]
    fresh = optimizers.Adam(learning_rate=0.1)
    fresh.build([v])
    fresh.load_own_variables(store)
    for a, b in zip(opt.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Adam().load_own_variables(store)


def test_custom_optimizer_with_update_step():
    class PlainSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, ops.multiply(gradient, ops.cast(learning_rate,
                                                                      variable.dtype)))

    v = lamina.Variable([1.0, 1.0])
    opt = PlainSGD(learning_rate=0.5, clipvalue=1.0, weight_decay=0.1)
    assert opt.name == "plain_sgd"
    opt.apply([np.array([4.0, -0.5], np.float32)], [v])
    np.testing.assert_allclose(v.numpy(), [1 - 0.05 - 0.5, 1 - 0.05 + 0.25], rtol=1e-6)


def test_update_step_public_api_runs_fused_kernel():
    v = lamina.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1)
    opt.build([v])
    opt.update_step(np.array([1.0], np.float32), v, 0.5)
    np.testing.assert_allclose(v.numpy(), [0.5])


# ------------------------------------------------------------------ errors
def test_unknown_kwargs():
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized: \{'foo': 1\}"):
        optimizers.Adam(foo=1)


def test_decay_kwarg_warns():
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)


@pytest.mark.parametrize("kwargs", [dict(clipnorm=1.0, clipvalue=1.0),
                                    dict(clipnorm=1.0, global_clipnorm=1.0),
                                    dict(clipvalue=1.0, global_clipnorm=1.0)])
def test_only_one_clipping_argument(kwargs):
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm` can be set"):
        optimizers.Adam(**kwargs)


@pytest.mark.parametrize("ctor, match", [
    (lambda: optimizers.SGD(momentum=1.5), "momentum"),
    (lambda: optimizers.Lion(beta_1=0.0), "beta_1"),
    (lambda: optimizers.AdamW(weight_decay=None), "weight_decay"),
    (lambda: optimizers.Adam(use_ema=True, ema_momentum=2.0), "ema_momentum"),
    (lambda: optimizers.Adam(use_ema=True, ema_overwrite_frequency=0.5), "ema_overwrite_frequency"),
    (lambda: optimizers.Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: optimizers.Adam(learning_rate="fast"), "learning_rate"),
    (lambda: optimizers.Adam(clipnorm="big"), "clipnorm"),
    (lambda: optimizers.Adam(name="a/b"), "name"),
])
def test_bad_arguments(ctor, match):
    with pytest.raises(ValueError, match=match):
        ctor()


def test_mismatched_grads_and_variables_count():
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizers.SGD().apply([np.ones(1, np.float32)] * 2, [lamina.Variable([1.0])])


def test_auto_name_when_name_is_none():
    a = optimizers.Adam(name=None)
    b = optimizers.Adam(name=None)
    assert a.name.startswith("adam") and a.name != b.name


def test_no_warning_on_plain_apply():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam().apply([np.ones(2, np.float32)], [lamina.Variable([1.0, 2.0])])
