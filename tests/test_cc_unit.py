"""Builds the C++ unit tests (tests/cc) with AddressSanitizer and
UndefinedBehaviorSanitizer, and runs each: the allocator, the planner, the
flatbuffer verifier (truncations and random corruptions) and the formatter.
The same build replays the fuzzer's regression corpus (tests/fuzz/regressions:
every input that ever crashed the runtime or tripped a sanitizer) through the
fuzz target (tests/fuzz/model_fuzzer.cc)."""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "cc-tests-asan"


@pytest.fixture(scope="module")
def cc_tests():
    assert shutil.which("cmake"), "cmake is required to build the C++ tests"
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    flags = ("-fsanitize=address,undefined,float-cast-overflow "
             "-fno-sanitize-recover=all -g")
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(BUILD), *gen,
                    "-DTFLM_BUILD_TESTS=ON", "-DTFLM_PYTHON=OFF",
                    "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    "-DCMAKE_CXX_FLAGS=" + flags,
                    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined,float-cast-overflow"],
                   check=True, capture_output=True)
    r = subprocess.run(["cmake", "--build", str(BUILD), "-j", str(os.cpu_count() or 2)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    tests = sorted(p for p in BUILD.glob("*_test") if p.is_file())
    assert tests, "no C++ tests were built"
    return {p.name: p for p in tests}


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "tests" / "cc").glob("*_test.cc")))
def test_cc_unit(cc_tests, name):
    r = subprocess.run([str(cc_tests[name])], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert " 0 failed" in r.stdout.splitlines()[-1]


def test_fuzz_regressions(cc_tests):
    corpus = ROOT / "tests" / "fuzz" / "regressions"
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    assert files, "the regression corpus is empty"
    r = subprocess.run([str(BUILD / "model_fuzz_replay"), str(corpus)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-6000:]
    assert f"replayed {len(files)} files, 0 unreadable" in r.stdout
