#!/usr/bin/env bash
# Builds the libFuzzer target (tests/fuzz/model_fuzzer.cc) with ASan + UBSan
# and runs it for a fixed time:
#
#   tests/fuzz/run_fuzzer.sh SECONDS [extra libFuzzer flags...]
#
# Seeds: every model the test suite converted (its cache, $TFLM_TEST_CACHE or
# build/test-models, files up to 256 KB), tests/data/*.tflite and the
# regression corpus tests/fuzz/regressions. New interesting inputs go to
# build/fuzz/corpus (kept between runs). A crash, a sanitizer report or an
# input that runs longer than 10 s stops the run with a non-zero exit and
# leaves the input in build/fuzz/artifacts: add it to tests/fuzz/regressions
# (the tests replay every file there) with the fix.
# Needs clang and libFuzzer (Debian: clang libfuzzer-14-dev).
set -euo pipefail
seconds=${1:?usage: run_fuzzer.sh SECONDS [libFuzzer flags]}
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build/fuzz"
cc=${CC:-$(command -v clang || command -v clang-14)}
cxx=${CXX:-$(command -v clang++ || command -v clang++-14)}
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=float-cast-overflow"
mkdir -p "$build"
cmake -S "$top" -B "$build/cmake" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DTFLM_PYTHON=OFF -DTFLM_BUILD_FUZZER=ON \
  -DCMAKE_CXX_FLAGS="$san -fsanitize=fuzzer-no-link -g -O1" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" > "$build/configure.log" 2>&1 || {
  cat "$build/configure.log"; exit 1; }
cmake --build "$build/cmake" -j "${JOBS:-2}" --target model_fuzzer
seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus" "$build/artifacts"
cache=${TFLM_TEST_CACHE:-$top/build/test-models}
if [ -d "$cache" ]; then
  find "$cache" -maxdepth 2 -type f -size -256k -exec cp {} "$seeds/" \;
fi
cp "$top"/tests/data/*.tflite "$seeds/" 2>/dev/null || true
cp "$top"/tests/fuzz/regressions/* "$seeds/" 2>/dev/null || true
echo "fuzzing for ${seconds}s from $(ls "$seeds" | wc -l) seeds"
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/cmake/model_fuzzer" "$build/corpus" "$seeds" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1 "$@"
