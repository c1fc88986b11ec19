"""`lamina.utils.PyDataset`: Keras's base class for Python datasets that produce
whole batches, optionally in parallel worker threads or processes."""

from __future__ import annotations

from lamina.api_export import keras_export


@keras_export("keras.utils.PyDataset", "keras.utils.Sequence")
class PyDataset:
    """A dataset of batches: implement `__len__` (batches per epoch) and
    `__getitem__(index)` (a batch: `x`, `(x, y)` or `(x, y, sample_weight)`).

    Args:
        workers: how many workers prepare batches ahead (1: in the main thread).
        use_multiprocessing: workers are processes (the dataset must pickle)
            rather than threads.
        max_queue_size: how many batches may be prepared ahead.

    Example:
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 10
    ...     def __getitem__(self, i):
    ...         x = np.full((4, 1), float(i), "float32")
    ...         return x, x ** 2
    >>> model.fit(Squares(workers=2), epochs=1)
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"PyDataset: workers must be a positive int, got {workers!r}")
        if not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(f"PyDataset: max_queue_size must be a positive int, got "
                             f"{max_queue_size!r}")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    @property
    def num_batches(self) -> int | None:
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch (e.g. to reshuffle)."""
