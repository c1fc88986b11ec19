"""`lamina.utils`: utilities of keras.utils (re-exports only)."""

from lamina.utils.rng_utils import set_random_seed  # noqa: F401
from lamina.utils.numerical_utils import normalize, to_categorical  # noqa: F401
from lamina.utils.sequence_utils import pad_sequences  # noqa: F401
from lamina.utils.dataset_utils import split_dataset  # noqa: F401
from lamina.utils.progbar import Progbar  # noqa: F401
from lamina.utils.py_dataset import PyDataset, PyDataset as Sequence  # noqa: F401
from lamina.utils.file_utils import get_file  # noqa: F401
from lamina.utils.timeseries_dataset_utils import (  # noqa: F401
    TimeseriesDataset,
    timeseries_dataset_from_array,
)

__all__ = [
    "set_random_seed", "to_categorical", "normalize", "pad_sequences", "split_dataset",
    "timeseries_dataset_from_array", "TimeseriesDataset", "Progbar", "PyDataset", "Sequence",
    "get_file",
]
