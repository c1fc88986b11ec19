"""lamina.graph: the graph compiler. A step function is traced into an IR of
primitives (`trace`), optimized (`passes`), planned into one memory arena
(`memory`) and lowered to the native executor (`lower`), with a Python
interpreter (`interpreter`) for graphs that do not lower. `CompiledFunction`
caches one `Program` per input signature; the Trainer and `Model.__call__` use it.
"""

from lamina.graph.function import CompiledFunction, Program

__all__ = ["CompiledFunction", "Program"]
