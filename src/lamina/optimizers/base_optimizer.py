"""The optimizer base class: Keras 3's `BaseOptimizer` on fused native updates.

Each built-in optimizer computes a whole step for one variable in one native call
(`lamina._core.<name>_update`, csrc/kernels/optimizer.cc): gradient unscaling and
norm/value clipping, decoupled weight decay (`v -= v * weight_decay * lr`), the slot
updates and the parameter update, in one pass over the data. Tensors are immutable
and may be shared, so the kernels write NEW arrays (`out=None`), which are installed
into the Variables (`variable._tensor = Tensor(array)`) once the kernel has checked
their shapes and dtypes. The kernels also accept output buffers, and are alias-safe
for `out[k] is state[k]`, so a compiled executor can later update in place.

Scalars that change per step (learning rate, bias corrections, clipping factors) are
computed in Python in double precision and passed to the kernel, which rounds them
once to the variable's dtype.

Custom optimizers subclass `lamina.optimizers.Optimizer` as in Keras: override
`build` (creating slots with `add_variable_from_reference`) and
`update_step(gradient, variable, learning_rate)` written with `lamina.ops`; clipping
and weight decay are then applied with ops before `update_step`.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from lamina import ops
from lamina.backend import dtypes
from lamina.backend.native import _core
from lamina.backend.tensor import Tensor
from lamina.backend.variable import Variable
from lamina.graph import trace
from lamina.optimizers import fused_update
from lamina.optimizers.schedules import learning_rate_schedule
from lamina.saving import serialization_lib

_NAME_UIDS: dict[str, int] = {}


def _auto_name(class_name: str) -> str:
    """Keras's `auto_name`: snake_case of the class name, made unique ("sgd", "sgd_1")."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    count = _NAME_UIDS.get(name, 0)
    _NAME_UIDS[name] = count + 1
    return name if count == 0 else f"{name}_{count}"


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _check_number(name: str, value, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not _is_number(value):
        raise ValueError(f"Argument `{name}` must be a number{' or None' if allow_none else ''}. "
                         f"Received: {name}={value!r}")


class _Prologue:
    """Per-variable scalars applied by every fused kernel before its own rule:
    the gradient is multiplied by `gscale` and clipped to [-clip, clip]; the
    parameter is decayed by `p -= p * decay`."""

    __slots__ = ("gscale", "clip", "decay")

    def __init__(self, gscale: float = 1.0, clip: float = math.inf, decay: float = 0.0):
        self.gscale = gscale
        self.clip = clip
        self.decay = decay


class BaseOptimizer:
    """The base of lamina's optimizers (Keras 3's `BaseOptimizer`).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable with no
            arguments returning the learning rate.
        weight_decay: if set, decoupled weight decay `v -= v * weight_decay * lr`
            before each update (see `exclude_from_weight_decay`).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients together to this global L2 norm.
            Only one of `clipnorm`, `clipvalue` and `global_clipnorm` may be set.
        use_ema: keep an exponential moving average of the trained variables.
        ema_momentum: the EMA momentum (`average = m * average + (1 - m) * value`).
        ema_overwrite_frequency: every this many steps, overwrite the variables with
            their averages (None: only in `finalize_variable_values`).
        loss_scale_factor: gradients are divided by it (see `scale_loss`).
        gradient_accumulation_steps: if an int >= 2, update every that many steps
            with the mean gradient.
        name: the name (prefix of the optimizer's variable paths).

    Example:
    >>> v = lamina.Variable([1.0, 2.0])
    >>> opt = lamina.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(ops.convert_to_tensor([1.0, 1.0]), v)])
    >>> v.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None, loss_scale_factor=None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(
                f"Argument(s) not recognized: {kwargs}. {type(self).__name__} accepts "
                "learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, "
                "ema_momentum, ema_overwrite_frequency, loss_scale_factor, "
                "gradient_accumulation_steps, name and its own hyperparameters."
            )
        if name is None:
            name = _auto_name(type(self).__name__)
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"Argument `name` must be a non-empty string without '/'. "
                             f"Received: name={name!r}")
        for arg, value in (("weight_decay", weight_decay), ("clipnorm", clipnorm),
                           ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm),
                           ("loss_scale_factor", loss_scale_factor)):
            _check_number(arg, value)
        if loss_scale_factor is not None and loss_scale_factor == 0:
            raise ValueError("Argument `loss_scale_factor` must be nonzero.")
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if (not isinstance(gradient_accumulation_steps, (int, np.integer))
                    or gradient_accumulation_steps < 2):
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                    f"gradient_accumulation_steps={gradient_accumulation_steps}"
                )
        if use_ema:
            _check_number("ema_momentum", ema_momentum, allow_none=False)
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._scalar_sink: list | None = None
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self._trainable_variables_indices: dict[int, int] = {}
        self._model_variables_moving_average: list[Variable] = []
        self._accumulated_gradients: list[Variable] = []
        self._exclude_from_weight_decay: set[int] = set()
        self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache: dict[int, bool] = {}

        self._iterations = self._new_variable(0, "int64", "iteration")
        self._track_variable(self._iterations)
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, (Tensor, Variable))):
            self._learning_rate = learning_rate
        else:
            value = self._learning_rate_number(learning_rate)
            self._learning_rate = self._new_variable(value, dtypes.FLOATX, "learning_rate")
            self._track_variable(self._learning_rate)

    # ------------------------------------------------------------ variables
    def _new_variable(self, value, dtype: str, name: str) -> Variable:
        v = Variable(value, dtype=dtype, trainable=False, name=name)
        v._path = f"{self.name}/{name}"
        return v

    @staticmethod
    def _learning_rate_number(learning_rate) -> float:
        if isinstance(learning_rate, (Tensor, Variable)) and learning_rate.ndim == 0:
            learning_rate = float(learning_rate)
        if not _is_number(learning_rate):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                f"value and returns the corresponding learning rate value). Received "
                f"instead: learning_rate={learning_rate!r}"
            )
        return float(learning_rate)

    def _track_variable(self, variable: Variable) -> None:
        self._variables.append(variable)

    def _untrack_variable(self, variable: Variable) -> None:
        self._variables = [v for v in self._variables if v is not variable]

    @property
    def variables(self) -> list[Variable]:
        """The optimizer's state: iterations, the learning rate (unless a schedule),
        then the slots in creation order (Keras's order, used by saving)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The step counter (an int64 Variable); with gradient accumulation, the number
        of actual updates (as in Keras)."""
        if self.gradient_accumulation_steps:
            return ops.convert_to_tensor(self._step_count(), dtype="int64")
        return self._iterations

    def _step_count(self) -> int:
        count = int(self._iterations._tensor._value)
        if self.gradient_accumulation_steps:
            count //= self.gradient_accumulation_steps
        return count

    def _var_key(self, variable) -> int:
        return id(variable)

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[self._var_key(variable)]

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation: str = "none",
                     name: str | None = None) -> Variable:
        """Creates and tracks a non-trainable optimizer variable.

        `initializer` is "zeros", "ones", a number, or a callable `(shape, dtype)`.
        """
        dtype = dtypes.standardize_dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if isinstance(initializer, str):
            key = initializer.lower()
            if key == "zeros":
                value = ops.zeros(shape, dtype=dtype)
            elif key == "ones":
                value = ops.ones(shape, dtype=dtype)
            else:
                try:
                    from lamina import initializers  # noqa: PLC0415 - optional, later module
                except ImportError:
                    raise ValueError(f"Unknown initializer {initializer!r}; use 'zeros', "
                                     "'ones', a number or a callable") from None
                value = initializers.get(initializer)(shape, dtype=dtype)
        elif _is_number(initializer):
            value = ops.full(shape, initializer, dtype=dtype)
        elif callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            raise ValueError(f"add_variable: cannot initialize from {initializer!r}")
        variable = self._new_variable(ops.cast(ops.convert_to_tensor(value), dtype), dtype,
                                      name or "variable")
        variable.aggregation = aggregation
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name: str | None = None,
                                    initializer="zeros") -> Variable:
        """A slot shaped like `reference_variable`, named after its path as Keras does:
        a "dense/kernel" reference gives "<optimizer>/dense_kernel_<name>"."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None) or str(reference_variable.name)
        name = ref.replace("/", "_").replace(":", "_") + "_" + name
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Slots for each variable; with a list of names, one list per name, created
        interleaved per variable (Keras's order). Returns a list or a tuple of lists."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        out = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                out[i].append(self.add_variable_from_reference(variable, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates the optimizer's state for `var_list` (EMA averages and gradient
        accumulators here; subclasses add their slots after calling this)."""
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"{type(self).__name__}.build: expected lamina.Variable objects, "
                                f"got {type(v).__name__}")
            if not dtypes.is_float(v.dtype):
                raise TypeError(f"{type(self).__name__} can only update float variables; "
                                f"variable '{v.path}' has dtype {v.dtype}")
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(var_list, "average")
        self._accumulated_gradients = []
        for i, variable in enumerate(var_list):
            self._trainable_variables_indices[self._var_key(variable)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(variable, "gradient_accumulator"))
        self._trainable_variables = var_list[:]
        self.built = True

    def _check_variables_are_known(self, variables) -> None:
        for v in variables:
            if self._var_key(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {v!r}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    # --------------------------------------------------------- assignment
    def assign(self, variable: Variable, value) -> None:
        variable.assign(value)

    def assign_add(self, variable: Variable, value) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable: Variable, value) -> None:
        variable.assign_sub(value)

    # -------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """The current learning rate: the Variable, or the schedule's value at
        `iterations`, or the callable's value."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        prev = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, (Tensor, Variable))):
            self._learning_rate = learning_rate
        else:
            if not isinstance(self._learning_rate, Variable):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object (or a "
                    "callable) as its `learning_rate` constructor argument, hence its learning "
                    "rate is not settable. If you need the learning rate to be settable, you "
                    "should instantiate the optimizer with a float `learning_rate` argument."
                )
            self._learning_rate.assign(self._learning_rate_number(learning_rate))
        if prev is not None and not isinstance(self._learning_rate, Variable):
            self._untrack_variable(prev)

    def _get_current_learning_rate(self):
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate()

    def _learning_rate_value(self) -> float:
        """The current learning rate as a Python float (the kernels round it to the
        variable's dtype, as Keras's `ops.cast(learning_rate, variable.dtype)`)."""
        return float(self._get_current_learning_rate())

    # --------------------------------------------------------------- apply
    def apply_gradients(self, grads_and_vars: Iterable) -> Variable:
        """Applies `(gradient, variable)` pairs; returns `iterations`.

        Example:
        >>> opt.apply_gradients(zip(grads, model.trainable_variables))
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, trainable_variables = zip(*pairs)
        self.apply(list(grads), list(trainable_variables))
        return self._iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None) -> None:
        """Updates `trainable_variables` (default: those the optimizer was built with)
        with `grads` (None gradients are skipped with a warning)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking {len(self._trainable_variables)} "
                    "trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if len(trainable_variables) != len(grads):
                raise ValueError(f"Received {len(grads)} gradients for "
                                 f"{len(trainable_variables)} variables; they must match "
                                 "one-to-one.")
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)

        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        grads = [self._prepare_gradient(g, v) for g, v in zip(grads, trainable_variables)]
        self._backend_apply_gradients(grads, trainable_variables)
        for variable in trainable_variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [v.name for g, v in zip(grads, variables) if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        return [g for g, _ in kept], [v for _, v in kept]

    @staticmethod
    def _prepare_gradient(gradient, variable: Variable) -> Tensor:
        g = gradient.value if isinstance(gradient, Variable) else gradient
        g = ops.convert_to_tensor(g)
        if tuple(g.shape) != tuple(variable.shape):
            raise ValueError(
                f"Gradient for variable '{variable.path}' has shape {tuple(g.shape)}, but the "
                f"variable has shape {tuple(variable.shape)}; they must match."
            )
        if g.dtype != variable.dtype:
            if not dtypes.is_float(g.dtype) and not dtypes.is_int(g.dtype):
                raise TypeError(f"Gradient for variable '{variable.path}' has dtype {g.dtype}; "
                                "expected a numeric gradient")
            g = ops.cast(g, variable.dtype)
        return g

    def _backend_apply_gradients(self, grads: list[Tensor], trainable_variables: list[Variable]):
        tracer = trace.active_tracer()
        if tracer is not None and self._scalar_sink is None:
            reason = self._compiled_unsupported()
            if reason:
                tracer.fail(f"{type(self).__name__}: {reason}")
            variables = list(trainable_variables)
            with tracer.host_section(lambda: self._step_scalars(variables)):
                self._apply_gradients_on_host(grads, trainable_variables)
            return
        self._apply_gradients_on_host(grads, trainable_variables)

    def _apply_gradients_on_host(self, grads, trainable_variables) -> None:
        count = int(self._iterations._tensor._value)
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            if self.loss_scale_factor is not None:
                grads = [ops.divide(g, ops.cast(self.loss_scale_factor, g.dtype)) for g in grads]
            accs = [self._accumulated_gradients[self._get_variable_index(v)]
                    for v in trainable_variables]
            if (count + 1) % steps == 0:
                grads = [ops.divide(ops.add(g, a.value), ops.cast(steps, g.dtype))
                         for g, a in zip(grads, accs)]
                self._update(grads, trainable_variables, 1.0)
                for a in self._accumulated_gradients:
                    a.assign(ops.zeros(a.shape, dtype=a.dtype))
            else:
                for g, a in zip(grads, accs):
                    a.assign(ops.add(g, a.value))
        else:
            gscale = 1.0 if self.loss_scale_factor is None else 1.0 / self.loss_scale_factor
            self._update(grads, trainable_variables, gscale)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency and \
                    (self._step_count() + 1) % self.ema_overwrite_frequency == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)
        self._iterations.assign(count + 1)

    def _clip_factors(self, grads: list[Tensor], gscale: float) -> tuple[list[float], float]:
        """Per-gradient scale factors (unscaling and norm clipping) and the value clip,
        following Keras's `_clip_gradients` on the unscaled gradients."""
        if self.clipnorm and self.clipnorm > 0:
            clip = float(self.clipnorm)
            scales = []
            for g in grads:
                norm = math.sqrt(_core.sum_squares(g._value)) * abs(gscale)
                denom = norm if (norm > clip or math.isnan(norm)) else clip
                scales.append(gscale * clip / denom)
            return scales, math.inf
        if self.global_clipnorm and self.global_clipnorm > 0:
            clip = float(self.global_clipnorm)
            norm = math.sqrt(sum(_core.sum_squares(g._value) for g in grads)) * abs(gscale)
            if not math.isfinite(norm):
                scale = math.nan
            else:
                scale = clip * min(1.0 / norm if norm > 0 else math.inf, 1.0 / clip)
            return [gscale * scale] * len(grads), math.inf
        if self.clipvalue and self.clipvalue > 0:
            return [gscale] * len(grads), float(self.clipvalue)
        return [gscale] * len(grads), math.inf

    def _use_fused(self) -> bool:
        return type(self)._fused_update_step is not BaseOptimizer._fused_update_step

    def _update(self, grads: list[Tensor], trainable_variables: list[Variable], gscale: float):
        """One update step: clipping, weight decay and the optimizer's rule."""
        scales, clip = self._clip_factors(grads, gscale)
        if self._use_fused():
            lr = self._learning_rate_value()
            self._before_update_step()
            sink = self._scalar_sink
            if sink is not None and type(self).__module__.startswith("lamina.optimizers."):
                self._collect_scalars(trainable_variables, scales, clip, lr, sink)
                return
            for g, v, s in zip(grads, trainable_variables, scales):
                decay = 0.0
                if self.weight_decay is not None and self._use_weight_decay(v):
                    decay = float(self.weight_decay) * lr
                self._fused_update_step(g, v, lr, _Prologue(s, clip, decay))
            return
        # A custom optimizer written with ops (Keras's `update_step` API).
        prepared = []
        for g, s in zip(grads, scales):
            if s != 1.0:
                g = ops.multiply(g, ops.cast(s, g.dtype))
            if math.isfinite(clip):
                g = ops.clip(g, -clip, clip)
            prepared.append(g)
        self._apply_weight_decay(trainable_variables)
        self._backend_update_step(prepared, trainable_variables, self.learning_rate)

    def _backend_update_step(self, grads, trainable_variables, learning_rate) -> None:
        for grad, var in zip(grads, trainable_variables):
            self.update_step(grad, var, learning_rate)

    def _before_update_step(self) -> None:
        """Hook run once per update step before the per-variable updates (Nadam)."""

    def _fused_update_step(self, gradient: Tensor, variable: Variable, learning_rate: float,
                           pre: _Prologue) -> None:
        """Built-in optimizers: the whole update of one variable in one native call."""
        raise NotImplementedError

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        """Updates one variable with its (already clipped) gradient. Built-in optimizers
        run their fused kernel; custom optimizers override this with ops."""
        if not self._use_fused():
            raise NotImplementedError(f"{type(self).__name__}.update_step() must be implemented.")
        gradient = self._prepare_gradient(gradient, variable)
        self._fused_update_step(gradient, variable, float(learning_rate), _Prologue())

    @staticmethod
    def _scalar_type(variable: Variable):
        """The scalar type of `variable`'s dtype (np.float32 / np.float64): per-step
        scalars such as bias corrections are rounded in it, as Keras's ops compute them
        (for float32, `1 - 0.999**t` loses digits exactly as it does in Keras)."""
        return dtypes.np_dtype(variable.dtype).type

    def _run_kernel(self, kernel: Callable, gradient: Tensor, state: list[Variable],
                    pre: _Prologue, **hyper) -> None:
        """Runs a fused kernel on `state` (param first, then slots) as one
        `optimizer_update` node and installs the new values into the Variables.
        In the compiled step's prologue (`_step_scalars`) it only collects the
        scalars."""
        rule = kernel.__name__[: -len("_update")]
        scalars = fused_update.scalars_of(rule, pre.gscale, pre.clip, pre.decay, hyper)
        if self._scalar_sink is not None:
            self._scalar_sink.append(scalars)
            return
        outs = fused_update.OPTIMIZER_UPDATE.bind(gradient, *[v._tensor for v in state],
                                                  rule=rule, scalars=scalars)
        for v, t in zip(state, outs):
            v._tensor = t

    # ------------------------------------------------------- compiled steps
    def _compiled_unsupported(self) -> str | None:
        """Why this optimizer's step cannot run inside a compiled program (None if
        it can): features whose host logic depends on the gradients' values."""
        if not self._use_fused():
            return "a custom update_step (compiled steps support the built-in optimizers)"
        for name in ("clipnorm", "global_clipnorm", "gradient_accumulation_steps", "use_ema"):
            if getattr(self, name):
                return f"{name} is set"
        return None

    def _collect_scalars(self, variables, scales, clip, lr: float, sink: list) -> None:
        """`_update`'s loop for the compiled prologue: a built-in rule's scalars depend
        on the variable only through its dtype, so they are computed once per dtype
        (by the same `_fused_update_step` as eagerly) and reused."""
        per_dtype: dict = {}
        decays = self.weight_decay is not None
        decay_value = float(self.weight_decay) * lr if decays else 0.0
        clip = float(clip)
        for v, s in zip(variables, scales):
            key = v._tensor._value.dtype
            rule = per_dtype.get(key)
            if rule is None:
                self._fused_update_step(None, v, lr, _Prologue())
                rule = per_dtype[key] = sink.pop()[3:]
            decay = decay_value if decays and self._use_weight_decay(v) else 0.0
            sink.append((float(s), clip, decay) + rule)

    def _step_scalars(self, trainable_variables: list[Variable]) -> list[tuple]:
        """The host half of one update step, for a compiled program's prologue:
        advances the step counter (and Nadam's product) exactly as `apply` would
        and returns each fused kernel's scalars in call order, leaving the weights
        to the program."""
        self._scalar_sink = []
        try:
            self._backend_apply_gradients([None] * len(trainable_variables),
                                          trainable_variables)
            return self._scalar_sink
        finally:
            self._scalar_sink = None

    # -------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Excludes variables from weight decay: those in `var_list`, and those whose
        name contains one of the strings (regular expressions) in `var_names`.
        Call before the optimizer is built.

        Example:
        >>> opt = lamina.optimizers.AdamW()
        >>> opt.exclude_from_weight_decay(var_names=["bias"])
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_from_weight_decay = set(self._var_key(v) for v in (var_list or []))
        if var_names:
            self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable: Variable) -> bool:
        key = self._var_key(variable)
        cached = self._exclude_from_weight_decay_cache.get(key)
        if cached is not None:
            return cached
        use = key not in self._exclude_from_weight_decay
        if use and self._exclude_from_weight_decay_pattern is not None:
            use = re.search(self._exclude_from_weight_decay_pattern, variable.name) is None
        self._exclude_from_weight_decay_cache[key] = use
        return use

    def _apply_weight_decay(self, variables) -> None:
        if self.weight_decay is None:
            return
        lr = self._learning_rate_value()
        for variable in variables:
            if self._use_weight_decay(variable):
                factor = ops.cast(float(self.weight_decay) * lr, variable.dtype)
                variable.assign(ops.subtract(variable.value, ops.multiply(variable.value, factor)))

    # ------------------------------------------------------------------ EMA
    def _update_model_variables_moving_average(self, trainable_variables) -> None:
        momentum = float(self.ema_momentum) if self._step_count() != 0 else 0.0
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            (new,) = _core.ema_update(var._tensor._value, [average._tensor._value], None,
                                      momentum=momentum)
            average._tensor = Tensor(new)

    def _overwrite_model_variables_with_average_value(self, trainable_variables) -> None:
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                "not match the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the "
                "optimizer was called on your model."
            )
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            var.assign(average.value)

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, overwrites `var_list` with their moving averages."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    # ---------------------------------------------------------------- misc
    def scale_loss(self, loss):
        """`loss * loss_scale_factor` (or `loss` when there is no factor)."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    def set_weights(self, weights) -> None:
        """Sets the values of `variables` (the optimizer must be built)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(f"Optimizer variable '{variable.path}' has shape "
                                 f"{tuple(variable.shape)} not compatible with provided weight "
                                 f"shape {tuple(np.shape(weight))}.")
            variable.assign(weight)

    def save_own_variables(self, store) -> None:
        """Writes `variables` into `store` under "0", "1", ... (Keras's layout)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Reads `variables` from `store` (skipped with a warning on a count mismatch)."""
        if len(store.keys()) != len(self.variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if len(self.variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(np.asarray(store[str(i)]))

    # -------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, in Keras's keys (a schedule as its serialized dict)."""
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate_schedule.serialize(self._learning_rate)
        elif isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.numpy())
        else:
            learning_rate = serialization_lib.serialize_keras_object(self._learning_rate)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """Rebuilds an optimizer from `get_config()` (no state)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization_lib.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}>"


base_optimizer_keyword_args = """weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `lamina.optimizers.Optimizer`."""
