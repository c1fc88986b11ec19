"""Seeds for `lamina.random`: `SeedGenerator`, the global generator, `draw_seed`.

Every sampler is stateless: it turns a *seed pair* `(seed, stream)` of two unsigned
64-bit words into numbers with the native Philox generator. `draw_seed` makes that
pair from what the user passed:

- an int `s`: `(s, 0)`, the same numbers on every call (as Keras);
- a `SeedGenerator`: its current state, which it then advances;
- `None`: the global `SeedGenerator` (reset by `lamina.utils.set_random_seed`);
- an int Tensor of shape (2,), e.g. the result of `SeedGenerator.next()`.
"""

from __future__ import annotations

import random as python_random

import numpy as np

from lamina.api_export import keras_export
from lamina.backend import dtypes
from lamina.backend.tensor import Tensor
from lamina.backend.variable import Variable
from lamina.ops.core import convert_to_tensor
from lamina.ops.elementwise import add

__all__ = ["SeedGenerator", "draw_seed", "seed_tensor", "seed_pair", "global_seed_generator", "make_default_seed"]

_MASK64 = (1 << 64) - 1
_ADVANCE = Tensor(np.array([0, 1], dtype=np.int64))  # counter + 1, seed unchanged


def make_default_seed() -> int:
    """A seed from Python's `random` module, so `set_random_seed` fixes it too."""
    return python_random.randint(1, 10**9)


def _as_int64(v: int) -> int:
    """v reduced mod 2**64, as the int64 with the same bits."""
    v &= _MASK64
    return v - (1 << 64) if v >= 1 << 63 else v


def _state_tensor(seed: int, counter: int) -> Tensor:
    return convert_to_tensor(np.array([_as_int64(seed), _as_int64(counter)], dtype=np.int64))


@keras_export("keras.random.SeedGenerator")
class SeedGenerator:
    """A stateful source of seeds: each draw gives new random numbers, and the
    whole sequence is reproducible from the initial seed.

    Args:
        seed: the initial seed (an int), or None for one drawn from Python's
            `random` module (deterministic after `lamina.utils.set_random_seed`).
        name: an optional name.

    The state is the attribute `state`, a non-trainable int64 Variable of shape (2,)
    holding `[seed, counter]` (so a compiled step can carry it as state). `next()`
    returns the current state and advances the counter by one; samplers key Philox
    with that pair.

    Example:
    >>> gen = lamina.random.SeedGenerator(42)
    >>> a = lamina.random.normal((2,), seed=gen)
    >>> b = lamina.random.normal((2,), seed=gen)  # different from a
    >>> gen2 = lamina.random.SeedGenerator(42)
    >>> a2 = lamina.random.normal((2,), seed=gen2)  # equal to a
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"SeedGenerator: unexpected keyword arguments {sorted(kwargs)}")
        if seed is None:
            seed = make_default_seed()
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(
                f"SeedGenerator: seed must be an int or None, got {type(seed).__name__} {seed!r}"
            )
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(_state_tensor(int(seed), 0), trainable=False,
                              name="seed_generator_state")

    def _read_state(self) -> tuple[int, int]:
        seed, counter = (int(v) for v in self.state.numpy())
        return seed, counter

    def _write_state(self, seed: int, counter: int) -> None:
        self.state.assign(_state_tensor(seed, counter))

    def next(self, ordered: bool = True) -> Tensor:
        """Returns the current state (int64 Tensor `[seed, counter]`) and advances
        the counter. `ordered` is accepted for Keras compatibility; the counter
        always advances by one.

        The advance is an op on the state (not a host read and write), so a
        compiled step carries it: every step draws new numbers."""
        current = self.state.value
        self.state.assign(add(current, _ADVANCE))
        return current

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self) -> str:
        seed, counter = self._read_state()
        return f"SeedGenerator(seed={self._initial_seed}, state=[{seed}, {counter}])"


_GLOBAL: SeedGenerator | None = None


def global_seed_generator() -> SeedGenerator:
    """The generator behind `seed=None`; created on first use."""
    global _GLOBAL
    if _GLOBAL is None:
        _GLOBAL = SeedGenerator(make_default_seed(), name="global_seed_generator")
    return _GLOBAL


def set_global_seed_generator(gen: SeedGenerator | None) -> None:
    """Replaces the global generator (None: a fresh one is made on next use)."""
    global _GLOBAL
    _GLOBAL = gen


def seed_tensor(seed, op: str = "random") -> Tensor:
    """The seed pair for one sampler call as an int Tensor of shape (2,): samplers
    take it as an input, so a traced step reads a generator's state at run time
    instead of baking one draw into the program."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator().next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return Tensor(np.array([_as_int64(int(seed)), 0], dtype=np.int64))
    if isinstance(seed, Tensor):
        if not dtypes.is_int(seed.dtype) or tuple(seed.shape) != (2,):
            raise ValueError(
                f"{op}: a seed tensor must be an integer tensor of shape (2,), got "
                f"dtype {seed.dtype} and shape {seed.shape}"
            )
        return seed
    raise ValueError(
        f"{op}: seed must be None, an int or a SeedGenerator, got {type(seed).__name__} {seed!r}"
    )


def seed_pair(state) -> tuple[int, int]:
    """The (seed, stream) unsigned 64-bit words of a seed array (inside kernels)."""
    return int(state[0]) & _MASK64, int(state[1]) & _MASK64


def draw_seed(seed, op: str = "random") -> tuple[int, int]:
    """The (seed, stream) pair of unsigned 64-bit words for one sampler call, read
    on the host (for samplers that are not yet primitives)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed) & _MASK64, 0
    return seed_pair(seed_tensor(seed, op).numpy())
