"""Normalization (adapt, given statistics, invert) and Rescaling."""

import numpy as np
import pytest

from lamina import layers, ops, utils
from conftest import assert_close


def test_adapt_array_per_feature(rng):
    data = rng.standard_normal((50, 3)).astype(np.float32) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]
    norm = layers.Normalization()
    norm.adapt(data)
    assert_close(norm.adapt_mean, data.astype(np.float64).mean(0), rtol=1e-6, atol=1e-6)
    assert_close(norm.adapt_variance, data.astype(np.float64).var(0), rtol=1e-6)  # population
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = (x - data.mean(0)) / np.sqrt(data.var(0))
    assert_close(norm(x), expected, rtol=1e-5, atol=1e-5)
    assert [w.name for w in norm.weights] == ["mean", "variance", "count"]
    assert not norm.trainable_weights


def test_adapt_axis_none_and_multiple_axes(rng):
    norm = layers.Normalization(axis=None)
    norm.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
    assert_close(norm(np.array([1.0, 2.0, 3.0], np.float32)), [-1.4142135, -0.70710677, 0.0])
    data = rng.standard_normal((10, 4, 3)).astype(np.float32)
    norm = layers.Normalization(axis=(1, 2))
    norm.adapt(data)
    assert norm.adapt_mean.shape == (4, 3)
    assert_close(norm(data), (data - data.mean(0)) / data.std(0), rtol=1e-4, atol=1e-5)
    norm = layers.Normalization(axis=1)
    norm.adapt(data)
    assert_close(norm.adapt_mean, data.mean((0, 2)), atol=1e-6)


def test_adapt_batched_iterable_equals_whole(rng):
    data = rng.standard_normal((103, 2)).astype(np.float32) * 4 + 1
    whole = layers.Normalization()
    whole.adapt(data)
    batched = layers.Normalization()
    batched.adapt(data[i:i + 16] for i in range(0, 103, 16))
    assert_close(batched.adapt_mean, whole.adapt_mean.numpy(), atol=1e-6)
    assert_close(batched.adapt_variance, whole.adapt_variance.numpy(), rtol=1e-6)

    class Batches(utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return data[i * 30:(i + 1) * 30], np.zeros(len(data[i * 30:(i + 1) * 30]))

    from_ds = layers.Normalization()
    from_ds.adapt(Batches())
    assert_close(from_ds.adapt_variance, whole.adapt_variance.numpy(), rtol=1e-6)


def test_given_mean_variance_and_invert(rng):
    x = rng.standard_normal((5, 3)).astype(np.float32)
    norm = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])
    y = norm(x)
    assert_close(y, (x - [1, 2, 3]) / np.sqrt([4.0, 1.0, 0.25]), atol=1e-6)
    inv = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    assert_close(inv(y), x, atol=1e-5)
    scalar = layers.Normalization(mean=3.0, variance=2.0)
    assert_close(scalar(np.array([[1.0], [2.0], [3.0]], np.float32)),
                 [[-1.4142135], [-0.70710677], [0.0]])
    assert not scalar.weights
    zero_var = layers.Normalization(mean=0.0, variance=0.0)
    assert np.all(np.isfinite(zero_var(np.ones((2, 1), np.float32)).numpy()))


def test_config_and_errors(rng):
    norm = layers.Normalization(axis=-1, mean=[1.0, 2.0], variance=[1.0, 1.0], invert=True)
    config = norm.get_config()
    assert set(config) == {"name", "trainable", "dtype", "axis", "invert", "mean", "variance"}
    assert config["axis"] == (-1,) and config["mean"] == [1.0, 2.0]
    clone = layers.Normalization.from_config(config)
    x = rng.standard_normal((3, 2)).astype(np.float32)
    assert_close(clone(x), norm(x))
    assert layers.Normalization().get_config()["mean"] is None
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="range"):
        layers.Normalization(axis=3)(np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="does not fit"):
        layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])(np.ones((2, 4)))
    adapted = layers.Normalization()
    adapted.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        adapted.adapt(np.ones((4, 5), np.float32))


def test_rescaling(rng):
    x = rng.integers(0, 256, (2, 4, 4, 3)).astype(np.uint8)
    out = layers.Rescaling(1.0 / 127.5, offset=-1)(x)
    assert out.dtype == "float32"
    assert_close(out, x / 127.5 - 1, atol=1e-6)
    per_channel = layers.Rescaling(np.array([1.0, 2.0, 3.0]), offset=[0.0, 1.0, 0.0])
    assert_close(per_channel(x), x * [1, 2, 3] + [0, 1, 0], atol=1e-4)
    config = per_channel.get_config()
    assert set(config) == {"name", "trainable", "dtype", "scale", "offset"}
    assert config["scale"] == [1.0, 2.0, 3.0]
    assert layers.Rescaling(0.5).compute_output_shape((None, 3)) == (None, 3)
