"""Instruction selection for the native executor, seen through a model's program."""

import numpy as np

import lamina
from lamina import layers, models


def _fit_mlp(loss="mse", out_units=1):
    lamina.utils.set_random_seed(0)
    model = models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                               layers.Dense(out_units)])
    model.compile(optimizer="adam", loss=loss)
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = np.random.default_rng(1).normal(size=(64, out_units)).astype("float32")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return model


def test_an_mlp_step_lowers_to_gemm_epilogues_fused_kernels_and_in_place_updates():
    model = _fit_mlp()
    program = model.compiled_step("train_step")
    assert type(program.executor).__name__ == "NativeExecutor"
    text = program.executor.text()
    # Dense + relu: one gemm whose epilogue adds the bias and applies relu.
    assert "gemm(ta=0, tb=0, act=relu)" in text
    assert "fused(" in text
    assert text.count("optimizer(rule=adam") == 4
    # MSE, its gradient and the loss tracker need no Python at all.
    assert "callback" not in text, text


def test_the_arena_is_smaller_than_the_sum_of_buffers():
    model = _fit_mlp()
    program = model.compiled_step("train_step")
    assert 0 < program.peak_bytes <= program.arena_bytes < program.memory.unplanned_bytes
    assert program.executor.program.arena_bytes == program.executor.builder.arena_bytes


def test_unsupported_primitives_run_as_callbacks_with_the_same_results():
    lamina.utils.set_random_seed(0)
    inputs = layers.Input((6,))
    h = layers.Dense(4)(inputs)
    out = layers.Concatenate()([h, layers.Dense(3)(inputs)])  # concatenate: a callback
    model = models.Model(inputs, out)
    x = np.random.default_rng(2).normal(size=(5, 6)).astype("float32")
    model(x)
    got = model(x).numpy()
    program = model._call_function[1].last_program()
    assert type(program.executor).__name__ == "NativeExecutor"
    assert "callback" in program.executor.text()
    model.run_eagerly = True
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-6)
