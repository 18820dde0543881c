#!/usr/bin/env bash
# The Python extension built with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc), and the test modules that drive its C++ paths hardest: the binding's
# API and its hostile-input tests, signatures and training, checkpoints,
# control flow, and the whole-model zoo against TFLite's reference kernels.
#   ci/sanitizer_test.sh [pytest args...]
# Run after the plain test suite, so the converted test models are cached
# (build/test-models). Any sanitizer report aborts the test process.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
san="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow"
CXXFLAGS="$san -g -O1" LDFLAGS="-fsanitize=address,undefined" \
  TFLM_BUILD_TYPE=RelWithDebInfo "$top/tools/dev_build.sh" asan > /dev/null
# libstdc++ too: ASan intercepts __cxa_throw and must find the real one at start.
runtime="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
cd "$top"
# Reports go to files (pytest's capture would swallow them when a test
# process aborts); they are printed if the run fails.
logs="$top/build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
status=0
LD_PRELOAD="$runtime" ASAN_OPTIONS="detect_leaks=0:handle_segv=1:log_path=$logs/asan" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
  PYTHONPATH="$top/build/dev-asan/pkg" \
  python -m pytest -q -p no:cacheprovider "${@:-tests/test_interpreter_api.py}" || status=$?
for f in "$logs"/*; do
  [ -e "$f" ] || continue
  echo "== sanitizer report $f"
  head -80 "$f"
  status=1
done
exit $status
