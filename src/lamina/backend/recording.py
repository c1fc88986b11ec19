"""The recorder hook shared by primitives and variables.

`RECORDERS` holds objects with `record(primitive, inputs, outputs, attrs)` and
`variable_accessed(variable)` methods, pushed by lamina.autodiff while a tape is
active. Empty in the common case, so the eager fast path costs one truth test.
It lives in the backend so that both `ops` (primitives) and `Variable` (state)
can reach it without knowing about autodiff.
"""

RECORDERS: list = []
