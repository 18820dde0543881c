#!/usr/bin/env bash
# Developer loop without pip: builds the extension into build/dev-NAME and
# assembles an importable package there (symlinks to python/tflite_micro).
#   tools/dev_build.sh NAME   then   PYTHONPATH=build/dev-NAME/pkg pytest tests/...
# Several developers can build side by side with different NAMEs; ccache
# shares the object files.
set -euo pipefail
name=${1:-default}
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build/dev-$name"
mkdir -p "$top/build"
cmake -S "$top" -B "$build" -G Ninja -DTFLM_PYTHON=ON -DCMAKE_BUILD_TYPE="${TFLM_BUILD_TYPE:-Release}" \
  -DPython_EXECUTABLE="$(command -v python3)" > "$build.configure.log" 2>&1 || {
  cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "${JOBS:-2}"
pkg="$build/pkg/tflite_micro"
mkdir -p "$pkg"
for f in "$top"/python/tflite_micro/*; do
  case "$f" in *.cc) continue ;; esac
  ln -sfn "$f" "$pkg/$(basename "$f")"
done
ln -sfn "$build"/_runtime*.so "$pkg/"
echo "PYTHONPATH=$build/pkg"
