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
