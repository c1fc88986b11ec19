"""`lamina.models`: Model (with the functional API, `Model(inputs, outputs)`),
Functional and Sequential, and the model files: `load_model`, `save_model`,
`model_from_json`."""

from lamina.models.model import Model
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential
from lamina.saving.saving_api import load_model, model_from_json, save_model

__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_json", "save_model"]
