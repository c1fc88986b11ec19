"""`Trainer`: the parent of `Model` that holds compile / fit / evaluate / predict.

The steps (`train_step`, `test_step`, `predict_step`) are the units users override;
the loops around them handle data, callbacks and logs as Keras 3 does.

By default (`jit_compile="auto"`) each step is compiled (lamina.graph): the first
batch of each input signature is traced (a real, eager step) and the later ones
run as one optimized program. `run_eagerly=True` or `jit_compile=False` keep every
step eager; steps the tracer cannot replay stay eager under "auto".
"""

from __future__ import annotations

import warnings

import numpy as np

from lamina.autodiff import GradientTape
from lamina.backend.tensor import Tensor
from lamina.graph.function import CompiledFunction
from lamina.ops import add, concatenate, convert_to_tensor
from lamina.trainers import compile_utils
from lamina.trainers.data_adapters import data_adapter_utils, get_data_adapter
from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from lamina.trainers.epoch_loop import EpochLoop


class Trainer:
    """Training, evaluation and inference loops (mixed into `Model`)."""

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_config = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._run_eagerly = False
        self._jit_compile = "auto"
        self.steps_per_execution = 1
        self._step_functions: dict = {}

    # -------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile="auto", auto_scale_loss: bool = True) -> None:
        """Configures the model for training.

        `steps_per_execution` groups that many batches per call into the compiled
        program; the batch-level callback hooks are then called once per group (begin
        with its first step, end with its last), as in Keras. With the default 1,
        batches are still grouped when no callback needs to see single batches
        (see `lamina.trainers.epoch_loop`).

        Example:
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"])
        """
        from lamina import metrics as metrics_module
        from lamina import optimizers

        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"compile: steps_per_execution must be a positive int, got "
                             f"{steps_per_execution!r}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_loss = None if loss is None else compile_utils.CompileLoss(
            loss, loss_weights, _output_keys(self))
        self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics, loss,
                                                             _output_keys(self))
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._run_eagerly = bool(run_eagerly)
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"compile: jit_compile must be True, False or 'auto', got "
                             f"{jit_compile!r}")
        self._jit_compile = jit_compile
        self._step_functions = {}
        self.steps_per_execution = steps_per_execution
        self.stop_training = False
        self.compiled = True
        self._compile_config = {
            "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }
        if getattr(self, "built", False) and self.trainable_weights:
            self.optimizer.build(self.trainable_weights)

    @property
    def run_eagerly(self) -> bool:
        return getattr(self, "_run_eagerly", False)

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        self._run_eagerly = bool(value)

    @property
    def jit_compile(self):
        return getattr(self, "_jit_compile", "auto")

    @jit_compile.setter
    def jit_compile(self, value) -> None:
        if value not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto', got {value!r}")
        self._jit_compile = value
        self._step_functions = {}

    def get_compile_config(self) -> dict | None:
        """The arguments of `compile`, serialized (None when not compiled)."""
        if not getattr(self, "compiled", False) or self._compile_config is None:
            return None
        from lamina.saving import serialization_lib

        config = dict(self._compile_config)
        config["optimizer"] = serialization_lib.serialize_keras_object(self.optimizer)
        return serialization_lib.serialize_keras_object(config)

    def compile_from_config(self, config: dict) -> None:
        """Compiles from `get_compile_config()`'s output."""
        from lamina.saving import serialization_lib

        config = serialization_lib.deserialize_keras_object(config)
        self.compile(**config)
        if getattr(self, "built", False) and self.trainable_weights:
            self.optimizer.build(self.trainable_weights)

    def _assert_compiled(self, what: str) -> None:
        if not getattr(self, "compiled", False):
            raise ValueError(f"You must call `compile()` before calling `{what}()`.")

    # -------------------------------------------------------------- metrics
    @property
    def metrics(self) -> list:
        """The loss tracker, then the compiled metrics (Keras's order)."""
        out = []
        if getattr(self, "_loss_tracker", None) is not None:
            out.append(self._loss_tracker)
        if getattr(self, "_compile_metrics", None) is not None:
            out.extend(self._compile_metrics.metrics + self._compile_metrics.weighted)
        if getattr(self, "_compile_loss", None) is not None:
            out.extend(self._compile_loss.metrics)  # per-output losses ("out_a_loss")
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # ---------------------------------------------------------------- steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the model's own losses (regularization, add_loss)."""
        total = None
        if self._compile_loss is not None:
            if y is None:
                raise ValueError("The model was compiled with a loss, but no targets (y) were "
                                 "given; pass y, or data yielding (x, y)")
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else add(total, extra)
        if total is None:
            raise ValueError("No loss to compute: compile the model with a `loss`, or add "
                             "losses in the model (add_loss)")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Updates the compiled metrics; returns every metric's current result."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        out = {}
        for m in self.metrics:
            value = m.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[m.name] = value
        return out

    def train_step(self, data) -> dict:
        """One optimization step on a batch: forward, loss, gradients, update."""
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        weights = self.trainable_weights
        if weights:
            grads = tape.gradient(loss, weights)
            self.optimizer.apply(grads, weights)
        else:
            warnings.warn("The model has no trainable weights; fit() only computes the loss",
                          stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ------------------------------------------------------ compiled steps
    def _step_function(self, kind: str):
        """`train_step`, `test_step` or `predict_step` as the loops call it: the
        compiled function (cached per kind until the next `compile`) or the plain
        method when running eagerly."""
        mode = getattr(self, "_jit_compile", "auto")
        if self.run_eagerly or mode is False:
            return getattr(self, kind)
        functions = self.__dict__.setdefault("_step_functions", {})
        fn = functions.get(kind)
        if fn is None:
            fn = functions[kind] = CompiledFunction(getattr(self, kind), self._step_variables,
                                                    mode=mode, name=kind)
        return fn

    def _step_variables(self) -> list:
        """Everything a step may read or update: the model's weights, the optimizer's
        slots and the metrics' accumulators (others are found when read)."""
        out = list(self.variables)
        if self.optimizer is not None:
            out += self.optimizer.variables
        for m in self.metrics:
            out += m.variables
        return out

    def compiled_step(self, kind: str = "train_step"):
        """The last compiled `train_step` / `test_step` / `predict_step` (after at
        least one fit / evaluate / predict): a `lamina.graph.Program` with its IR,
        native instructions, `compile_seconds`, `peak_bytes` and `arena_bytes`."""
        fn = getattr(self, "_step_functions", {}).get(kind)
        program = fn.last_program() if fn is not None else None
        if program is None:
            reasons = [] if fn is None else [r for rs in fn.fallback_reasons.values() for r in rs]
            why = ("; it ran eagerly because " + "; ".join(reasons)) if reasons else ""
            raise ValueError(f"No compiled {kind} yet{why}: run fit/evaluate/predict first "
                             "(with run_eagerly=False and jit_compile True or 'auto')")
        return program

    def compiled_step_text(self, kind: str = "train_step") -> str:
        """`compiled_step(kind)` as readable text: the IR after optimization, the
        passes' report, the memory plan and the native program (fused kernels
        included).

        Example:
        >>> model.fit(x, y, epochs=1, verbose=0)
        >>> print(model.compiled_step_text("train_step"))  # doctest: +SKIP
        """
        return self.compiled_step(kind).text()

    # ----------------------------------------------------------- the loops
    def _prepare_for_data(self, batch) -> None:
        """Builds the model (from the first batch) and the optimizer."""
        x, y, _ = data_adapter_utils.unpack_x_y_sample_weight(batch)
        if not self.built:
            shapes = data_adapter_utils.map_structure(lambda t: (None,) + tuple(t.shape[1:]), x)
            self._build(shapes)
        if self.optimizer is not None and not getattr(self.optimizer, "built", True):
            if _has_unbuilt_sublayers(self):
                # A subclassed model whose call could not run symbolically: one
                # forward pass on the batch creates its weights.
                self(x, training=False)
            self.optimizer.build(self.trainable_weights)

    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq: int = 1):
        """Trains the model; returns a `History` whose `.history` maps each metric
        ("loss", "accuracy", "val_loss", ...) to its per-epoch values."""
        from lamina import callbacks as callbacks_module

        self._assert_compiled("fit")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
        if not isinstance(validation_freq, int) or validation_freq < 1:
            raise ValueError(f"fit: validation_freq must be a positive int, got "
                             f"{validation_freq!r}")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter_utils.train_validation_split(
                (x, y, sample_weight), validation_split)
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                   steps_per_epoch=steps_per_epoch, shuffle=shuffle,
                                   class_weight=class_weight, where="fit")
        val_adapter = None
        if validation_data is not None:
            vx, vy, vsw = data_adapter_utils.unpack_x_y_sample_weight(validation_data)
            val_adapter = get_data_adapter(vx, vy, vsw,
                                           batch_size=validation_batch_size or batch_size,
                                           steps_per_epoch=validation_steps, shuffle=False,
                                           where="fit (validation_data)")
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                          model=self, verbose=verbose, epochs=epochs,
                                          steps=adapter.num_batches)
        self.stop_training = False
        cbs.on_train_begin()
        training_logs = None
        data = adapter if class_weight is None or isinstance(adapter, ArrayDataAdapter) \
            else _ClassWeighted(adapter, class_weight)
        loop = EpochLoop(data, cbs, "train", self.steps_per_execution,
                         prepare=self._prepare_for_data,
                         step_fn=lambda: self._step_function("train_step"),
                         to_python=_to_python, should_stop=lambda: self.stop_training)
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            adapter.on_epoch_begin()
            cbs.on_epoch_begin(epoch)
            _, steps_run = loop.run()
            adapter.on_epoch_end()
            if steps_run == 0:
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your "
                    "dataset or generator can generate at least `steps_per_epoch * epochs` "
                    "batches.", stacklevel=2)
                break
            epoch_logs = dict(self._pythonize(self.get_metrics_result()))
            if val_adapter is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_adapter(val_adapter, callbacks=cbs, return_logs=True)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        cbs.on_train_end(logs=training_logs)
        return self.history

    @staticmethod
    def _pythonize(logs: dict) -> dict:
        return _to_python(logs)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict: bool = False, **kwargs):
        """The loss and metrics on the data: a scalar (loss only), a list in
        `metrics_names` order, or a dict with `return_dict=True`."""
        from lamina import callbacks as callbacks_module

        self._assert_compiled("evaluate")
        if kwargs:
            raise ValueError(f"evaluate: unrecognized arguments {sorted(kwargs)}")
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                   steps_per_epoch=steps, shuffle=False, where="evaluate")
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                          verbose=verbose, epochs=1, steps=adapter.num_batches)
        logs = self._evaluate_adapter(adapter, callbacks=cbs, return_logs=True)
        if return_dict:
            return logs
        values = [logs[name] for name in logs]
        return values[0] if len(values) == 1 else values

    def _evaluate_adapter(self, adapter, callbacks, return_logs: bool = True) -> dict:
        self.reset_metrics()
        callbacks.on_test_begin()
        EpochLoop(adapter, callbacks, "test", self.steps_per_execution,
                  prepare=self._prepare_for_data,
                  step_fn=lambda: self._step_function("test_step"),
                  to_python=_to_python, should_stop=lambda: False).run()
        logs = _to_python(self.get_metrics_result())
        callbacks.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on `x`, batch by batch, as NumPy arrays."""
        small = self._predict_in_one_batch(x, batch_size, verbose, steps, callbacks)
        if small is not None:
            return small
        from lamina import callbacks as callbacks_module

        adapter = get_data_adapter(x, None, None, batch_size=batch_size, steps_per_epoch=steps,
                                   shuffle=False, where="predict")
        verbose = _resolve_verbose(verbose)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else \
            callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                          verbose=verbose, epochs=1, steps=adapter.num_batches)
        cbs.on_predict_begin()
        outputs = []

        def prepare(batch):
            if not self.built:
                self._prepare_for_data(batch)

        def collect(out):  # every step's (or group's) outputs, in order
            outputs.append(out)
            return {"outputs": out}

        EpochLoop(adapter, cbs, "predict", self.steps_per_execution, prepare=prepare,
                  step_fn=lambda: self._step_function("predict_step"), to_python=None,
                  should_stop=lambda: False, collect=collect).run()
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict: the data produced no batches")
        return _concat_outputs(outputs)

    def _predict_in_one_batch(self, x, batch_size, verbose, steps, callbacks):
        """predict's fast path for one array that fits in one batch, with no callbacks
        and no progress bar to drive (a one-sample predict is mostly loop overhead):
        the same checks and the same compiled predict_step. None when it does not
        apply."""
        if callbacks or steps is not None or verbose != 0 or not self.built:
            return None
        if type(x) is not np.ndarray or x.ndim == 0 or x.dtype != np.float32:
            return None
        if len(x) == 0 or len(x) > (batch_size or 32):
            return None
        if np.isnan(x).any():
            return None  # the general path raises its clear error
        if type(self).predict_step is Trainer.predict_step and hasattr(self, "_fast_call"):
            # The built-in predict_step is `self(x, training=False)`: calling that
            # directly takes the model's compiled-call fast path (the same forward
            # pass, traced the same way) without the step function around it.
            return _concat_outputs([self(x, training=False)])
        batch = (convert_to_tensor(x),)
        return _concat_outputs([self._step_function("predict_step")(batch)])

    # ----------------------------------------------------------- on batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict: bool = False):
        """One training step on one batch; returns the loss and metrics."""
        self._assert_compiled("train_on_batch")
        if class_weight is not None:
            cw = data_adapter_utils.class_weight_to_sample_weights(np.asarray(y), class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        batch = _single_batch(x, y, sample_weight)
        self._prepare_for_data(batch)
        self.reset_metrics()
        logs = _to_python(self._step_function("train_step")(batch))
        return logs if return_dict else _values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        self._assert_compiled("test_on_batch")
        batch = _single_batch(x, y, sample_weight)
        self._prepare_for_data(batch)
        self.reset_metrics()
        logs = _to_python(self._step_function("test_step")(batch))
        return logs if return_dict else _values(logs)

    def predict_on_batch(self, x):
        batch = _single_batch(x, None, None)
        if not self.built:
            self._prepare_for_data(batch)
        return _concat_outputs([self._step_function("predict_step")(batch)])


# -------------------------------------------------------------------- helpers
class _ClassWeighted:
    """A non-array adapter whose batches get class weights as sample weights."""

    def __init__(self, adapter, class_weight: dict):
        self.adapter = adapter
        self.class_weight = class_weight
        self.num_batches = adapter.num_batches

    def get_iterator(self):
        for batch in self.adapter.get_iterator():
            x, y, sw = data_adapter_utils.unpack_x_y_sample_weight(batch)
            cw = data_adapter_utils.class_weight_to_sample_weights(np.asarray(y),
                                                                   self.class_weight)
            cw = convert_to_tensor(cw)
            yield (x, y, cw if sw is None else sw * cw)


def _has_unbuilt_sublayers(layer, depth: int = 0) -> bool:
    if depth > 0 and not layer.built:
        return True
    return any(_has_unbuilt_sublayers(sub, depth + 1) for sub in getattr(layer, "_layers", []))


def _output_keys(model) -> list[str] | None:
    """The names compile's per-output dicts are keyed by (None for a model whose
    outputs are not known before it runs, e.g. a subclassed model)."""
    keys = getattr(model, "_output_keys", None)
    if keys is None:
        keys = getattr(model, "output_names", None)
    return list(keys) if keys else None


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    return int(verbose)


def _batch_size(x) -> int:
    first = data_adapter_utils.flatten(x)[0]
    return int(first.shape[0])


def _to_python(logs: dict) -> dict:
    out = {}
    for k, v in logs.items():
        if isinstance(v, Tensor):
            v = float(v) if v.size == 1 else np.asarray(v)
        elif hasattr(v, "numpy") and not isinstance(v, (int, float)):
            v = np.asarray(v)
            v = float(v) if v.size == 1 else v
        out[k] = v
    return out


def _values(logs: dict):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _single_batch(x, y, sample_weight):
    adapter = ArrayDataAdapter(x, y, sample_weight=sample_weight,
                               batch_size=None, shuffle=False, where="on_batch")
    adapter._batch_size = max(adapter.num_samples, 1)
    return next(adapter.get_iterator())


def _concat_outputs(outputs: list):
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([o[i] for o in outputs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([o[k] for o in outputs]) for k in first}
    joined = outputs[0] if len(outputs) == 1 else concatenate(outputs, axis=0)
    return np.array(joined)
