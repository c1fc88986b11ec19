import pytest

from lamina.callbacks import ModelCheckpoint
from callback_fakes import model, fit, stdout  # noqa: F401 (fixtures)


def paths(model):
    return [(method, p) for method, p, _ in model.saved]


def test_saves_every_epoch_with_formatted_path(model, fit, tmp_path):
    pattern = str(tmp_path / "m.{epoch:02d}-{val_loss:.2f}.keras")
    fit(model, [ModelCheckpoint(pattern)], [{"loss": 1, "val_loss": 0.5},
                                           {"loss": 1, "val_loss": 0.25}])
    assert model.saved == [("save", str(tmp_path / "m.01-0.50.keras"), True),
                           ("save", str(tmp_path / "m.02-0.25.keras"), True)]


def test_save_weights_only(model, fit, tmp_path):
    path = tmp_path / "w.weights.h5"  # PathLike works too
    fit(model, [ModelCheckpoint(path, save_weights_only=True)], [{"val_loss": 1.0}])
    assert model.saved == [("save_weights", str(path), True)]


def test_save_best_only_min(model, fit, tmp_path, stdout):
    path = str(tmp_path / "best.keras")
    ckpt = ModelCheckpoint(path, save_best_only=True, verbose=1)
    fit(model, [ckpt], [{"val_loss": v} for v in (0.5, 0.6, 0.4)])
    assert paths(model) == [("save", path)] * 2
    assert ckpt.best == 0.4
    assert stdout() == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}\n"
        f"\nEpoch 3: finished saving model to {path}\n")


def test_save_best_only_max_and_auto(model, fit, tmp_path):
    pattern = str(tmp_path / "e{epoch}.keras")
    logs = [{"val_accuracy": v} for v in (0.5, 0.4, 0.7, 0.7)]
    fit(model, [ModelCheckpoint(pattern, monitor="val_accuracy", save_best_only=True)], logs)
    assert [p for _, p in paths(model)] == [str(tmp_path / "e1.keras"),
                                            str(tmp_path / "e3.keras")]
    model.saved.clear()
    fit(model, [ModelCheckpoint(pattern, monitor="val_accuracy", mode="min",
                                save_best_only=True)], logs)
    assert [p for _, p in paths(model)] == [str(tmp_path / "e1.keras"),
                                            str(tmp_path / "e2.keras")]


def test_initial_value_threshold(model, fit, tmp_path):
    pattern = str(tmp_path / "e{epoch}.keras")
    ckpt = ModelCheckpoint(pattern, save_best_only=True, initial_value_threshold=0.45)
    fit(model, [ckpt], [{"val_loss": v} for v in (0.5, 0.6, 0.4)])
    assert [p for _, p in paths(model)] == [str(tmp_path / "e3.keras")]


def test_save_best_only_without_the_monitored_value_warns_and_saves(model, fit, tmp_path):
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        fit(model, [ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)],
            [{"loss": 1.0}])
    assert len(model.saved) == 1


def test_integer_save_freq_counts_batches_across_epochs(model, fit, tmp_path):
    pattern = str(tmp_path / "ck-{epoch}-{batch}.keras")
    fit(model, [ModelCheckpoint(pattern, save_freq=2)], [{"loss": 1.0}] * 2, steps=3)
    assert [p for _, p in paths(model)] == [str(tmp_path / n) for n in
                                            ("ck-1-2.keras", "ck-2-1.keras", "ck-2-3.keras")]


def test_creates_missing_directories(model, fit, tmp_path):
    path = tmp_path / "a" / "b" / "m.keras"
    fit(model, [ModelCheckpoint(str(path))], [{"loss": 1.0}])
    assert (tmp_path / "a" / "b").is_dir() and model.saved[0][1] == str(path)


def test_existing_directory_is_a_clear_error(model, fit, tmp_path):
    (tmp_path / "d.keras").mkdir()
    with pytest.raises(IsADirectoryError, match="non-directory filepath.*d.keras"):
        fit(model, [ModelCheckpoint(str(tmp_path / "d.keras"))], [{"loss": 1.0}])


def test_missing_format_key_is_a_clear_error(model, fit, tmp_path):
    ckpt = ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath.*val_acc"):
        fit(model, [ckpt], [{"loss": 1.0}])


@pytest.mark.parametrize("kwargs, msg", [
    (dict(filepath="m.keras", save_weights_only=True), "must end in `.weights.h5`"),
    (dict(filepath="m.h5", save_weights_only=True), "must end in `.weights.h5`"),
    (dict(filepath="model.h5"), "must end in `.keras`"),
    (dict(filepath="ckpt"), "must end in `.keras`.*Received: filepath=ckpt"),
    (dict(filepath="m.keras", save_freq="batch"), "Unrecognized save_freq: 'batch'"),
    (dict(filepath="m.keras", save_freq=0), "Unrecognized save_freq: 0"),
])
def test_argument_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ModelCheckpoint(**kwargs)
