"""`lamina.saving`: object registration, (de)serialization (Keras 3's API) and model
files: `save_model` / `load_model` (the `.keras` format), `save_weights` /
`load_weights` (`.weights.h5`)."""

from lamina.saving.object_registration import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from lamina.saving.serialization_lib import (  # noqa: F401
    deserialize_keras_object,
    serialize_keras_object,
)
from lamina.saving.saving_api import (  # noqa: F401
    load_model,
    load_weights,
    model_from_json,
    save_model,
    save_weights,
)
