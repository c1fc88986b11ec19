"""`Metric`: the base of lamina's metrics, with Keras 3's state life cycle.

A metric owns non-trainable Variables (its state). `update_state` folds a batch
into the state, `result` reads the metric from the state, `reset_state` clears it;
`metric(y_true, y_pred)` does an update and returns the result.
"""

from __future__ import annotations

from typing import Any, Callable

from lamina import ops
from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.variable import Variable
from lamina.metrics.metrics_utils import to_snake_case
from lamina.ops.operation import auto_name


def _standardize_dtype(dtype) -> str:
    if dtype is None:
        return dtypes.floatx()
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", dtype).get("name")
        return dtypes.standardize_dtype(dtype or dtypes.floatx())
    compute = getattr(dtype, "compute_dtype", None)  # a DTypePolicy
    if compute is not None:
        return compute
    return dtypes.standardize_dtype(dtype)


def _initializer(initializer, name: str | None) -> Callable:
    if isinstance(initializer, str):
        key = initializer.lower()
        if key == "zeros":
            return lambda shape, dtype=None: ops.zeros(shape, dtype=dtype)
        if key == "ones":
            return lambda shape, dtype=None: ops.ones(shape, dtype=dtype)
        raise ValueError(f"Metric.add_variable: unknown initializer {initializer!r} for variable "
                         f"{name!r}; use 'zeros', 'ones' or a callable (shape, dtype)")
    if initializer is None:
        return lambda shape, dtype=None: ops.zeros(shape, dtype=dtype)
    if callable(initializer):
        return initializer
    raise ValueError(f"Metric.add_variable: the initializer must be 'zeros', 'ones' or a "
                     f"callable (shape, dtype), got {initializer!r}")


@keras_export("keras.metrics.Metric")
class Metric:
    """Encapsulates metric logic and state.

    Subclasses create their state in `__init__` with `add_variable` and implement
    `update_state(...)` and `result()`; the default `reset_state` sets every
    variable to zeros.

    Args:
        dtype: the dtype of the metric's computations (default float32).
        name: the metric's name (default: the snake-case class name, made unique).

    Example:
    >>> class Count(Metric):
    ...     def __init__(self, name="count", dtype=None):
    ...         super().__init__(name=name, dtype=dtype)
    ...         self.n = self.add_variable((), "zeros", name="n")
    ...     def update_state(self, values):
    ...         self.n.assign_add(float(len(values)))
    ...     def result(self):
    ...         return self.n.value
    >>> m = Count()
    >>> float(m([1, 2, 3]))
    3.0
    """

    def __init__(self, dtype=None, name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{type(self).__name__}: name must be a string, got {name!r}")
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._dtype = _standardize_dtype(dtype)

    def __setattr__(self, name: str, value: Any) -> None:
        metrics = self.__dict__.get("_metrics")
        if metrics is not None and isinstance(value, Metric) and value is not self \
                and all(m is not value for m in metrics):
            metrics.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                               "before creating variables")

    # ------------------------------------------------------------- state
    @property
    def dtype(self) -> str:
        """The dtype the metric computes in ("float32" by default)."""
        return self._dtype

    @property
    def variables(self) -> list:
        """The metric's state variables, then those of nested metrics."""
        self._check_super_called()
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum",
                     name: str | None = None) -> Variable:
        """Creates a non-trainable state variable (initializer: "zeros", "ones" or a
        callable `(shape, dtype)`)."""
        self._check_super_called()
        shape = tuple(int(d) for d in shape) if shape is not None else ()
        dtype = _standardize_dtype(dtype if dtype is not None else self.dtype)
        variable = Variable(_initializer(initializer, name), shape=shape, dtype=dtype,
                            trainable=False, aggregation=aggregation, name=name)
        variable._path = f"{self.name.replace('/', '>')}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None):
        """Alias of `add_variable` (Keras's backward-compatible name)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs) -> None:
        """Folds a batch into the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        """The metric's current value: a scalar tensor (or tensor, or dict of tensors)."""
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self) -> None:
        """Resets every state variable to zeros."""
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch, then returns `result()`."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ---------------------------------------------------- stateless forms
    def _check_state_list(self, metric_variables) -> list:
        variables = self.variables
        if len(metric_variables) != len(variables):
            raise ValueError(
                f"Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {len(variables)} variables.")
        return variables

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """`update_state` on given state values; returns the new values and leaves the
        metric's own variables unchanged."""
        variables = self._check_state_list(metric_variables)
        saved = [v._tensor for v in variables]
        try:
            for v, value in zip(variables, metric_variables):
                v.assign(value)
            self.update_state(*args, **kwargs)
            return [v._tensor for v in variables]
        finally:
            for v, t in zip(variables, saved):
                v._tensor = t

    def stateless_result(self, metric_variables):
        """`result()` computed from given state values."""
        variables = self._check_state_list(metric_variables)
        saved = [v._tensor for v in variables]
        try:
            for v, value in zip(variables, metric_variables):
                v.assign(value)
            return self.result()
        finally:
            for v, t in zip(variables, saved):
                v._tensor = t

    def stateless_reset_state(self) -> list:
        """The state values `reset_state` would give (the metric itself is unchanged)."""
        variables = self.variables
        saved = [v._tensor for v in variables]
        try:
            self.reset_state()
            return [v._tensor for v in variables]
        finally:
            for v, t in zip(variables, saved):
                v._tensor = t

    # ------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The constructor arguments, in Keras's format (`name`, `dtype`, ...)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
