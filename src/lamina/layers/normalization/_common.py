"""Helpers shared by the normalization layers: axis arguments and the weight
arguments (initializers, regularizers, constraints of beta and gamma)."""

from __future__ import annotations

from lamina import constraints, initializers, regularizers


def axis_arg(axis, layer: str):
    """Keras's `axis` argument: an int, or a list of ints (stored as a list)."""
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{layer}: expected an int or a list/tuple of ints for the "
                            f"argument 'axis', but received: {axis!r}")
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{layer}: expected an int or a list/tuple of ints for the argument "
                    f"'axis', but received: {axis!r}")


def resolve_axes(axis, input_shape, layer: str, name: str) -> tuple:
    """The sorted non-negative axes named by `axis` for inputs of `input_shape`."""
    ndim = len(input_shape)
    items = axis if isinstance(axis, list) else [axis]
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise ValueError(f"{layer} '{name}': axis {a} is out of range for an input of "
                             f"shape {tuple(input_shape)}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{layer} '{name}': repeated axis in {axis!r}")
    return tuple(sorted(out))


class BetaGammaArgs:
    """Stores and serializes the beta/gamma weight arguments of a layer."""

    def _set_beta_gamma_args(self, beta_initializer, gamma_initializer, beta_regularizer,
                             gamma_regularizer, beta_constraint, gamma_constraint) -> None:
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _beta_gamma_config(self) -> dict:
        return {
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }

    def _add_gamma(self, shape):
        return self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                               regularizer=self.gamma_regularizer,
                               constraint=self.gamma_constraint)

    def _add_beta(self, shape):
        return self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                               regularizer=self.beta_regularizer,
                               constraint=self.beta_constraint)
