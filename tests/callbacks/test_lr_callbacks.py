import numpy as np
import pytest

from lamina.callbacks import LearningRateScheduler, ReduceLROnPlateau
from callback_fakes import model, fit, stdout  # noqa: F401 (fixtures)


def test_scheduler_sets_lr_each_epoch_and_logs_it(model, fit):
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr if epoch == 0 else lr * 0.5

    model.optimizer.learning_rate = 0.1
    history = fit(model, [LearningRateScheduler(schedule)], [{"loss": 1.0}] * 3)
    assert calls == [(0, 0.1), (1, 0.1), (2, 0.05)]
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])


def test_scheduler_one_argument_form_and_numpy_floats(model, fit, stdout):
    fit(model, [LearningRateScheduler(lambda epoch: np.float32(0.1 / (epoch + 1)), verbose=1)],
        [{"loss": 1.0}] * 2)
    assert model.optimizer.learning_rate == pytest.approx(0.05)
    out = stdout()
    assert "\nEpoch 1: LearningRateScheduler setting learning rate to 0.1" in out
    assert "\nEpoch 2: LearningRateScheduler setting learning rate to 0.05" in out


def test_scheduler_errors(model, fit):
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        fit(model, [LearningRateScheduler(lambda epoch, lr: 1)], [{"loss": 1.0}])
    with pytest.raises(ValueError, match="should be a float. Got: 'fast'"):
        fit(model, [LearningRateScheduler(lambda epoch, lr: "fast")], [{"loss": 1.0}])
    with pytest.raises(TypeError, match="`schedule` must be callable"):
        LearningRateScheduler(0.1)
    model.optimizer = None
    with pytest.raises(ValueError, match='Optimizer must have a "learning_rate" attribute'):
        fit(model, [LearningRateScheduler(lambda e, lr: lr)], [{"loss": 1.0}])


def test_reduce_lr_after_patience(model, fit):
    model.optimizer.learning_rate = 0.1
    rlr = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)
    history = fit(model, [rlr], [{"val_loss": 1.0}] * 6)
    assert model.optimizer.assigned[1:] == pytest.approx([0.05, 0.025])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_lr_resets_wait_on_improvement(model, fit):
    model.optimizer.learning_rate = 0.1
    fit(model, [ReduceLROnPlateau("loss", factor=0.5, patience=2)],
        [{"loss": v} for v in (1.0, 1.0, 0.5, 0.5, 0.2)])
    assert model.optimizer.learning_rate == 0.1


def test_reduce_lr_min_delta(model, fit):
    model.optimizer.learning_rate = 0.1
    fit(model, [ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=0.1)],
        [{"loss": v} for v in (1.0, 0.95)])
    assert model.optimizer.learning_rate == pytest.approx(0.05)


def test_reduce_lr_cooldown(model, fit, stdout):
    model.optimizer.learning_rate = 0.1
    model.optimizer.assigned.clear()
    fit(model, [ReduceLROnPlateau("loss", factor=0.5, patience=1, cooldown=2, verbose=1)],
        [{"loss": 1.0}] * 6)
    assert model.optimizer.assigned == pytest.approx([0.05, 0.025, 0.0125])
    assert stdout() == ("\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05.\n"
                        "\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.025.\n"
                        "\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.0125.\n")


def test_reduce_lr_min_lr(model, fit):
    model.optimizer.learning_rate = 0.1
    fit(model, [ReduceLROnPlateau("loss", factor=0.1, patience=1, min_lr=0.005)],
        [{"loss": 1.0}] * 6)
    assert model.optimizer.learning_rate == pytest.approx(0.005)
    assert min(model.optimizer.assigned) == pytest.approx(0.005)


def test_reduce_lr_auto_mode_max_for_accuracy(model, fit):
    model.optimizer.learning_rate = 0.1
    fit(model, [ReduceLROnPlateau("val_accuracy", factor=0.5, patience=1)],
        [{"val_accuracy": v} for v in (0.5, 0.6, 0.7)])
    assert model.optimizer.learning_rate == 0.1
    fit(model, [ReduceLROnPlateau("val_accuracy", factor=0.5, patience=1, mode="min")],
        [{"val_accuracy": v} for v in (0.5, 0.6, 0.7)])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_reduce_lr_missing_monitor_warns(model, fit):
    with pytest.warns(UserWarning, match="conditioned on metric `val_loss` which is not "
                                         "available. Available metrics are: loss"):
        fit(model, [ReduceLROnPlateau(patience=0)], [{"loss": 1.0}] * 2)
    assert model.optimizer.learning_rate == 0.01


def test_reduce_lr_argument_errors():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Received factor=2"):
        ReduceLROnPlateau(factor=2)
    with pytest.raises(ValueError, match="`factor` must be > 0"):
        ReduceLROnPlateau(factor=0)
    with pytest.warns(UserWarning, match="mode 'sideways' is unknown"):
        assert ReduceLROnPlateau(mode="sideways").mode == "auto"
