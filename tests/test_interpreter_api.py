"""Upstream tflite_micro behaviours of runtime.Interpreter, and the additions
(allocation report as data, arena sizing, per-op timing), on real converted
models."""
import io
import os
import subprocess
import sys
import contextlib

import numpy as np
import pytest

import model_zoo
import tflm_testing as tt
from tflite_micro import runtime


@pytest.fixture(scope="module")
def mlp_float():
    return model_zoo.cached_build("mlp", "float", str(tt.CACHE_DIR))


@pytest.fixture(scope="module")
def cnn_int8():
    return model_zoo.cached_build("small_cnn", "int8", str(tt.CACHE_DIR))


def _run(it, x):
    it.set_input(x, 0)
    it.invoke()
    return it.get_output(0)


def test_from_file_and_from_bytes_agree(tmp_path, mlp_float):
    path = tmp_path / "mlp.tflite"
    path.write_bytes(mlp_float)
    x = tt.model_inputs(mlp_float, seed=1)[0]
    a = _run(runtime.Interpreter.from_file(str(path)), x)
    b = _run(runtime.Interpreter.from_bytes(mlp_float), x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, tt.run_reference(mlp_float, [x])[0], rtol=1e-5, atol=1e-6)


def test_int8_model_matches_reference_bit_exact(cnn_int8):
    tt.assert_same_as_reference(cnn_int8, seed=3)


def test_interpreters_side_by_side(mlp_float, cnn_int8):
    a = runtime.Interpreter.from_bytes(mlp_float)
    b = runtime.Interpreter.from_bytes(cnn_int8)
    c = runtime.Interpreter.from_bytes(mlp_float)
    xa = tt.model_inputs(mlp_float, seed=4)[0]
    xb = tt.model_inputs(cnn_int8, seed=5)[0]
    xc = tt.model_inputs(mlp_float, seed=6)[0]
    ya, yb, yc = _run(a, xa), _run(b, xb), _run(c, xc)
    np.testing.assert_array_equal(yb, tt.run_reference(cnn_int8, [xb])[0])
    np.testing.assert_array_equal(ya, _run(runtime.Interpreter.from_bytes(mlp_float), xa))
    np.testing.assert_array_equal(yc, _run(runtime.Interpreter.from_bytes(mlp_float), xc))


def test_outputs_are_copies_that_outlive_the_interpreter(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    x1, x2 = tt.model_inputs(mlp_float, seed=7)[0], tt.model_inputs(mlp_float, seed=8)[0]
    y1 = _run(it, x1)
    kept = y1.copy()
    _run(it, x2)  # the next invoke must not change y1
    np.testing.assert_array_equal(y1, kept)
    del it
    import gc
    gc.collect()
    np.testing.assert_array_equal(y1, kept)
    assert y1.flags.owndata or y1.base is not None


def _rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_repeated_invokes_and_interpreters_leak_no_memory(mlp_float):
    x = tt.model_inputs(mlp_float, seed=9)[0]
    it = runtime.Interpreter.from_bytes(mlp_float)
    for _ in range(200):
        _run(it, x)
    before = _rss_kib()
    for _ in range(3000):
        _run(it, x)
    for _ in range(200):
        _run(runtime.Interpreter.from_bytes(mlp_float), x)
    grown = _rss_kib() - before
    assert grown < 4096, "RSS grew by %d KiB over 3000 invokes and 200 interpreters" % grown


def test_bad_index_dtype_and_shape_are_clear_errors(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    d = it.get_input_details(0)
    good = np.zeros(d["shape"], dtype=d["dtype"])
    with pytest.raises(ValueError, match="input index 1 is out of range"):
        it.set_input(good, 1)
    with pytest.raises(ValueError, match="output index 5 is out of range"):
        it.get_output(5)
    with pytest.raises(ValueError, match="expects dtype float32, got int32"):
        it.set_input(good.astype(np.int32), 0)
    with pytest.raises(ValueError, match=r"expects shape \(1, 64\), got \(1, 63\)"):
        it.set_input(np.zeros((1, 63), np.float32), 0)
    # Array-likes are converted as upstream converts them: Python floats are
    # float64, so this list is the wrong dtype.
    with pytest.raises(ValueError, match="Got value of type float64 but expected type float32"):
        it.set_input([[0.0] * 64], 0)


def test_too_small_arena_says_how_many_bytes_it_needs(cnn_int8):
    need = runtime.find_arena_size(cnn_int8)
    it = runtime.Interpreter.from_bytes(cnn_int8, arena_size=need)
    assert it.arena_used_bytes() == need
    x = tt.model_inputs(cnn_int8, seed=10)[0]
    np.testing.assert_array_equal(_run(it, x), tt.run_reference(cnn_int8, [x])[0])
    with pytest.raises(RuntimeError, match="needs %d bytes" % need):
        runtime.Interpreter.from_bytes(cnn_int8, arena_size=need - 16)
    with pytest.raises(RuntimeError, match="needs %d bytes" % need):
        runtime.Interpreter.from_bytes(cnn_int8, arena_size=1000)
    with pytest.raises(ValueError, match="positive"):
        runtime.Interpreter.from_bytes(cnn_int8, arena_size=0)


def test_allocation_report_and_print_allocations(cnn_int8):
    it = runtime.Interpreter.from_bytes(cnn_int8)
    r = it.get_allocations()
    assert r["total_bytes"] == it.arena_used_bytes()
    assert r["head_bytes"] == r["subgraphs"][0]["planned_bytes"] > 0
    assert r["persistent"]["tensor table"]["count"] >= 1
    assert r["total_bytes"] >= r["head_bytes"] + r["tail_bytes"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        it.print_allocations()
    assert "Arena allocation total %d bytes" % r["total_bytes"] in buf.getvalue()


def test_details_match_tflite(cnn_int8):
    ours = runtime.Interpreter.from_bytes(cnn_int8)
    ref = tt.reference_interpreter(cnn_int8)
    for mine, theirs in ((ours.get_input_details(0), ref.get_input_details()[0]),
                         (ours.get_output_details(0), ref.get_output_details()[0])):
        assert mine["name"] == theirs["name"]
        np.testing.assert_array_equal(mine["shape"], theirs["shape"])
        assert mine["dtype"] == theirs["dtype"]
        assert mine["quantization"][1] == theirs["quantization"][1]
        assert mine["quantization"][0] == pytest.approx(theirs["quantization"][0])
        np.testing.assert_allclose(mine["quantization_parameters"]["scales"],
                                   theirs["quantization_parameters"]["scales"])


def test_preserve_all_tensors_reads_intermediates(cnn_int8):
    T = tt.tf()
    x = tt.model_inputs(cnn_int8, seed=11)[0]
    ours = runtime.Interpreter.from_bytes(
        cnn_int8, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    _run(ours, x)
    ref = T.lite.Interpreter(
        model_content=cnn_int8, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=T.lite.experimental.OpResolverType.BUILTIN_REF)
    ref.allocate_tensors()
    ref.set_tensor(ref.get_input_details()[0]["index"], x)
    ref.invoke()
    checked = 0
    for op in ours.get_operators(0):
        for t in op["outputs"]:
            np.testing.assert_array_equal(ours.GetTensor(t, 0), ref.get_tensor(t),
                                          err_msg="tensor %d (%s output)" % (t, op["name"]))
            checked += 1
    assert checked == len(ours.get_operators(0)) >= 4
    # The correct spelling is accepted too.
    runtime.Interpreter.from_bytes(
        cnn_int8, interpreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    with pytest.raises(ValueError, match="out of range"):
        ours.GetTensor(10_000, 0)
    with pytest.raises(ValueError, match="subgraph index 3"):
        ours.GetTensor(0, 3)


def test_per_op_timing(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    it.enable_profiling()
    _run(it, tt.model_inputs(mlp_float)[0])
    timings = it.get_op_timings()
    assert [t["name"] for t in timings] == [op["name"] for op in it.get_operators(0)]
    assert all(t["nanoseconds"] >= 0 for t in timings)


def test_reset_is_available_and_harmless(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    x = tt.model_inputs(mlp_float)[0]
    y = _run(it, x)
    it.reset()
    np.testing.assert_array_equal(_run(it, x), y)


_FUZZ = r"""
import sys, numpy as np
from tflite_micro import runtime
data = open(sys.argv[1], "rb").read()
rng = np.random.default_rng(int(sys.argv[2]))
ok = rejected = 0
def attempt(blob):
    global ok, rejected
    try:
        it = runtime.Interpreter.from_bytes(blob, arena_size=1 << 20)
        for i in range(it.num_inputs()):
            d = it.get_input_details(i)
            it.set_input(np.zeros(d["shape"], d["dtype"]), i)
        it.invoke()
        ok += 1
    except (ValueError, RuntimeError) as e:
        assert str(e), "empty error message"
        rejected += 1
cuts = sorted(set(rng.integers(0, len(data), 150).tolist()))
for n in cuts:
    attempt(data[:n])
for _ in range(400):
    b = bytearray(data)
    for p in rng.integers(0, len(b), int(rng.integers(1, 9))):
        b[p] ^= 1 << int(rng.integers(0, 8))
    attempt(bytes(b))
print(ok, rejected)
"""


@pytest.mark.parametrize("seed", [0, 1])
def test_truncated_and_corrupted_models_are_clear_errors(tmp_path, cnn_int8, seed):
    path = tmp_path / "model.tflite"
    path.write_bytes(cnn_int8)
    r = subprocess.run([sys.executable, "-c", _FUZZ, str(path), str(seed)],
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert r.returncode == 0, "crash or unexpected exception:\n" + r.stderr[-3000:]
    ok, rejected = map(int, r.stdout.split())
    assert rejected >= 150  # every truncation, and many flips, are rejected


def test_not_a_model_is_a_value_error():
    with pytest.raises(ValueError, match="TFLite"):
        runtime.Interpreter.from_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="too short"):
        runtime.Interpreter.from_bytes(b"TFL3")
