"""Models that upstream TFLM runs must run here, bit-exact with TFLite's
reference kernels: quirks of real converted models that the verifier must
accept while still refusing what is really inconsistent."""
import numpy as np
import pytest

import tflm_testing as tt
from tflite_micro import runtime


def _mobilenet_block_int8():
    """Conv -> depthwise -> pointwise conv, per-channel int8 (the layers of
    MobileNetV1, which person detection is built from)."""
    tf = tt.tf()
    rng = np.random.default_rng(7)
    w1 = rng.uniform(-0.5, 0.5, (3, 3, 3, 8)).astype(np.float32)
    b1 = rng.uniform(-0.5, 0.5, (8,)).astype(np.float32)
    wd = rng.uniform(-0.5, 0.5, (3, 3, 8, 1)).astype(np.float32)
    bd = rng.uniform(-0.5, 0.5, (8,)).astype(np.float32)
    w2 = rng.uniform(-0.5, 0.5, (1, 1, 8, 16)).astype(np.float32)
    b2 = rng.uniform(-0.5, 0.5, (16,)).astype(np.float32)

    def fn(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, w1, 2, "SAME") + b1)
        y = tf.nn.relu6(tf.nn.depthwise_conv2d(y, wd, [1, 1, 1, 1], "SAME") + bd)
        return tf.nn.relu6(tf.nn.conv2d(y, w2, 1, "VALID") + b2)
    return tt.convert_function(fn, [((1, 12, 12, 3), np.float32)], quant="int8", seed=3)


def _set_bias_quantized_dimension(model: bytes, axis: int):
    """Gives every 1-D per-channel tensor (the biases) a stale
    quantized_dimension, as the person-detection model's converter did."""
    from tensorflow.lite.tools import flatbuffer_utils as fu
    m = fu.read_model_from_bytearray(bytearray(model))
    changed = []
    for t in m.subgraphs[0].tensors:
        q = t.quantization
        if q is not None and q.scale is not None and len(q.scale) > 1 and len(t.shape) == 1:
            q.quantizedDimension = axis
            changed.append(t.name.decode())
    return bytes(fu.convert_object_to_bytearray(m)), changed


def test_one_dimensional_per_channel_tensors_ignore_a_stale_quantized_dimension():
    model = tt.cached(_mobilenet_block_int8)
    stale, changed = _set_bias_quantized_dimension(model, 3)
    assert len(changed) == 3, changed
    x = tt.model_inputs(model, seed=1)
    want = tt.run_reference(model, x)
    it = runtime.Interpreter.from_bytes(stale)
    for k, v in enumerate(x):
        it.set_input(v, k)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), want[0])
    # The bias reports its real channel axis.
    for op in it.get_operators(0):
        if op["name"] in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            bias = it.get_tensor_details(op["inputs"][2], 0)
            assert bias["quantization_parameters"]["quantized_dimension"] == 0


def test_a_per_channel_tensor_whose_axis_really_mismatches_is_still_refused():
    from tensorflow.lite.tools import flatbuffer_utils as fu
    model = tt.cached(_mobilenet_block_int8)
    m = fu.read_model_from_bytearray(bytearray(model))
    for t in m.subgraphs[0].tensors:
        q = t.quantization
        if q is not None and q.scale is not None and len(q.scale) > 1 and len(t.shape) == 4:
            q.quantizedDimension = 1  # a 4-D filter: axis 1 is not its channels
            name = t.name.decode()
            break
    bad = bytes(fu.convert_object_to_bytearray(m))
    with pytest.raises(ValueError, match=f"tensor '{name}' has .* per-channel scales but "
                                         "quantized_dimension 1 does not match"):
        runtime.Interpreter.from_bytes(bad)


def _logistic_relu():
    tf = tt.tf()
    return tt.convert_function(lambda x: tf.nn.relu(tf.math.sigmoid(x) - 0.5),
                               [((1, 16), np.float32)])


def test_an_op_that_updates_a_tensor_in_place_is_not_a_cycle():
    """Converters sometimes let an op write the tensor it reads (a state
    updated in place): the op must not wait for itself."""
    from tensorflow.lite.tools import flatbuffer_utils as fu
    model = tt.cached(_logistic_relu)
    m = fu.read_model_from_bytearray(bytearray(model))
    g = m.subgraphs[0]
    first = g.operators[0]
    old_out = first.outputs[0]
    first.outputs[0] = first.inputs[0]  # LOGISTIC now updates its input in place
    for op in g.operators[1:]:
        op.inputs = [first.inputs[0] if i == old_out else i for i in op.inputs]
    patched = bytes(fu.convert_object_to_bytearray(m))
    x = np.linspace(-3, 3, 16, dtype=np.float32).reshape(1, 16)
    it = runtime.Interpreter.from_bytes(patched)
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_allclose(it.get_output(0), np.maximum(1 / (1 + np.exp(-x)) - 0.5, 0),
                               rtol=1e-6, atol=1e-6)


# ---- upstream's Python API contract: its exception types and the start of
# its messages, while ours stay catchable as before ----

@pytest.fixture(scope="module")
def conv_int8():
    return tt.cached(_mobilenet_block_int8)


def test_indices_out_of_bound_are_index_errors_with_upstreams_message(conv_int8):
    it = runtime.Interpreter.from_bytes(conv_int8)
    x = np.zeros((1, 12, 12, 3), np.int8)
    for call in (lambda: it.set_input(x, 1), lambda: it.get_input_details(1),
                 lambda: it.get_output(1), lambda: it.get_output_details(1)):
        with pytest.raises(IndexError, match="^Tensor is out of bound") as e:
            call()
        assert isinstance(e.value, ValueError)  # what this API raised before


def test_wrong_shapes_and_dtypes_use_upstreams_messages(conv_int8):
    it = runtime.Interpreter.from_bytes(conv_int8)
    x = np.zeros((1, 12, 12, 3), np.int8)
    with pytest.raises(ValueError, match=r"^Dimension mismatch\. .* expects shape "
                                         r"\(1, 12, 12, 3\), got \(1, 12, 12, 3, 1\)"):
        it.set_input(x.reshape(1, 12, 12, 3, 1), 0)
    with pytest.raises(ValueError, match="^Dimension mismatch"):
        it.set_input(x.reshape(1, 6, 24, 3), 0)
    with pytest.raises(ValueError, match="^Got value of type float32 but expected type int8"):
        it.set_input(x.astype(np.float32), 0)


def test_array_likes_are_converted_as_upstream_converts_them():
    model = tt.cached(_logistic_relu)
    it = runtime.Interpreter.from_bytes(model)
    with pytest.raises(ValueError, match="^Got value of type float64"):
        it.set_input([[0.5] * 16], 0)  # Python floats are float64
    it.set_input(np.asarray([[0.5] * 16], np.float32), 0)
    it.invoke()
    ints = runtime.Interpreter.from_bytes(model)
    with pytest.raises(ValueError, match="^Got value of type int64"):
        ints.set_input([[1] * 16], 0)


def _scalar_double():
    return tt.convert_function(lambda x: x * 2.0, [((), np.float32)])


def test_numpy_scalars_are_accepted_for_scalar_inputs():
    it = runtime.Interpreter.from_bytes(tt.cached(_scalar_double))
    it.set_input(np.float32(1.5), 0)
    it.invoke()
    assert float(it.get_output(0)) == 3.0


def test_a_missing_model_file_is_upstreams_value_error_and_a_file_not_found_error(tmp_path):
    missing = tmp_path / "wrong.tflite"
    with pytest.raises(ValueError, match="^Invalid model file path") as e:
        runtime.Interpreter.from_file(str(missing))
    assert isinstance(e.value, FileNotFoundError)
    assert e.value.filename == str(missing)
    with pytest.raises(ValueError, match="^Invalid model file path") as e:
        runtime.Interpreter.from_file(str(tmp_path))  # a directory
    assert isinstance(e.value, OSError) and not isinstance(e.value, FileNotFoundError)


@pytest.mark.parametrize("registerers", [[("wrong", "format")], "WrongFormat", [42]])
def test_registerers_that_are_not_a_list_of_strings(conv_int8, registerers):
    with pytest.raises(ValueError, match="must be a list of strings"):
        runtime.Interpreter.from_bytes(conv_int8, registerers)


def test_a_registerer_that_cannot_be_found_is_upstreams_runtime_error(conv_int8):
    with pytest.raises(RuntimeError,
                       match="^TFLM could not register custom op via SomeRandomOp") as e:
        runtime.Interpreter.from_bytes(conv_int8, ["SomeRandomOp"])
    assert isinstance(e.value, ValueError)  # what this API raised before
    assert "no function named 'SomeRandomOp'" in str(e.value)
