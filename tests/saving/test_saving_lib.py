"""Model files: `.keras` round trips, weights files, resume training, errors, safety."""

from __future__ import annotations

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import saving_lib, serialization_lib


def _data(n=32, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype("float32"),
            rng.integers(0, classes, size=(n,)).astype("int64"))


def _mlp(d=6, hidden=8, classes=3, dropout=True, compile=True, seed=1):
    lamina.utils.set_random_seed(seed)
    stack = [lamina.Input(shape=(d,)), layers.Dense(hidden, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(0.25))
    stack.append(layers.Dense(classes, activation="softmax"))
    model = lamina.Sequential(stack)
    if compile:
        model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _trained(steps_epochs=2, **kwargs):
    model = _mlp(**kwargs)
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=steps_epochs, shuffle=False, verbose=0)
    return model


def _config(model):
    return serialization_lib.serialize_keras_object(model)


def _files(directory):
    return sorted(os.listdir(directory))


# ------------------------------------------------------------------ round trip
def test_round_trip_config_weights_predictions_optimizer(tmp_path):
    model = _trained()
    path = tmp_path / "m.keras"
    model.save(path)
    restored = lamina.models.load_model(path)

    assert type(restored) is lamina.Sequential
    assert _config(restored) == _config(model)
    assert restored.get_compile_config() == model.get_compile_config()
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(restored.optimizer.variables) == len(model.optimizer.variables) == 2 + 2 * 4
    for a, b in zip(model.optimizer.variables, restored.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(restored.optimizer.iterations.numpy()) == 8
    x, _ = _data(seed=5)
    np.testing.assert_array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))


def test_archive_layout_is_keras(tmp_path):
    model = _trained()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
        weights = zf.read("model.weights.h5")
    assert metadata["keras_version"].startswith("3.")
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["config"]["layers"][1]["module"] == "keras.layers"
    assert config["build_config"] == {"input_shape": [None, 6]}
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    (tmp_path / "w.h5").write_bytes(weights)
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert f["vars"].attrs["name"] == model.name
        assert list(f["layers"]) == ["dense", "dense_1", "dropout"]
        assert f["layers/dense/vars"].attrs["name"] == model.layers[0].name
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], model.layers[0].kernel.numpy())
        np.testing.assert_array_equal(f["layers/dense_1/vars/1"][()], model.layers[2].bias.numpy())
        assert len(f["layers/dropout/vars"]) == 0
        assert f["optimizer/vars"].attrs["name"] == model.optimizer.name
        assert sorted(f["optimizer/vars"], key=int) == [str(i) for i in range(10)]
        assert f["optimizer/vars/0"][()] == 8  # iterations


def test_resume_training_matches_uninterrupted(tmp_path):
    x, y = _data(n=48)
    straight = _mlp(dropout=False)
    straight.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0)

    first = _mlp(dropout=False)
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.keras")
    resumed = lamina.models.load_model(tmp_path / "ckpt.keras")
    resumed.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)

    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(resumed.optimizer.iterations.numpy()) == 30


def test_resume_from_weights_file_matches_uninterrupted(tmp_path):
    x, y = _data(n=48)
    straight = _mlp(dropout=False)
    straight.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)

    first = _mlp(dropout=False)
    first.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    first.save_weights(tmp_path / "ckpt.weights.h5")
    other = _mlp(dropout=False, seed=99)  # different initial weights, same architecture
    other.load_weights(tmp_path / "ckpt.weights.h5")
    other.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_load_without_compile(tmp_path):
    model = _trained()
    model.save(tmp_path / "m.keras")
    restored = lamina.models.load_model(tmp_path / "m.keras", compile=False)
    assert not restored.compiled and restored.optimizer is None
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_uncompiled_model_round_trip(tmp_path):
    model = _mlp(compile=False)
    model.save(tmp_path / "m.keras")
    restored = lamina.saving.load_model(tmp_path / "m.keras")
    assert "compile_config" not in _config(restored)
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_model_function_and_file_objects(tmp_path):
    import io

    model = _trained()
    buffer = io.BytesIO()
    lamina.saving.save_model(model, buffer)
    buffer.seek(0)
    restored = lamina.saving.load_model(buffer)
    np.testing.assert_array_equal(restored.layers[0].kernel.numpy(),
                                  model.layers[0].kernel.numpy())


def test_subclassed_model_paths_follow_attribute_names(tmp_path):
    @lamina.saving.register_keras_serializable(package="SavingTest")
    class Tower(lamina.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = layers.Dense(4, activation="relu")
            self.heads = [layers.Dense(2), layers.Dense(3)]
            self.out = layers.Dense(1)

        def call(self, x):
            h = self.encoder(x)
            return self.out(lamina.ops.concatenate([head(h) for head in self.heads], axis=-1))

    model = Tower()
    model(np.ones((2, 5), "float32"))
    paths = [p for p, _ in saving_lib.walk_saveables(model)]
    # Public attributes in sorted order: "encoder", "heads" (a list), then "layers"
    # (Model.layers) reaches `out` before the attribute "out" does: Keras 3.15 writes
    # exactly these paths for this model (checked against real Keras).
    assert paths == ["", "encoder", "heads/dense", "heads/dense_1", "layers/dense_3"]
    model.save_weights(tmp_path / "t.weights.h5")
    clone = Tower()
    clone(np.ones((2, 5), "float32"))
    clone.load_weights(tmp_path / "t.weights.h5")
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    np.testing.assert_array_equal(model(x).numpy(), clone(x).numpy())


# --------------------------------------------------------------- weights files
def test_weights_file_round_trip(tmp_path):
    model = _trained()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    other = _mlp(seed=7)
    assert not np.array_equal(other.get_weights()[0], model.get_weights()[0])
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # A .keras file is also a source of weights.
    model.save(tmp_path / "m.keras")
    third = _mlp(seed=8)
    third.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(third.get_weights()[0], model.get_weights()[0])


def test_weights_extension_errors(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`.*m\.h5"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"legacy Keras 2 '\.h5' weights"):
        model.load_weights(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"expected a `\.weights\.h5` or `\.keras`"):
        model.load_weights(_touch(tmp_path / "m.weights.npz"))
    with pytest.raises(ValueError, match="File not found"):
        model.load_weights(tmp_path / "missing.weights.h5")
    with pytest.raises(ValueError, match=r"expected a `\.keras` extension|add a `\.keras`"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match=r"legacy HDF5"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"legacy HDF5"):
        lamina.models.load_model(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"weights file.*load_weights"):
        lamina.models.load_model(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match=r"expected a `\.keras` file"):
        lamina.models.load_model(tmp_path / "m.zip")


def _touch(path):
    path.write_bytes(b"")
    return str(path)


def test_unbuilt_model_weights_errors(tmp_path):
    model = lamina.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        model.load_weights(tmp_path / "u.weights.h5")


def test_mismatch_raises_and_leaves_model_unchanged(tmp_path):
    _trained().save_weights(tmp_path / "a.weights.h5")
    wider = _mlp(hidden=9)
    before = wider.get_weights()
    with pytest.raises(ValueError) as info:
        wider.load_weights(tmp_path / "a.weights.h5")
    msg = str(info.value)
    assert "could not be loaded" in msg and "layers/dense" in msg
    assert "(6, 9)" in msg and "(6, 8)" in msg
    for a, b in zip(before, wider.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_skip_mismatch_loads_what_fits(tmp_path):
    source = _trained()
    source.save_weights(tmp_path / "a.weights.h5")
    # Same first layer, different last layer (4 classes instead of 3).
    other = _mlp(classes=4)
    with pytest.warns(UserWarning, match="could not be loaded"):
        other.load_weights(tmp_path / "a.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(), source.layers[0].kernel.numpy())
    assert other.layers[2].kernel.shape == (8, 4)


def test_missing_layer_in_file_is_an_error(tmp_path):
    small = lamina.Sequential([lamina.Input(shape=(6,)), layers.Dense(3)])
    small.save_weights(tmp_path / "s.weights.h5")
    big = _mlp(compile=False)
    with pytest.raises(ValueError, match=r"layers/dense_1 .*expected 2 variables, but received 0"):
        big.load_weights(tmp_path / "s.weights.h5")


# ---------------------------------------------------------------------- json
def test_to_json_and_model_from_json():
    model = _mlp()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    clone = lamina.models.model_from_json(text)
    assert _config(clone)["config"] == _config(model)["config"]
    assert clone.compiled and type(clone.optimizer).__name__ == "Adam"
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert model.to_json(indent=2).count("\n") > 10
    with pytest.raises(ValueError, match="not valid JSON"):
        lamina.models.model_from_json("{not json")


# ------------------------------------------------------------ custom objects
@lamina.saving.register_keras_serializable(package="SavingTest")
class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(Scale):
    pass


def _with(layer):
    model = lamina.Sequential([lamina.Input(shape=(3,)), layer, layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    layer.w.assign(np.array([1.0, 2.0, 3.0], "float32"))
    return model


def test_registered_custom_layer_round_trip(tmp_path):
    model = _with(Scale(3.0))
    model.save(tmp_path / "c.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "c.keras").read("config.json"))
    assert config["config"]["layers"][1]["registered_name"] == "SavingTest>Scale"
    restored = lamina.models.load_model(tmp_path / "c.keras")
    assert isinstance(restored.layers[0], Scale) and restored.layers[0].factor == 3.0
    np.testing.assert_array_equal(restored.layers[0].w.numpy(), [1.0, 2.0, 3.0])


def test_unknown_class_names_it_and_custom_objects_fix_it(tmp_path):
    model = _with(Unregistered(1.5))
    model.save(tmp_path / "u.keras")
    with pytest.raises(TypeError, match=r"Unregistered.*register_keras_serializable.*"
                                        r"custom_objects"):
        lamina.models.load_model(tmp_path / "u.keras")
    restored = lamina.models.load_model(tmp_path / "u.keras",
                                        custom_objects={"Unregistered": Unregistered})
    assert type(restored.layers[0]) is Unregistered
    np.testing.assert_array_equal(restored.layers[0].w.numpy(), [1.0, 2.0, 3.0])


# ---------------------------------------------------------------- safe mode
def test_lambda_bytecode_refused_in_safe_mode(tmp_path):
    model = lamina.Sequential([lamina.Input(shape=(2,)), layers.Lambda(lambda t: t * 3.0)])
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        lamina.models.load_model(tmp_path / "l.keras")
    assert serialization_lib.in_safe_mode() is None  # the scope did not leak
    restored = lamina.models.load_model(tmp_path / "l.keras", safe_mode=False)
    np.testing.assert_allclose(restored(np.ones((1, 2), "float32")).numpy(), [[3.0, 3.0]])


# ------------------------------------------------------------ hostile files
def _rewrite(src, dst, extra=(), drop=(), replace=None):
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name not in drop:
                zout.writestr(name, replace.get(name, zin.read(name)))
        for name, data in extra:
            zout.writestr(name, data)
    return dst


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.keras"
    _trained().save(path)
    return path


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil", "assets/../../x", "C:/x"])
def test_path_traversal_members_refused(saved, tmp_path, member):
    bad = _rewrite(saved, tmp_path / "bad.keras", extra=[(member, b"x")])
    with pytest.raises(ValueError, match="path traversal"):
        lamina.models.load_model(bad)


def test_corrupt_and_truncated_archives(saved, tmp_path):
    junk = tmp_path / "junk.keras"
    junk.write_bytes(os.urandom(2000))
    with pytest.raises(ValueError, match=r"junk\.keras.*not a valid `\.keras` zip"):
        lamina.models.load_model(junk)
    data = saved.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 100):
        short = tmp_path / f"short{cut}.keras"
        short.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=rf"short{cut}\.keras"):
            lamina.models.load_model(short)
    with pytest.raises(ValueError, match="File not found"):
        lamina.models.load_model(tmp_path / "nothing.keras")


def test_corrupt_members(saved, tmp_path):
    no_config = _rewrite(saved, tmp_path / "a.keras", drop=["config.json"])
    with pytest.raises(ValueError, match="no 'config.json'"):
        lamina.models.load_model(no_config)
    bad_json = _rewrite(saved, tmp_path / "b.keras", replace={"config.json": b"{oops"})
    with pytest.raises(ValueError, match="config.json' is not valid JSON"):
        lamina.models.load_model(bad_json)
    not_model = _rewrite(saved, tmp_path / "c.keras", replace={"config.json": b"[1, 2]"})
    with pytest.raises(ValueError, match="does not describe a model"):
        lamina.models.load_model(not_model)
    with zipfile.ZipFile(saved) as zf:
        weights = zf.read("model.weights.h5")
    bad_h5 = _rewrite(saved, tmp_path / "d.keras",
                      replace={"model.weights.h5": weights[: len(weights) // 3]})
    with pytest.raises(ValueError, match=r"d\.keras:model\.weights\.h5.*not a valid HDF5"):
        lamina.models.load_model(bad_h5)
    no_weights = _rewrite(saved, tmp_path / "e.keras", drop=["model.weights.h5"])
    with pytest.raises(ValueError, match="no 'model.weights.h5'"):
        lamina.models.load_model(no_weights)


def test_truncated_weights_file(tmp_path):
    model = _trained()
    model.save_weights(tmp_path / "w.weights.h5")
    data = (tmp_path / "w.weights.h5").read_bytes()
    (tmp_path / "t.weights.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t\.weights\.h5"):
        model.load_weights(tmp_path / "t.weights.h5")


def test_h5_links_refused(tmp_path):
    model = _trained()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    with pytest.raises(ValueError, match="SoftLink"):
        model.load_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(path)


# ------------------------------------------------------------- atomic saving
def test_failed_save_keeps_previous_file(saved, monkeypatch):
    model = _trained()
    before = saved.read_bytes()
    dense = model.layers[2]

    def explode(store):
        store["0"] = dense.kernel.numpy()  # half-written state, then a crash
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dense, "save_own_variables", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        model.save(saved)
    assert saved.read_bytes() == before
    assert _files(saved.parent) == ["good.keras"]
    lamina.models.load_model(saved)  # still a valid file


def test_failed_config_keeps_previous_file(saved, monkeypatch):
    model = _trained()
    before = saved.read_bytes()
    monkeypatch.setattr(type(model.layers[0]), "get_config",
                        lambda self: (_ for _ in ()).throw(RuntimeError("no config")))
    with pytest.raises(RuntimeError, match="no config"):
        model.save(saved)
    assert saved.read_bytes() == before
    assert _files(saved.parent) == ["good.keras"]


def test_failed_save_weights_keeps_previous_file(tmp_path, monkeypatch):
    model = _trained()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    before = path.read_bytes()
    monkeypatch.setattr(model.optimizer, "save_own_variables",
                        lambda store: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError, match="crash"):
        model.save_weights(path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["w.weights.h5"]


def test_overwrite_false(saved, tmp_path):
    model = _trained()
    with pytest.raises(FileExistsError, match="good.keras.*overwrite=True"):
        model.save(saved, overwrite=False)
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
    model.save(tmp_path / "new.keras", overwrite=False)  # a new file is fine
    assert (tmp_path / "new.keras").exists()


def test_saved_file_permissions_are_ordinary(tmp_path):
    _trained().save(tmp_path / "p.keras")
    mode = os.stat(tmp_path / "p.keras").st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_model_checkpoint_writes_loadable_files(tmp_path):
    x, y = _data()
    model = _mlp()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[
        lamina.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.keras")),
        lamina.callbacks.ModelCheckpoint(str(tmp_path / "w.weights.h5"), save_weights_only=True),
    ])
    assert _files(tmp_path) == ["e1.keras", "e2.keras", "w.weights.h5"]
    restored = lamina.models.load_model(tmp_path / "e2.keras")
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])


def test_decompression_bomb_member_refused(saved, tmp_path, monkeypatch):
    monkeypatch.setattr(saving_lib, "_ZIP_BOMB_FLOOR_BYTES", 1 << 16)
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))
        zout.writestr("assets/zeros.bin", b"\0" * (1 << 20), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="decompression bomb"):
        lamina.models.load_model(bomb)
