"""`optimizer_update`: the primitive behind every built-in optimizer's step.

One node updates one variable: `(grad, param, *slots) -> (new param, *new slots)`
with a fused native kernel (`lamina._core.<rule>_update`). Its scalars (learning
rate, bias corrections, clipping and decay factors) change from step to step and
are computed on the host, so the primitive declares `host_scalars`: a compiled
step takes them from the optimizer's prologue before each run instead of from the
values seen while tracing.
"""

from __future__ import annotations

from lamina.backend.native import _core
from lamina.ops.primitive import Primitive

# The scalar arguments of each rule's kernel, in order (csrc/kernels/optimizer.cc).
RULE_SCALARS = {
    "sgd": ("lr", "momentum", "nesterov"),
    "adam": ("alpha", "beta_1", "beta_2", "epsilon"),
    "rmsprop": ("lr", "rho", "momentum", "epsilon", "centered"),
    "adagrad": ("lr", "epsilon"),
    "adadelta": ("lr", "rho", "epsilon"),
    "adamax": ("lr", "beta_1", "beta_2", "epsilon", "bias_correction"),
    "nadam": ("lr", "beta_1", "beta_2", "epsilon", "u_next", "d_m", "u_g", "d_g", "d_v"),
    "lion": ("lr", "beta_1", "beta_2"),
}
PROLOGUE_SCALARS = ("gscale", "clip", "decay")


class OptimizerUpdate(Primitive):
    """`(grad, param, *slots) -> (param', *slots')`; attrs: `rule` (a key of
    RULE_SCALARS) and `scalars` (PROLOGUE_SCALARS then the rule's, as floats)."""

    name = "optimizer_update"
    multiple_results = True
    differentiable = False
    host_scalars = True

    def impl(self, grad, *state, rule, scalars, out=None):
        kernel = getattr(_core, rule + "_update")
        names = PROLOGUE_SCALARS + RULE_SCALARS[rule]
        kwargs = dict(zip(names, scalars))
        for flag in ("nesterov", "centered"):
            if flag in kwargs:
                kwargs[flag] = bool(kwargs[flag])
        return kernel(grad, state, out, **kwargs)

    def compute_output_spec(self, grad, *state, rule, scalars):
        return tuple(state)


OPTIMIZER_UPDATE = OptimizerUpdate()


def scalars_of(rule: str, gscale: float, clip: float, decay: float, hyper: dict) -> tuple:
    """The `scalars` attribute for `rule` from a kernel's keyword arguments."""
    missing = [n for n in RULE_SCALARS[rule] if n not in hyper]
    if missing or len(hyper) != len(RULE_SCALARS[rule]):
        raise TypeError(f"optimizer_update '{rule}': expected scalars {RULE_SCALARS[rule]}, "
                        f"got {tuple(hyper)}")
    return (float(gscale), float(clip), float(decay)) + tuple(
        float(hyper[n]) for n in RULE_SCALARS[rule])
