"""`lamina.saving`: object registration and (de)serialization (Keras 3's API).

Model files (`save` / `load_model`) arrive with the saving issue.
"""

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
