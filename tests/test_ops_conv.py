"""Convolutions and matrix products (CONV_2D, DEPTHWISE_CONV_2D,
TRANSPOSE_CONV, FULLY_CONNECTED, BATCH_MATMUL) against TFLite's reference
kernels: integer outputs bit-exact (int8 and int16x8), float outputs within
the kit's default tolerance (rtol 1e-5, atol 1e-6), although our float dot
products of 16 or more terms are summed in 8 interleaved lanes rather than
sequentially.
"""
import numpy as np
import pytest

import tflm_testing as tt

QUANTS = ["float", "int8", "int16x8"]


def _weights(seed, shape, scale=0.5):
    return np.random.default_rng(seed).uniform(-scale, scale, size=shape).astype(np.float32)


def _act(tf, name, x):
    return {"none": x, "relu": tf.nn.relu(x), "relu6": tf.nn.relu6(x)}[name]


def _check(model, op):
    names = tt.op_names(model)
    assert op in names, names
    tt.assert_same_as_reference(model)


# ---------------------------------------------------------------- CONV_2D

def _conv_model(quant, in_shape, out_c, kernel, stride, padding, dilation, act,
                bias, groups, seed):
    tf = tt.tf()
    in_c = in_shape[-1]
    w = _weights(seed, kernel + (in_c // groups, out_c))
    b = _weights(seed + 1, (out_c,))

    def fn(x):
        y = tf.nn.conv2d(x, w, strides=stride, padding=padding, dilations=dilation)
        if bias:
            y = y + b
        return _act(tf, act, y)
    return tt.convert_function(fn, [(in_shape, np.float32)], quant=quant, seed=seed)


CONV_CASES = [
    # in_shape, out_c, kernel, stride, padding, dilation, act, bias, groups
    ((1, 9, 11, 3), 8, (3, 3), 1, "SAME", 1, "relu", True, 1),
    ((2, 10, 9, 5), 6, (3, 2), 2, "VALID", 1, "none", True, 1),
    ((1, 12, 12, 4), 7, (3, 3), 1, "SAME", 2, "relu6", False, 1),
    ((1, 8, 8, 16), 24, (1, 1), 1, "VALID", 1, "relu6", True, 1),
    ((1, 9, 7, 8), 16, (1, 1), 1, "SAME", 1, "relu", True, 1),  # short k, read in place
    ((1, 13, 12, 1), 8, (3, 3), 2, "SAME", 1, "relu6", True, 1),  # first layer, k = 9
    ((1, 7, 7, 6), 5, (1, 1), 2, "SAME", 1, "none", True, 1),
    ((1, 6, 6, 8), 8, (3, 3), 1, "SAME", 1, "none", True, 2),
]


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "x".join(map(str, c[0])) + "-k%s-s%d-%s-d%d-%s-g%d" % (
    "".join(map(str, c[2])), c[3], c[4], c[5], c[6], c[8]))
def test_conv2d(case, quant):
    model = tt.cached(_conv_model, quant, *case, seed=3)
    _check(model, "CONV_2D")


# ---------------------------------------------------------------- DEPTHWISE_CONV_2D

def _depthwise_model(quant, in_shape, multiplier, kernel, stride, padding,
                     dilation, act, bias, seed):
    tf = tt.tf()
    in_c = in_shape[-1]
    w = _weights(seed, kernel + (in_c, multiplier))
    b = _weights(seed + 1, (in_c * multiplier,))

    def fn(x):
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, stride, stride, 1],
                                   padding=padding, dilations=[dilation, dilation])
        if bias:
            y = y + b
        return _act(tf, act, y)
    return tt.convert_function(fn, [(in_shape, np.float32)], quant=quant, seed=seed)


DEPTHWISE_CASES = [
    # in_shape, multiplier, kernel, stride, padding, dilation, act, bias
    ((1, 10, 9, 8), 1, (3, 3), 1, "SAME", 1, "relu6", True),
    ((2, 11, 10, 5), 1, (3, 3), 2, "SAME", 1, "relu", True),
    ((1, 9, 9, 3), 2, (3, 3), 1, "VALID", 1, "none", True),
    ((1, 12, 12, 4), 1, (3, 3), 1, "SAME", 2, "none", False),
    ((1, 10, 6, 1), 4, (4, 3), 1, "SAME", 1, "relu", True),
]


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=lambda c: "x".join(map(str, c[0])) + "-m%d-s%d-%s-d%d-%s" % (
    c[1], c[3], c[4], c[5], c[6]))
def test_depthwise_conv2d(case, quant):
    model = tt.cached(_depthwise_model, quant, *case, seed=5)
    _check(model, "DEPTHWISE_CONV_2D")


# ---------------------------------------------------------------- TRANSPOSE_CONV

def _transpose_conv_model(quant, in_shape, out_c, kernel, stride, padding, act,
                          bias, seed):
    tf = tt.tf()
    n, h, w_, in_c = in_shape
    w = _weights(seed, kernel + (out_c, in_c))
    b = _weights(seed + 1, (out_c,))
    if padding == "SAME":
        out_hw = (h * stride, w_ * stride)
    else:
        out_hw = ((h - 1) * stride + kernel[0], (w_ - 1) * stride + kernel[1])

    def fn(x):
        y = tf.nn.conv2d_transpose(x, w, output_shape=(n,) + out_hw + (out_c,),
                                   strides=stride, padding=padding)
        if bias:
            y = y + b
        return _act(tf, act, y)
    return tt.convert_function(fn, [(in_shape, np.float32)], quant=quant, seed=seed)


TRANSPOSE_CONV_CASES = [
    # in_shape, out_c, kernel, stride, padding, act, bias
    ((1, 5, 6, 4), 6, (3, 3), 2, "SAME", "relu", True),
    ((2, 4, 4, 3), 5, (2, 2), 2, "VALID", "none", True),
    ((1, 6, 5, 8), 4, (3, 3), 1, "SAME", "none", False),
]


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", TRANSPOSE_CONV_CASES, ids=lambda c: "x".join(map(str, c[0])) + "-k%s-s%d-%s-%s" % (
    "".join(map(str, c[2])), c[3], c[4], c[5]))
def test_transpose_conv(case, quant):
    model = tt.cached(_transpose_conv_model, quant, *case, seed=7)
    _check(model, "TRANSPOSE_CONV")


# ---------------------------------------------------------------- TRANSPOSE_CONV, output_shape at invoke
# When output_shape is not known at prepare (a model input), the output is
# planned at the largest shape whose forward convolution gives the input's
# size; eval checks the value and sets the output's dims (transpose_conv.cc).

def _output_size_range(size, kernel, stride, padding):
    """The output sizes along one dimension that conv2d_transpose accepts."""
    base = (size - 1) * stride
    return (base + 1, base + stride) if padding == "SAME" else (base + kernel, base + stride + kernel - 1)


def _keras_output_size(size, kernel, stride, padding):
    return size * stride + (0 if padding == "SAME" else max(kernel - stride, 0))


def _transpose_conv_runtime_shape_model(quant, in_shape, out_c, kernel, stride, padding,
                                        act, bias, batch_from_input, seed):
    """TRANSPOSE_CONV whose output_shape is a model input (int32[4]) or, with
    batch_from_input, tf.stack([tf.shape(x)[0], H, W, C]) over a dynamic
    batch. One signature, "serving_default"."""
    tf = tt.tf()
    n, h, w_, in_c = in_shape
    w = _weights(seed, kernel + (out_c, in_c))
    b = _weights(seed + 1, (out_c,))
    out_hw = tuple(_keras_output_size(s, k, stride, padding) for s, k in zip((h, w_), kernel))

    def tconv(x, output_shape):
        y = tf.nn.conv2d_transpose(x, w, output_shape, strides=stride, padding=padding)
        if bias:
            y = y + b
        return tf.math.tanh(y) if act == "tanh" else _act(tf, act, y)  # tanh: another op

    x_spec = tf.TensorSpec(((None,) if batch_from_input else (n,)) + in_shape[1:], tf.float32)

    class M(tf.Module):
        if batch_from_input:
            @tf.function(input_signature=[x_spec])
            def run(self, x):
                return {"y": tconv(x, tf.stack([tf.shape(x)[0], out_hw[0], out_hw[1], out_c]))}
        else:
            @tf.function(input_signature=[x_spec, tf.TensorSpec((4,), tf.int32)])
            def run(self, x, output_shape):
                return {"y": tconv(x, output_shape)}

    m = M()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([m.run.get_concrete_function()], m)
    if quant != "float":
        # tt.representative would draw output_shape at random: give the valid one.
        rng = np.random.default_rng(seed)

        def rep():
            for _ in range(32):
                x = rng.uniform(-1.0, 1.0, size=in_shape).astype(np.float32)
                sample = {"x": x}
                if not batch_from_input:
                    sample["output_shape"] = np.array((n,) + out_hw + (out_c,), np.int32)
                yield sample
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        io = tf.int8 if quant == "int8" else tf.int16
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if quant == "int8" else
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = io
        conv.inference_output_type = io
    return conv.convert()


def _assert_close(got, want, what):
    assert got.shape == want.shape and got.dtype == want.dtype, (what, got.shape, want.shape)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=str(what))
    else:
        assert np.array_equal(got, want), (what, int(np.sum(got != want)), got.size)


class _ShapeInputModel:
    """Our interpreter and the reference on a model of
    _transpose_conv_runtime_shape_model with output_shape an input."""

    def __init__(self, model):
        from tflite_micro import runtime
        self.model = model
        self.ours = runtime.Interpreter.from_bytes(model)
        details = tt.reference_interpreter(model).get_input_details()
        # output_shape is the int32 input; x is float, int8 or int16.
        self.shape_index = [np.dtype(d["dtype"]) for d in details].index(np.int32)
        self.x = tt.model_inputs(model, seed=1)[1 - self.shape_index]

    def inputs(self, output_shape):
        xs = [None, None]
        xs[self.shape_index] = np.array(output_shape, np.int32)
        xs[1 - self.shape_index] = self.x
        return xs

    def run(self, output_shape):
        for i, v in enumerate(self.inputs(output_shape)):
            self.ours.set_input(v, i)
        self.ours.invoke()
        return self.ours.get_output(0)

    def reference(self, output_shape):
        return tt.run_reference(self.model, self.inputs(output_shape))[0]


RUNTIME_SHAPE_CASES = [
    # in_shape, out_c, kernel, stride, padding, act, bias
    ((1, 5, 6, 4), 6, (3, 3), 2, "SAME", "relu", True),
    ((2, 4, 3, 3), 5, (3, 2), 2, "VALID", "none", False),
]


def _runtime_shape_id(c):
    return "x".join(map(str, c[0])) + "-k%s-s%d-%s" % ("".join(map(str, c[2])), c[3], c[4])


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", RUNTIME_SHAPE_CASES, ids=_runtime_shape_id)
def test_transpose_conv_output_shape_input(case, quant):
    """Every output_shape the input allows, one interpreter, against the
    reference: bit-exact for integers."""
    in_shape, out_c, kernel, stride, padding = case[:5]
    model = tt.cached(_transpose_conv_runtime_shape_model, quant, *case, False, seed=7)
    assert tt.op_names(model) == ["TRANSPOSE_CONV"], tt.op_names(model)
    m = _ShapeInputModel(model)
    heights, widths = (_output_size_range(in_shape[1 + i], kernel[i], stride, padding)
                       for i in (0, 1))
    n = in_shape[0]
    # Planned at the largest shape the input allows, until an invoke says.
    assert list(m.ours.get_output_details(0)["shape"]) == [n, heights[1], widths[1], out_c]
    for oh in heights:
        for ow in widths:
            shape = (n, oh, ow, out_c)
            got = m.run(shape)
            _assert_close(got, m.reference(shape), shape)
            assert tuple(m.ours.get_output_details(0)["shape"]) == shape


def test_transpose_conv_invalid_runtime_output_shape():
    case = RUNTIME_SHAPE_CASES[0]
    model = tt.cached(_transpose_conv_runtime_shape_model, "float", *case, False, seed=7)
    m = _ShapeInputModel(model)
    bad = {
        (1, 3, 3, 6): r"output_shape \[1, 3, 3, 6\] is not an output of a transposed "
                      r"convolution of the 5x6 input \(stride 2x2, 3x3 filter, SAME padding\): "
                      r"height must be in \[9, 10\] and width in \[11, 12\]",
        (1, 10, 13, 6): r"width in \[11, 12\]",
        (1, -10, 12, 6): r"height must be in \[9, 10\]",
        (2, 10, 12, 6): r"output_shape \[2, 10, 12, 6\] does not match batch 1 and 6 output channels",
        (1, 10, 12, 5): r"does not match batch 1 and 6 output channels",
    }
    for shape, message in bad.items():
        with pytest.raises(RuntimeError, match="TRANSPOSE_CONV.*" + message):
            m.run(shape)
    # The interpreter is still usable.
    _assert_close(m.run((1, 9, 12, 6)), m.reference((1, 9, 12, 6)), "after errors")


def test_transpose_conv_runtime_output_shape_read_by_another_op():
    """The ops reading the output were prepared with the planned shape: only
    that shape is accepted."""
    case = ((1, 4, 4, 3), 5, (3, 3), 2, "SAME", "tanh", True)
    model = tt.cached(_transpose_conv_runtime_shape_model, "float", *case, False, seed=9)
    assert tt.op_names(model) == ["TRANSPOSE_CONV", "TANH"], tt.op_names(model)
    m = _ShapeInputModel(model)
    _assert_close(m.run((1, 8, 8, 5)), m.reference((1, 8, 8, 5)), "planned shape")
    with pytest.raises(RuntimeError, match=r"TRANSPOSE_CONV.*output_shape \[1, 7, 8, 5\] differs "
                                           r"from \[1, 8, 8, 5\], the shape planned at prepare"):
        m.run((1, 7, 8, 5))
    _assert_close(m.run((1, 8, 8, 5)), m.reference((1, 8, 8, 5)), "after the error")


@pytest.mark.parametrize("quant", QUANTS)
def test_transpose_conv_output_shape_from_dynamic_batch(quant):
    """output_shape = tf.stack([tf.shape(x)[0], H, W, C]): shape arithmetic
    evaluated at prepare, for each batch size the runner resizes to."""
    from tflite_micro import runtime
    case = RUNTIME_SHAPE_CASES[0]
    model = tt.cached(_transpose_conv_runtime_shape_model, quant, *case, True, seed=7)
    assert "SHAPE" in tt.op_names(model) and "TRANSPOSE_CONV" in tt.op_names(model)
    ours = runtime.Interpreter.from_bytes(model).get_signature_runner("serving_default")
    ref = tt.reference_interpreter(model).get_signature_runner("serving_default")
    for batch in (1, 3, 2):
        x = np.concatenate([tt.model_inputs(model, seed=s)[0] for s in range(batch)])
        got, want = ours(x=x)["y"], ref(x=x)["y"]
        assert got.shape == (batch, 10, 12, 6)
        _assert_close(got, want, batch)


# ---------------------------------------------------------------- FULLY_CONNECTED

def _fully_connected_model(quant, in_shape, units, act, bias, seed):
    tf = tt.tf()
    w = _weights(seed, (in_shape[-1], units))
    b = _weights(seed + 1, (units,))

    def fn(x):
        if len(in_shape) == 2:
            y = tf.matmul(x, w)
        else:  # converted with keep_num_dims
            y = tf.tensordot(x, w, axes=1)
        if bias:
            y = y + b
        return _act(tf, act, y)
    return tt.convert_function(fn, [(in_shape, np.float32)], quant=quant, seed=seed)


FULLY_CONNECTED_CASES = [
    # in_shape, units, act, bias
    ((1, 37), 10, "relu", True),
    ((3, 64), 19, "none", True),
    ((2, 16), 8, "relu6", False),
    ((2, 3, 24), 12, "none", True),
]


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", FULLY_CONNECTED_CASES, ids=lambda c: "x".join(map(str, c[0])) + "-u%d-%s-b%d" % (
    c[1], c[2], c[3]))
def test_fully_connected(case, quant):
    model = tt.cached(_fully_connected_model, quant, *case, seed=11)
    _check(model, "FULLY_CONNECTED")


# ---------------------------------------------------------------- BATCH_MATMUL

def _batch_matmul_model(quant, lhs_shape, rhs_shape, adj_x, adj_y, seed):
    tf = tt.tf()

    def fn(x, y):
        return tf.matmul(x, y, transpose_a=adj_x, transpose_b=adj_y)
    return tt.convert_function(fn, [(lhs_shape, np.float32), (rhs_shape, np.float32)],
                               quant=quant, seed=seed)


BATCH_MATMUL_CASES = [
    # lhs_shape, rhs_shape, adj_x, adj_y
    ((2, 5, 7), (2, 7, 6), False, False),
    ((3, 6, 5), (3, 6, 4), True, False),
    ((2, 4, 9), (2, 3, 9), False, True),
    ((2, 3, 4, 8), (3, 8, 5), False, False),
    ((1, 3, 6, 4), (2, 1, 5, 4), False, True),
    # Full 4x8 register blocks plus row and column edges (float [k, n] path).
    ((37, 13), (37, 19), True, False),
    ((13, 37), (37, 19), False, False),
    # (TFLite's reference returns garbage for adj_x with broadcast batches, so
    # adj_x is compared without broadcasting only.)
]


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("case", BATCH_MATMUL_CASES, ids=lambda c: "%s@%s-%d%d" % (
    "x".join(map(str, c[0])), "x".join(map(str, c[1])), c[2], c[3]))
def test_batch_matmul(case, quant):
    model = tt.cached(_batch_matmul_model, quant, *case, seed=13)
    _check(model, "BATCH_MATMUL")


# ---------------------------------------------------------------- int16x8, int32 bias

def _int16_int32_bias_model(op, seed):
    """int16x8 with the converter's int32 bias option (CONV_2D version 8,
    TRANSPOSE_CONV version 5, FULLY_CONNECTED version 11; TFLite's int16
    DEPTHWISE_CONV_2D accepts only int64 biases)."""
    tf = tt.tf()
    if op == "CONV_2D":
        w = _weights(seed, (3, 3, 4, 6))
        fn, shape = (lambda x: tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME") + 0.1)), (1, 6, 7, 4)
    elif op == "TRANSPOSE_CONV":
        w = _weights(seed, (3, 3, 5, 4))
        b = _weights(seed + 1, (5,))
        fn, shape = (lambda x: tf.nn.conv2d_transpose(x, w, (1, 10, 12, 5), 2, "SAME") + b), (1, 5, 6, 4)
    else:
        w = _weights(seed, (40, 9))
        fn, shape = (lambda x: tf.matmul(x, w) + 0.1), (2, 40)
    concrete = tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.float32)]).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = tt.representative([(shape, np.float32)], seed)
    conv.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    conv.inference_input_type = tf.int16
    conv.inference_output_type = tf.int16
    conv._experimental_full_integer_quantization_bias_type = tf.int32
    return conv.convert()


@pytest.mark.parametrize("op", ["CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED"])
def test_int16x8_with_int32_bias(op):
    model = tt.cached(_int16_int32_bias_model, op, seed=17)
    _check(model, op)


# ---------------------------------------------------------------- errors

def _hybrid_conv_model():
    tf = tt.tf()
    w = _weights(1, (3, 3, 16, 16))
    conv = tf.lite.TFLiteConverter.from_concrete_functions(
        [tf.function(lambda x: tf.nn.conv2d(x, w, 1, "SAME"),
                     input_signature=[tf.TensorSpec((1, 6, 6, 16), tf.float32)]
                     ).get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic range: int8 weights
    return conv.convert()


def test_hybrid_conv_is_rejected_with_a_clear_error():
    model = tt.cached(_hybrid_conv_model)
    ops = tt.reference_interpreter(model)._get_ops_details()
    assert [op["op_name"] for op in ops] == ["CONV_2D"]
    with pytest.raises((ValueError, RuntimeError), match="CONV_2D.*hybrid"):
        tt.run_ours(model, [np.zeros((1, 6, 6, 16), np.float32)])
