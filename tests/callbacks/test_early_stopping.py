import numpy as np
import pytest

from lamina.callbacks import EarlyStopping
from callback_fakes import model, fit, stdout  # noqa: F401 (fixtures)


def losses(*values, key="loss"):
    return [{key: v} for v in values]


def test_patience_counts_epochs_without_improvement(model, fit):
    es = EarlyStopping(monitor="loss", patience=2)
    history = fit(model, [es], losses(1.0, 0.9, 0.95, 0.96, 0.97, 0.98))
    assert history.epoch == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and model.stop_training is True
    assert es.best == 0.9 and es.best_epoch == 1


def test_patience_zero_stops_at_first_non_improvement(model, fit):
    es = EarlyStopping(monitor="loss")
    assert fit(model, [es], losses(1.0, 0.5, 0.6, 0.1)).epoch == [0, 1, 2]


def test_no_stop_while_improving(model, fit):
    es = EarlyStopping(monitor="val_loss", patience=0)
    history = fit(model, [es], losses(3.0, 2.0, 1.0, key="val_loss"))
    assert history.epoch == [0, 1, 2] and es.stopped_epoch == 0
    assert model.stop_training is False


def test_min_delta_small_gains_do_not_count(model, fit):
    logs = losses(1.0, 0.95, 0.9, 0.85)
    assert fit(model, [EarlyStopping("loss", min_delta=0.1, patience=1)], logs).epoch == [0, 1]
    assert fit(model, [EarlyStopping("loss", min_delta=0.01, patience=1)], logs).epoch == \
        [0, 1, 2, 3]
    # The sign of min_delta doesn't matter.
    assert EarlyStopping("loss", min_delta=-0.1).min_delta == 0.1


def test_baseline_must_be_beaten_to_reset_patience(model, fit):
    logs = losses(1.0, 0.9, 0.95, 0.96)
    assert fit(model, [EarlyStopping("loss", patience=2)], logs).epoch == [0, 1, 2, 3]
    # Improving but above the baseline: patience keeps counting from the start.
    es = EarlyStopping("loss", patience=2, baseline=0.5)
    assert fit(model, [es], logs).epoch == [0, 1, 2]
    # Below the baseline: patience restarts as usual.
    es = EarlyStopping("loss", patience=2, baseline=0.5)
    assert fit(model, [es], losses(0.4, 0.3, 0.35, 0.36, 0.37)).epoch == [0, 1, 2, 3]


def test_restore_best_weights_when_stopped(model, fit, stdout):
    es = EarlyStopping("loss", patience=2, restore_best_weights=True, verbose=1)
    history = fit(model, [es], losses(1.0, 0.5, 0.8, 0.9, 0.1))
    assert history.epoch == [0, 1, 2, 3]
    np.testing.assert_array_equal(model.weights[0], np.full(2, 1.0))  # epoch 1's weights
    assert float(model.weights[1]) == 1.0
    assert stdout() == ("Epoch 4: early stopping\n"
                        "Restoring model weights from the end of the best epoch: 2.\n")


def test_restore_best_weights_at_end_of_training_without_stop(model, fit):
    es = EarlyStopping("loss", patience=5, restore_best_weights=True)
    fit(model, [es], losses(1.0, 0.5, 0.8))
    assert es.stopped_epoch == 0
    np.testing.assert_array_equal(model.weights[0], np.full(2, 1.0))


def test_no_restore_without_flag(model, fit):
    es = EarlyStopping("loss", patience=1)
    fit(model, [es], losses(1.0, 0.5, 0.8, 0.9))
    assert model.set_weights_calls == 0
    np.testing.assert_array_equal(model.weights[0], np.full(2, 2.0))  # last epoch run


def test_restore_first_monitored_weights_when_nothing_beats_baseline(model, fit):
    es = EarlyStopping("loss", patience=2, baseline=0.1, restore_best_weights=True,
                       start_from_epoch=1)
    fit(model, [es], losses(0.01, 1.0, 2.0, 3.0, 4.0))
    assert es.stopped_epoch == 2 and es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], np.full(2, 1.0))


def test_start_from_epoch_ignores_warmup(model, fit):
    logs = losses(1.0, 2.0, 3.0, 4.0, 5.0)
    assert fit(model, [EarlyStopping("loss")], logs).epoch == [0, 1]
    es = EarlyStopping("loss", start_from_epoch=2)
    assert fit(model, [es], logs).epoch == [0, 1, 2, 3]
    assert es.best == 3.0


def test_auto_mode_maximizes_accuracy_like_metrics(model, fit):
    for key in ("accuracy", "val_accuracy", "val_auc", "precision", "sparse_categorical_accuracy"):
        es = EarlyStopping(monitor=key)
        assert fit(model, [es], losses(0.5, 0.6, 0.7, key=key)).epoch == [0, 1, 2], key
    for key in ("val_mae", "mean_squared_error", "val_loss"):
        es = EarlyStopping(monitor=key)
        assert fit(model, [es], losses(0.5, 0.6, 0.7, key=key)).epoch == [0, 1], key


def test_auto_mode_reads_metric_direction_from_the_model(model, fit):
    class Metric:
        def __init__(self, name, direction):
            self.name, self._direction = name, direction

    class Container:
        metrics = [Metric("score", "up"), Metric("penalty", "down")]

    model.metrics = [Container()]
    assert fit(model, [EarlyStopping("val_score")],
               losses(1, 2, 3, key="val_score")).epoch == [0, 1, 2]
    assert fit(model, [EarlyStopping("penalty")], losses(1, 2, 3, key="penalty")).epoch == [0, 1]


def test_explicit_modes(model, fit):
    logs = losses(0.5, 0.6, 0.7, key="thing")
    assert fit(model, [EarlyStopping("thing", mode="max")], logs).epoch == [0, 1, 2]
    assert fit(model, [EarlyStopping("thing", mode="min")], logs).epoch == [0, 1]


def test_auto_mode_unknown_metric_is_a_clear_error(model, fit):
    with pytest.raises(ValueError, match="monitor=thing.*isn't able to automatically "
                                         "determine.*mode='max'"):
        fit(model, [EarlyStopping("thing")], losses(1.0, key="thing"))


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'median' is unknown"):
        es = EarlyStopping(mode="median")
    assert es.mode == "auto"


def test_missing_monitor_warns_and_never_stops(model, fit):
    es = EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss` "
                                         "which is not available. Available metrics are: loss"):
        history = fit(model, [es], losses(1.0, 2.0, 3.0))
    assert history.epoch == [0, 1, 2] and model.stop_training is False


def test_instance_is_reusable(model, fit):
    es = EarlyStopping("loss", patience=1, restore_best_weights=True)
    fit(model, [es], losses(0.1, 0.2, 0.3))
    assert es.stopped_epoch == 1
    history = fit(model, [es], losses(5.0, 4.0, 3.0))  # worse than the first run's best
    assert history.epoch == [0, 1, 2] and es.stopped_epoch == 0 and es.best == 3.0
    np.testing.assert_array_equal(model.weights[0], np.full(2, 2.0))


@pytest.mark.parametrize("kwargs, msg", [
    (dict(patience=-1), "`patience` must be a non-negative integer"),
    (dict(patience=1.5), "`patience` must be a non-negative integer"),
    (dict(start_from_epoch=-2), "`start_from_epoch` must be a non-negative integer"),
])
def test_argument_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        EarlyStopping(**kwargs)
    with pytest.raises(TypeError, match="`monitor` must be a metric name"):
        EarlyStopping(monitor=None)
