"""No model, input or call pattern may crash the process: the Python binding
and checkpoint files under hostile models, threads, concurrent writers,
pickled arrays, calls out of order, text that is not UTF-8 and bad
arguments. Checks that could kill the process when they regress run in a
subprocess."""
import ctypes.util
import gc
import os
import pickle
import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import model_zoo
import tflm_testing as tt
import training_models as tm
from tflite_micro import _runtime, checkpoint, runtime
from tflite_micro._flatbuffer_writer import Builder

INT32, FLOAT32 = 2, 0  # TFLite TensorType codes
ADD = 0


def _run_python(tmp_path, code, *args, timeout=600):
    """Runs `code` in a fresh interpreter (with this test's PYTHONPATH);
    returns the CompletedProcess. A crash is a negative return code."""
    script = tmp_path / ("script_%d.py" % len(os.listdir(tmp_path)))
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout)


def _assert_clean_exit(proc):
    assert proc.returncode == 0, "exit code %d\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])


@pytest.fixture(scope="module")
def mlp_float():
    return model_zoo.cached_build("mlp", "float", str(tt.CACHE_DIR))


def _expected(model, x):
    it = runtime.Interpreter.from_bytes(model)
    it.set_input(x, 0)
    it.invoke()
    return it.get_output(0)


# ------------------------------------------- 1. storage smaller or larger than the shape

# A variable tensor keeps the storage of its declared shape when an operator
# gives it a smaller one, so its bytes and its shape disagree: the binding
# must copy what the shape needs (not the storage's size) in and out.
STORAGE_CASES = textwrap.dedent("""
    import sys
    import numpy as np
    from tflite_micro import runtime
    from tflite_micro._flatbuffer_writer import Builder
    N = 10_000_000  # storage of 40 MB behind a one-element shape
    I32 = 2
    case = sys.argv[1]
    if case == "variable_output":
        m = Builder().model(
            tensors=[dict(shape=[1], type=I32, name="x"),
                     dict(shape=[N], type=I32, name="y", is_variable=True)],
            inputs=[0], outputs=[1], operators=[dict(opcode=0, inputs=[0, 0], outputs=[1])])
        it = runtime.Interpreter.from_bytes(m)
        it.set_input(np.array([3], np.int32), 0)
        it.invoke()
        print(it.get_output(0).tolist(), it.GetTensor(1).tolist())
    elif case == "two_writers":
        # Two operators write the output: the second gives it one element.
        m = Builder().model(
            tensors=[dict(shape=[1000], type=I32, name="a"), dict(shape=[1], type=I32, name="x"),
                     dict(shape=[N], type=I32, name="y", is_variable=True)],
            inputs=[0, 1], outputs=[2],
            operators=[dict(opcode=0, inputs=[0, 0], outputs=[2]),
                       dict(opcode=0, inputs=[1, 1], outputs=[2])])
        it = runtime.Interpreter.from_bytes(m, reorder_ops=False)
        it.set_input(np.ones(1000, np.int32), 0)
        it.set_input(np.array([3], np.int32), 1)
        it.invoke()
        print(it.get_output(0).tolist(), it.GetTensor(2).tolist())
    elif case == "variable_input":
        # An input that an operator also writes, at a smaller shape.
        m = Builder().model(
            tensors=[dict(shape=[1], type=I32, name="z"),
                     dict(shape=[N], type=I32, name="x", is_variable=True),
                     dict(shape=[1], type=I32, name="y")],
            inputs=[0, 1], outputs=[2],
            operators=[dict(opcode=0, inputs=[0, 0], outputs=[1]),
                       dict(opcode=0, inputs=[1, 1], outputs=[2])])
        it = runtime.Interpreter.from_bytes(m, reorder_ops=False)
        it.set_input(np.array([2], np.int32), 0)
        it.set_input(np.array([5], np.int32), 1)
        it.invoke()
        print(it.get_output(0).tolist(), it.get_input_details(1)["shape"].tolist())
""")


@pytest.mark.parametrize("case,printed", [
    ("variable_output", "[6] [6]"),
    ("two_writers", "[6] [6]"),
    ("variable_input", "[8] [1]"),
])
def test_copies_follow_the_shape_when_storage_is_larger(tmp_path, case, printed):
    proc = _run_python(tmp_path, STORAGE_CASES, case)
    _assert_clean_exit(proc)
    assert proc.stdout.strip() == printed


# ------------------------------------------------------------------- 2. threads

def _threads_model():
    """Two signatures: "classify" with a static shape (subgraph 0, so the
    upstream-style calls use it) and "combine" with a dynamic batch."""
    import tempfile
    tf = tt.tf()

    class M(tf.Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(7)
            self.w = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([3, 4], tf.float32)])
        def classify(self, x):
            return {"logits": tf.matmul(tf.nn.relu(x), self.w)}

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32),
                                      tf.TensorSpec([None, 4], tf.float32)])
        def combine(self, a, b):
            return {"sum": a + b, "prod": a * b}

    m = M()
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(m, d, signatures={"classify": m.classify.get_concrete_function(),
                                              "combine": m.combine.get_concrete_function()})
        conv = tf.lite.TFLiteConverter.from_saved_model(d, signature_keys=["classify", "combine"])
        return conv.convert()


@pytest.fixture(scope="module")
def threads_model():
    model = tt.cached(_threads_model)
    sigs = {s["key"]: s["subgraph"] for s in runtime.Interpreter.from_bytes(model)._impl.signatures()}
    assert sigs == {"classify": 0, "combine": 1}
    return model


THREADS_WORKER = textwrap.dedent("""
    import sys, threading
    import numpy as np
    from tflite_micro import runtime
    model = open(sys.argv[1], "rb").read()
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(3, 4)).astype(np.float32) for _ in range(8)]
    batches = [1, 2, 3, 5, 8, 13, 4, 7]
    pairs = [(rng.normal(size=(b, 4)).astype(np.float32),
              rng.normal(size=(b, 4)).astype(np.float32)) for b in batches]
    # Expected values, one thread, one fresh interpreter.
    ref = runtime.Interpreter.from_bytes(model)
    want_infer = [ref.get_signature_runner("classify")(x=x)["logits"] for x in xs]
    want_combine = [ref.get_signature_runner("combine")(a=a, b=b) for a, b in pairs]

    N = 1000  # calls per thread
    shared = runtime.Interpreter.from_bytes(model)
    # What another thread's calls in between may cause: never a wrong value.
    RACES = ("used up by the previous invoke", "no longer holds the result",
             "was set before the arena was re-planned")
    counts = {"ok": 0, "race": 0, "signature": 0}
    errors = []
    lock = threading.Lock()

    def upstream_style(k):
        for i in range(N):
            j = (k + i) % len(xs)
            try:
                shared.set_input(xs[j], 0)
                shared.invoke()
                y = shared.get_output(0)
            except RuntimeError as e:
                if not any(r in str(e) for r in RACES):
                    raise
                with lock:
                    counts["race"] += 1
                continue
            # Another thread may have set its input in between: the output
            # is the result of one of the inputs, whole.
            assert any(np.array_equal(y, w) for w in want_infer), y
            with lock:
                counts["ok"] += 1

    def signatures(k):
        infer = shared.get_signature_runner("classify")
        combine = shared.get_signature_runner("combine")
        for i in range(N):
            j = (k + i) % len(xs)
            np.testing.assert_array_equal(infer(x=xs[j])["logits"], want_infer[j])
            a, b = pairs[j]
            got = combine(a=a, b=b)
            for name in ("sum", "prod"):
                np.testing.assert_array_equal(got[name], want_combine[j][name])
            with lock:
                counts["signature"] += 1

    def guarded(fn, k):
        try:
            fn(k)
        except BaseException as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=guarded, args=(upstream_style if k % 2 else signatures, k))
               for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert counts["signature"] == 4 * N and counts["ok"] > 0, counts
    # The interpreter is still whole.
    shared.set_input(xs[0], 0)
    shared.invoke()
    np.testing.assert_array_equal(shared.get_output(0), want_infer[0])
    print("ok", counts)
""")


def test_one_interpreter_hammered_by_eight_threads(tmp_path, threads_model):
    path = tmp_path / "threads.tflite"
    path.write_bytes(threads_model)
    proc = _run_python(tmp_path, THREADS_WORKER, path)
    _assert_clean_exit(proc)
    assert proc.stdout.startswith("ok")


def test_separate_interpreters_run_in_parallel_threads(mlp_float):
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=(1, 64)).astype(np.float32) for _ in range(2)]
    want = [_expected(mlp_float, x) for x in xs]
    results, errors = [None, None], []

    def work(k):
        try:
            it = runtime.Interpreter.from_bytes(mlp_float)
            for _ in range(300):
                it.set_input(xs[k], 0)
                it.invoke()
                y = it.get_output(0)
                assert np.array_equal(y, want[k])
            results[k] = y
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(2):
        np.testing.assert_array_equal(results[k], want[k])


# ------------------------------------------- 3. concurrent saves to one checkpoint path

CHECKPOINT_WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from tflite_micro import checkpoint, runtime
    model_path, template, path, mode, value, n = sys.argv[1:]
    value, n = float(value), int(n)
    weights = {k: np.full(v.shape, value, v.dtype) for k, v in checkpoint.read(template).items()}
    if mode == "runtime":
        it = runtime.Interpreter.from_bytes(open(model_path, "rb").read())
        own = "%s.own%s" % (template, value)
        checkpoint.write(own, weights)
        it.get_signature_runner("restore")(checkpoint_path=np.array(own))
        save = it.get_signature_runner("save")
        for _ in range(n):
            save(checkpoint_path=np.array(path))
    else:
        for _ in range(n):
            checkpoint.write(path, weights)
    print("done")
""")


def test_concurrent_saves_to_one_path_never_tear(tmp_path):
    """Two processes saving through the runtime and two through
    tflite_micro.checkpoint, all to one path: every read in between is a
    whole checkpoint of one writer, and no temporary file is left behind."""
    model = tt.cached(tm.guide_model, 0)
    model_path = tmp_path / "guide.tflite"
    model_path.write_bytes(model)
    it = runtime.Interpreter.from_bytes(model)
    template = str(tmp_path / "template.ckpt")
    it.get_signature_runner("save")(checkpoint_path=np.array(template))
    shapes = {k: v.shape for k, v in checkpoint.read(template).items()}
    shared = tmp_path / "shared"
    shared.mkdir()
    path = str(shared / "w.ckpt")
    checkpoint.write(path, {k: np.zeros(s, np.float32) for k, s in shapes.items()})
    script = tmp_path / "writer.py"
    script.write_text(CHECKPOINT_WRITER)
    writers = [("runtime", 1.0), ("runtime", 2.0), ("python", 3.0), ("python", 4.0)]
    procs = [subprocess.Popen([sys.executable, str(script), str(model_path), template, path,
                               mode, str(value), "25"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for mode, value in writers]
    seen = set()

    def check():
        weights = checkpoint.read(path)  # raises CheckpointError if torn
        assert {k: v.shape for k, v in weights.items()} == shapes
        values = {float(v.flat[0]) for v in weights.values()}
        assert len(values) == 1, "a mix of writers: %s" % values
        (value,) = values
        assert value in (0.0, 1.0, 2.0, 3.0, 4.0)
        assert all((v == value).all() for v in weights.values())
        seen.add(value)

    reads = 0
    while any(p.poll() is None for p in procs):
        check()
        reads += 1
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err[-3000:]
    check()
    assert reads > 0 and len(seen - {0.0}) >= 1
    assert os.listdir(shared) == ["w.ckpt"], os.listdir(shared)


def test_python_writer_leaves_no_temporary_file_after_a_failure(tmp_path):
    with pytest.raises(ValueError, match="dtype object"):
        checkpoint.write(str(tmp_path / "w.ckpt"), {"a": np.array([None])})
    checkpoint.write(str(tmp_path / "w.ckpt"), {"a": np.arange(3, dtype=np.int32)})
    assert os.listdir(tmp_path) == ["w.ckpt"]
    np.testing.assert_array_equal(checkpoint.read(str(tmp_path / "w.ckpt"))["a"], [0, 1, 2])


# -------------------------------------------------------------- 4. pickled dtypes

def test_arrays_that_went_through_pickle_are_accepted(mlp_float, threads_model):
    x = np.random.default_rng(5).normal(size=(1, 64)).astype(np.float32)
    y = pickle.loads(pickle.dumps(x))
    assert y.dtype == np.float32 and y.dtype is not np.dtype(np.float32)
    it = runtime.Interpreter.from_bytes(mlp_float)
    it.set_input(y, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), _expected(mlp_float, x))
    a = pickle.loads(pickle.dumps(np.ones((2, 4), np.float32)))
    got = runtime.Interpreter.from_bytes(threads_model).get_signature_runner("combine")(a=a, b=a)
    np.testing.assert_array_equal(got["sum"], np.full((2, 4), 2, np.float32))
    # A dtype that is not equal is still refused, by name.
    with pytest.raises(ValueError, match="expects dtype float32, got >f4"):
        it.set_input(x.astype(">f4"), 0)


# ------------------------------------------------------------- 5. calls out of order

def test_get_output_before_any_invoke_is_zeros_not_arena_bytes(mlp_float):
    """As upstream's own test (testOutput: "Initial output values are all
    0"), even when the arena held another interpreter's values."""
    need = runtime.find_arena_size(mlp_float)
    x = np.random.default_rng(6).normal(size=(1, 64)).astype(np.float32)
    for _ in range(5):
        first = runtime.Interpreter.from_bytes(mlp_float, arena_size=need)
        first.set_input(x, 0)
        first.invoke()
        assert np.abs(first.get_output(0)).max() > 0
        del first
        gc.collect()
        it = runtime.Interpreter.from_bytes(mlp_float, arena_size=need)
        d = it.get_output_details(0)
        it.set_input(x, 0)  # setting an input does not make the output readable
        y = it.get_output(0)
        assert y.dtype == d["dtype"] and y.shape == tuple(d["shape"])
        np.testing.assert_array_equal(y, np.zeros_like(y))


def test_invoke_before_set_input_is_an_error(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    name = it.get_input_details(0)["name"]
    with pytest.raises(RuntimeError, match=r"input 0 \('%s'\) has not been set: call "
                                           r"set_input\(array, 0\) before invoke\(\)" % name):
        it.invoke()


def test_every_invoke_needs_its_inputs_set_again(mlp_float):
    """The planner reuses an input's memory once it has been read, so a
    second invoke would read garbage: it is an error that says what to do."""
    x = np.random.default_rng(8).normal(size=(1, 64)).astype(np.float32)
    it = runtime.Interpreter.from_bytes(mlp_float)
    it.set_input(x, 0)
    it.invoke()
    y = it.get_output(0)
    with pytest.raises(RuntimeError, match=r"input 0 .* used up by the previous invoke.*"
                                           r"set_input\(array, 0\) again before every invoke"):
        it.invoke()
    np.testing.assert_array_equal(it.get_output(0), y)  # the last result is still there
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), y)
    it.reset()  # resets variables, not the inputs
    with pytest.raises(RuntimeError, match="used up"):
        it.invoke()


def test_a_model_without_inputs_invokes():
    c = np.array([1.5, -2.0], np.float32)
    model = Builder().model(
        tensors=[dict(shape=[2], type=FLOAT32, name="c", data=c.tobytes()),
                 dict(shape=[2], type=FLOAT32, name="y")],
        inputs=[], outputs=[1], operators=[dict(opcode=ADD, inputs=[0, 0], outputs=[1])])
    it = runtime.Interpreter.from_bytes(model)
    assert it.num_inputs() == 0
    for _ in range(2):
        it.invoke()
        np.testing.assert_array_equal(it.get_output(0), 2 * c)


def test_outputs_after_a_failed_invoke_or_another_signature_are_errors(threads_model):
    it = runtime.Interpreter.from_bytes(threads_model)
    x = np.ones((3, 4), np.float32)
    it.set_input(x, 0)
    it.invoke()
    y = it.get_output(0)
    it.get_signature_runner("combine")(a=x, b=x)  # reuses subgraph 0's memory
    with pytest.raises(RuntimeError, match=r"output 0 .* no longer holds the result of "
                                           r"invoke\(\).*call invoke\(\) again"):
        it.get_output(0)
    with pytest.raises(RuntimeError, match="input 0 .*(used up|re-planned)"):
        it.invoke()
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), y)
    # This model's input and output share arena memory (the input is dead
    # once the first operator has read it): setting the next input
    # overwrites the last result.
    it.set_input(2 * x, 0)
    with pytest.raises(RuntimeError, match=r"output 0 .* no longer holds the result of invoke\(\): "
                                           r"its memory was reused since, by setting input 0 "):
        it.get_output(0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), _expected(threads_model, 2 * x))


def _div_model():
    return Builder().model(
        tensors=[dict(shape=[2], type=INT32, name="a"), dict(shape=[2], type=INT32, name="b"),
                 dict(shape=[2], type=INT32, name="q")],
        inputs=[0, 1], outputs=[2], operators=[dict(opcode=42, inputs=[0, 1], outputs=[2])])


def test_output_of_a_failed_invoke_is_an_error():
    it = runtime.Interpreter.from_bytes(_div_model())
    a = np.array([7, 9], np.int32)
    it.set_input(a, 0)
    it.set_input(np.array([0, 1], np.int32), 1)
    with pytest.raises(RuntimeError) as failure:
        it.invoke()
    with pytest.raises(RuntimeError, match=r"output 0 \('q'\) has no value: the last invoke\(\) "
                                           r"failed \(" + re.escape(str(failure.value))):
        it.get_output(0)
    it.set_input(a, 0)
    it.set_input(np.array([2, 3], np.int32), 1)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), [3, 3])


# ------------------------------------------------------- 6. text that is not UTF-8

def _renamed(model: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and model.count(old) >= 1
    return model.replace(old, new)


def test_names_that_are_not_utf8_are_escaped_not_fatal():
    model = Builder().model(
        tensors=[dict(shape=[2], type=FLOAT32, name="inAAp"),
                 dict(shape=[2], type=FLOAT32, name="outBBp")],
        inputs=[0], outputs=[1], operators=[dict(opcode=ADD, inputs=[0, 0], outputs=[1])])
    model = _renamed(model, b"inAAp", b"in\xff\xfep")
    model = _renamed(model, b"outBBp", b"out\xc3(p")
    model = _renamed(model, b"\x04\x00\x00\x00main\x00", b"\x04\x00\x00\x00m\xe9in\x00")
    it = runtime.Interpreter.from_bytes(model)
    assert it.get_input_details(0)["name"] == "in\\xff\\xfep"
    assert it.get_output_details(0)["name"] == "out\\xc3(p"
    assert it.get_allocations()["subgraphs"][0]["name"] == "m\\xe9in"
    with pytest.raises(ValueError, match=re.escape("input 0 ('in\\xff\\xfep') expects dtype float32")):
        it.set_input(np.zeros(2, np.int32), 0)
    with pytest.raises(RuntimeError, match=re.escape("input 0 ('in\\xff\\xfep') has not been set")):
        it.invoke()
    it.set_input(np.ones(2, np.float32), 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), [2, 2])


def test_custom_op_and_signature_names_that_are_not_utf8(threads_model):
    model = Builder().model(
        tensors=[dict(shape=[2], type=FLOAT32, name="x"), dict(shape=[2], type=FLOAT32, name="y")],
        inputs=[0], outputs=[1], operators=[dict(custom="MY_OPxx", inputs=[0], outputs=[1])])
    model = _renamed(model, b"MY_OPxx", b"MY_OP\xff\xff")
    with pytest.raises(ValueError, match=re.escape("MY_OP\\xff\\xff")):
        runtime.Interpreter.from_bytes(model)
    model = _renamed(threads_model, b"combine", b"comb\xffne")
    it = runtime.Interpreter.from_bytes(model)
    assert sorted(it.get_signature_list()) == ["classify", "comb\\xffne"]
    got = it.get_signature_runner("comb\\xffne")(a=np.ones((1, 4), np.float32),
                                                  b=np.ones((1, 4), np.float32))
    np.testing.assert_array_equal(got["sum"], np.full((1, 4), 2, np.float32))


def test_paths_that_are_not_utf8(tmp_path):
    model = tt.cached(tm.guide_model, 0)
    it = runtime.Interpreter.from_bytes(model)
    save = it.get_signature_runner("save")
    missing = os.fsencode(str(tmp_path)) + b"/no_dir\xff/w.ckpt"
    with pytest.raises(RuntimeError, match=r"cannot create checkpoint .*no_dir\\xff/w\.ckpt"):
        save(checkpoint_path=np.array(missing, dtype=object))
    odd = os.fsencode(str(tmp_path)) + b"/w\xff.ckpt"
    save(checkpoint_path=np.array(odd, dtype=object))
    assert checkpoint.read(odd).keys() == checkpoint.read(os.fsdecode(odd)).keys()
    # A str path from os.fsdecode (surrogate escapes) names the same file.
    save(checkpoint_path=np.array(os.fsdecode(odd), dtype=object))
    assert os.listdir(tmp_path) == ["w\udcff.ckpt"]
    with pytest.raises(ValueError, match=r"cannot load '.*nope\\xff\.so'"):
        runtime.Interpreter.from_bytes(model, custom_op_registerers=[
            os.fsencode(str(tmp_path)) + b"/nope\xff.so:Fn"])


def test_checkpoint_names_that_are_not_utf8_round_trip(tmp_path):
    path = str(tmp_path / "w.ckpt")
    with open(path, "wb") as f:
        pass
    name = os.fsdecode(b"layer\xff/kernel")
    checkpoint.write(path, {name: np.arange(4, dtype=np.float32)})
    back = checkpoint.read(path)
    assert list(back) == [name]
    checkpoint.write(path, back)
    assert list(checkpoint.read(path)) == [name]


# ---------------------------------------------------------- 7. arguments

def test_indices_out_of_range_name_the_range(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    n = it.num_subgraphs()
    for call in (lambda: it.get_operators(99), lambda: it._impl.num_tensors(99),
                 lambda: it.GetTensor(0, 99), lambda: it.get_operators(-1)):
        with pytest.raises(runtime.IndexOutOfRangeError,
                           match=r"subgraph index -?\d+ is out of range \(the model has %d "
                                 r"subgraphs: 0 to %d\)" % (n, n - 1)):
            call()
    t = it._impl.num_tensors(0)
    with pytest.raises(IndexError, match=r"tensor index %d is out of range \(subgraph 0 has %d "
                                         r"tensors: 0 to %d\)" % (t, t, t - 1)):
        it.GetTensor(t)
    # Upstream raises IndexError for these; this API always raised ValueError.
    x = np.zeros((1, 64), np.float32)
    for call, what in ((lambda: it.set_input(x, 1), "input"), (lambda: it.get_output(1), "output"),
                       (lambda: it.get_input_details(1), "input")):
        with pytest.raises(IndexError, match=r"%s index 1 is out of range \(the model has 1 "
                                             r"%ss: 0 to 0\)" % (what, what)):
            call()
        with pytest.raises(ValueError):
            call()
    assert it.get_operators(0)


def test_indices_must_be_ints(mlp_float):
    it = runtime.Interpreter.from_bytes(mlp_float)
    x = np.zeros((1, 64), np.float32)
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.GetTensor(np.int64(0)), it.GetTensor(0))
    for bad in (0.9, 1.0, True, "0", None):
        with pytest.raises(TypeError, match="tensor_index must be an int, got %r" % (bad,)):
            it.GetTensor(bad)
        with pytest.raises(TypeError, match="tensor_index must be an int"):
            it.get_tensor_details(bad)
        with pytest.raises(TypeError, match="input index must be an int"):
            it.set_input(x, bad)
        with pytest.raises(TypeError, match="output index must be an int"):
            it.get_output(bad)
    with pytest.raises(TypeError, match="subgraph_index must be an int"):
        it.get_operators(0.0)
    with pytest.raises(TypeError, match="subgraph_index must be an int"):
        it.GetTensor(0, False)


@pytest.mark.parametrize("size", [2 ** 64, 2 ** 63, (1 << 40) + 1, -5, 0, 1.5, "1000", True])
def test_arena_size_is_checked_first(mlp_float, size):
    with pytest.raises(ValueError, match="arena_size must be a positive number of bytes") as e:
        runtime.Interpreter.from_bytes(mlp_float, arena_size=size)
    assert len(str(e.value)) < 200


# Each in a subprocess: before the check, a libc function was called as a
# registerer (abort() ends the process).
REGISTERER = textwrap.dedent("""
    import sys
    from tflite_micro import runtime
    from tflite_micro._flatbuffer_writer import Builder
    model = Builder().model(
        tensors=[dict(shape=[2], type=0, name="x"), dict(shape=[2], type=0, name="y")],
        inputs=[0], outputs=[1], operators=[dict(opcode=0, inputs=[0, 0], outputs=[1])])
    try:
        runtime.Interpreter.from_bytes(model, custom_op_registerers=[sys.argv[1]])
    except ValueError as e:
        print("ValueError:", e)
    else:
        print("accepted")
""")


def _numpy_extension() -> str:
    try:
        from numpy._core import _multiarray_umath as m
    except ImportError:  # numpy 1.x
        from numpy.core import _multiarray_umath as m
    return m.__file__


@pytest.mark.parametrize("name,home", [
    ("abort", "the C library"),
    ("exit", "the C library"),
    ("sqrt", "the (math|C) library"),
    ("pthread_exit", "the (threads|C) library"),
    ("Py_Exit", "the Python (runtime|executable)"),
    ("PyInit__runtime", "tflite_micro's own extension"),
    ("LIBC:_exit", "the C library"),
    ("NUMPY:PyInit__multiarray_umath", "a Python extension module"),
])
def test_registerers_in_system_libraries_are_refused(tmp_path, name, home):
    name = name.replace("LIBC", ctypes.util.find_library("c") or "libc.so.6")
    name = name.replace("NUMPY", _numpy_extension())
    proc = _run_python(tmp_path, REGISTERER, name)
    _assert_clean_exit(proc)
    symbol = name.rsplit(":", 1)[-1]
    assert proc.stdout.startswith(
        "ValueError: TFLM could not register custom op via %s: custom_op_registerers: '%s' "
        "resolves to a function of " % (name, symbol)), proc.stdout
    assert re.search(home, proc.stdout), proc.stdout
    assert "name the registerer function of your op library" in proc.stdout


@pytest.mark.parametrize("registerers", [["Reg", 42], [("wrong", "format")], "WrongFormat",
                                          b"Reg", [None], [""], ["Reg\0abort"], 7])
def test_registerers_must_be_a_list_of_strings(mlp_float, registerers):
    with pytest.raises(ValueError, match="must be a list of strings"):
        runtime.Interpreter.from_bytes(mlp_float, custom_op_registerers=registerers)


def test_valid_registerer_arguments_still_work(mlp_float):
    for empty in ([], (), None):
        runtime.Interpreter.from_bytes(mlp_float, custom_op_registerers=empty)
