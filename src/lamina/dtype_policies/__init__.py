"""Dtype policies: the dtype a layer computes in and stores its weights in.

lamina supports uniform policies ("float32", "float64"); the config format is
Keras 3's (`{"module": "keras", "class_name": "DTypePolicy", ...}`).
"""

from __future__ import annotations

from lamina.api_export import keras_export
from lamina.backend import dtypes


@keras_export("keras.DTypePolicy", "keras.dtype_policies.DTypePolicy",
              "keras.mixed_precision.DTypePolicy")
class DTypePolicy:
    """A dtype policy: `compute_dtype` and `variable_dtype` (equal in lamina).

    Example:
    >>> DTypePolicy("float64").compute_dtype
    'float64'
    """

    def __init__(self, name: str | None = None):
        name = name or dtypes.floatx()
        if name.startswith("mixed_"):
            raise ValueError(f"DTypePolicy: mixed precision policies are not supported, got {name!r}")
        self._name = dtypes.standardize_dtype(name)

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._name

    @property
    def variable_dtype(self) -> str:
        return self._name

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def get(identifier) -> DTypePolicy:
    """A DTypePolicy from None, a dtype name, a policy, or a serialized policy."""
    if identifier is None:
        return DTypePolicy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        config = identifier.get("config", identifier)
        return DTypePolicy(config.get("name"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(dtypes.standardize_dtype(identifier))
    except TypeError:
        raise ValueError(f"Cannot interpret {identifier!r} as a dtype policy") from None


def serialize(policy: DTypePolicy) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}
