"""The recorder hook shared by primitives and variables.

`RECORDERS` holds objects with `record(primitive, inputs, outputs, attrs)` and
`variable_accessed(variable)` methods, pushed by lamina.autodiff while a tape is
active. Empty in the common case, so the eager fast path costs one truth test.
It lives in the backend so that both `ops` (primitives) and `Variable` (state)
can reach it without knowing about autodiff.
"""

RECORDERS: list = []

# Objects with `host_read(tensor)`, told whenever a Tensor's values are read into
# Python (float(), bool(), .numpy(), np.asarray, ...). A graph tracer pushes one:
# a step whose Python code depends on the values of its own tensors cannot be
# replayed as a fixed program.
HOST_READ_WATCHERS: list = []


def host_read(tensor) -> None:
    for watcher in HOST_READ_WATCHERS:
        watcher.host_read(tensor)
