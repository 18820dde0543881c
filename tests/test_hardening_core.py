"""Hostile input to the core: calls that fail leave the interpreter usable,
and model bytes that no converter writes are refused by the verifier with a
message naming the tensor (the fuzzer's findings, tests/fuzz/regressions,
are replayed by test_cc_unit.py)."""
import pathlib

import numpy as np
import pytest

from tflite_micro import runtime

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = (ROOT / "tests" / "data" / "tiny_trainable.tflite").read_bytes()


def _batch(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return x, y


def _fresh(arena_size=None):
    return runtime.Interpreter.from_bytes(TINY, arena_size=arena_size)


@pytest.mark.parametrize("failure", ["arena", "mismatched_batches"])
def test_a_failed_signature_call_leaves_every_signature_usable(failure):
    arena = runtime.find_arena_size(TINY) * 4
    it = _fresh(arena)
    train = it.get_signature_runner("train")
    infer = it.get_signature_runner("infer")
    x, y = _batch(4)
    if failure == "arena":
        big_x, big_y = _batch(20000, seed=1)
        with pytest.raises(RuntimeError, match="needs"):
            train(x=big_x, y=big_y)
    else:
        with pytest.raises((ValueError, RuntimeError)):
            train(x=x, y=y[:3])
    # Every later call works and computes what a fresh interpreter computes.
    oracle = _fresh(arena)
    np.testing.assert_array_equal(infer(x=x[:2])["logits"],
                                  oracle.get_signature_runner("infer")(x=x[:2])["logits"])
    loss = train(x=x, y=y)["loss"]
    np.testing.assert_array_equal(loss, oracle.get_signature_runner("train")(x=x, y=y)["loss"])
    np.testing.assert_array_equal(infer(x=x)["logits"],
                                  oracle.get_signature_runner("infer")(x=x)["logits"])


def test_repeated_failures_do_not_accumulate():
    arena = runtime.find_arena_size(TINY) * 4
    it = _fresh(arena)
    infer = it.get_signature_runner("infer")
    big_x, _ = _batch(20000, seed=1)
    for _ in range(3):
        with pytest.raises(RuntimeError, match="needs"):
            infer(x=big_x)
    x, _ = _batch(3)
    np.testing.assert_array_equal(
        infer(x=x)["logits"], _fresh(arena).get_signature_runner("infer")(x=x)["logits"])
    assert it.arena_used_bytes() <= arena


# ---- the verifier: quantization parameters no converter writes ----

def _relu_int8_model():
    import tflm_testing as tt
    tf = tt.tf()
    return tt.convert_function(lambda x: tf.nn.relu(x * 2.0), [((1, 8), np.float32)],
                               quant="int8")


def _quantized_model():
    import tflm_testing as tt
    return tt.cached(_relu_int8_model)


def _patch_quantization(model: bytes, tensor_name: str, scale=None, zero_point=None):
    """Rewrites the first scale / zero point of a tensor in place (the
    flatbuffer keeps its layout)."""
    from tensorflow.lite.python import schema_py_generated as schema
    m = schema.Model.GetRootAsModel(model, 0)
    data = bytearray(model)
    g = m.Subgraphs(0)
    for t in range(g.TensorsLength()):
        tensor = g.Tensors(t)
        if tensor.Name().decode() != tensor_name:
            continue
        q = tensor.Quantization()
        tab = q._tab
        if scale is not None:
            o = tab.Offset(8)  # QuantizationParameters.scale
            start = tab.Vector(o)
            data[start:start + 4] = np.float32(scale).tobytes()
        if zero_point is not None:
            o = tab.Offset(10)  # QuantizationParameters.zero_point
            start = tab.Vector(o)
            data[start:start + 8] = np.int64(zero_point).tobytes()
        return bytes(data)
    raise AssertionError(f"no tensor {tensor_name}")


def _input_name(model):
    it = runtime.Interpreter.from_bytes(model)
    return it.get_input_details(0)["name"]


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), -0.5])
def test_a_scale_that_is_not_finite_and_positive_is_refused(scale):
    model = _quantized_model()
    name = _input_name(model)
    bad = _patch_quantization(model, name, scale=scale)
    with pytest.raises(ValueError, match=f"tensor '{name}' has an invalid quantization scale"):
        runtime.Interpreter.from_bytes(bad)


@pytest.mark.parametrize("zero_point", [128, -129, 1 << 40])
def test_an_int8_zero_point_outside_int8_is_refused(zero_point):
    model = _quantized_model()
    name = _input_name(model)
    bad = _patch_quantization(model, name, zero_point=zero_point)
    with pytest.raises(ValueError, match=rf"tensor '{name}' \(int8\) has zero point "
                                         rf"{zero_point}, outside \[-128, 127\]"):
        runtime.Interpreter.from_bytes(bad)


def test_a_tensor_written_by_two_operators_is_refused():
    """ADD and VAR_HANDLE both writing y gave y a 4-byte resource slot that
    ADD then filled with N elements (a heap overflow)."""
    from tflite_micro._flatbuffer_writer import Builder
    ADD, VAR_HANDLE = 0, 142
    m = Builder().model(
        tensors=[dict(shape=[64], type=2, name="x"), dict(shape=[64], type=2, name="y")],
        inputs=[0], outputs=[1],
        operators=[dict(opcode=ADD, inputs=[0, 0], outputs=[1]),
                   dict(opcode=VAR_HANDLE, inputs=[], outputs=[1])])
    with pytest.raises(ValueError, match="tensor 'y' of subgraph 0 is the output of more than "
                                         "one operator"):
        runtime.Interpreter.from_bytes(m, reorder_ops=False)


def _select_model():
    import tflm_testing as tt
    tf = tt.tf()
    return tt.convert_function(lambda c, a, b: tf.where(c, a, b),
                               [((3, 1), np.bool_), ((1, 4), np.float32), ((3, 4), np.float32)])


def test_bools_are_zero_or_one_whatever_bytes_numpy_holds():
    import tflm_testing as tt
    it = runtime.Interpreter.from_bytes(tt.cached(_select_model))
    cond = np.frombuffer(bytes([16, 0, 255]), dtype=np.bool_).reshape(3, 1)  # True, False, True
    a = np.ones((1, 4), np.float32)
    b = np.zeros((3, 4), np.float32)
    for k, v in enumerate([cond, a, b]):
        it.set_input(v, k)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), np.where(cond, a, b))


def test_a_bool_constant_that_is_not_zero_or_one_is_refused():
    from tensorflow.lite.tools import flatbuffer_utils as fu
    import tflm_testing as tt
    tf = tt.tf()
    model = tt.convert_function(
        lambda a, b: tf.where(tf.constant([[True], [False], [True]]), a, b),
        [((1, 4), np.float32), ((3, 4), np.float32)])
    m = fu.read_model_from_bytearray(bytearray(model))
    for t in m.subgraphs[0].tensors:
        if t.type == 6 and m.buffers[t.buffer].data is not None:  # BOOL constant
            m.buffers[t.buffer].data[0] = 16
            name = t.name.decode()
    bad = bytes(fu.convert_object_to_bytearray(m))
    with pytest.raises(ValueError, match=f"constant tensor '{name}' \\(bool\\) holds byte 16"):
        runtime.Interpreter.from_bytes(bad)


def test_a_tensor_that_nothing_writes_is_refused():
    """SELECT_V2 reading a bool that is neither an input nor any op's output
    read uninitialized arena bytes (found by CI's fuzzer run)."""
    from tflite_micro._flatbuffer_writer import Builder
    SELECT_V2 = 123
    m = Builder().model(
        tensors=[dict(shape=[3, 1], type=6, name="cond"), dict(shape=[1, 4], type=0, name="a"),
                 dict(shape=[3, 4], type=0, name="b"), dict(shape=[3, 4], type=0, name="out")],
        inputs=[1, 2], outputs=[3],
        operators=[dict(opcode=SELECT_V2, inputs=[0, 1, 2], outputs=[3])])
    with pytest.raises(ValueError, match="operator 0 of subgraph 0 reads tensor 'cond', which "
                                         "has no value"):
        runtime.Interpreter.from_bytes(m)
