#!/usr/bin/env bash
# Incremental in-tree build for development: compiles lamina._core with CMake/Ninja
# into build/dev and copies it next to the Python sources (src/lamina/), so that
# `PYTHONPATH=src python -m pytest` runs against it. Usage: tools/dev_build.sh [python]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-${PYTHON:-python3}}"
if [ ! -f build/dev/build.ninja ]; then
  cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE="$("$PY" -c 'import sys; print(sys.executable)')" >/dev/null
fi
cmake --build build/dev
cp -f build/dev/_core*.so src/lamina/
