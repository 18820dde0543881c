"""Elementwise math, activations, softmax, l2-normalization and PReLU against
TFLite's reference kernels: float32 within tolerance, int8/int16 bit-exact.

Integer elementwise models are fed every int8 value (and a sweep of the int16
range), so each table entry the kernel builds is compared with TFLite."""
import numpy as np
import pytest

import tflm_testing as tt

# name -> (tf function, low, high) of the float calibration/input range.
_OPS = {
    "ABS": ("abs", -4.0, 4.0),
    "NEG": ("neg", -4.0, 4.0),
    "SQRT": ("sqrt", 0.0, 9.0),
    "RSQRT": ("rsqrt", 0.01, 4.0),
    "SQUARE": ("square", -3.0, 3.0),
    "EXP": ("exp", -4.0, 3.0),
    "LOG": ("log", 0.01, 10.0),
    "FLOOR": ("floor", -5.0, 5.0),
    "CEIL": ("ceil", -5.0, 5.0),
    "ROUND": ("round", -5.0, 5.0),
    "RELU": ("relu", -4.0, 4.0),
    "RELU6": ("relu6", -3.0, 9.0),
    "RELU_N1_TO_1": ("relu1", -2.0, 2.0),
    "LEAKY_RELU": ("leaky", -4.0, 4.0),
    "ELU": ("elu", -4.0, 2.0),
    "HARD_SWISH": ("hswish", -6.0, 6.0),
    "LOGISTIC": ("sigmoid", -20.0, 20.0),
    "TANH": ("tanh", -10.0, 10.0),
}


def _unary_model(fn_name, quant, low, high, shape):
    tf = tt.tf()
    fns = {
        "abs": tf.abs, "neg": tf.negative, "sqrt": tf.sqrt, "rsqrt": tf.math.rsqrt,
        "square": tf.square, "exp": tf.exp, "log": tf.math.log, "floor": tf.floor,
        "ceil": tf.math.ceil, "round": tf.round, "relu": tf.nn.relu, "relu6": tf.nn.relu6,
        "relu1": lambda x: tf.clip_by_value(x, -1.0, 1.0),
        "leaky": lambda x: tf.nn.leaky_relu(x, 0.3), "elu": tf.nn.elu,
        "hswish": lambda x: x * tf.nn.relu6(x + 3.0) / 6.0, "sigmoid": tf.sigmoid,
        "tanh": tf.tanh,
    }
    f = fns[fn_name]
    return tt.convert_function(lambda x: f(x), [(shape, np.float32)], quant=quant,
                               low=low, high=high)


def _model(op, quant, shape=(2, 128)):
    fn, low, high = _OPS[op]
    return tt.cached(_unary_model, fn, quant, low, high, shape)


def _retarget(model, op):
    """The same model with its single operator's code replaced by `op`
    (for kernels the converter never emits in int8, e.g. ELU)."""
    def edit(m, s):
        code = getattr(s.BuiltinOperator, op)
        for oc in m.operatorCodes:
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
    return _edit(model, edit)


# Ops (or versions) TFLite's reference resolver does not register: CEIL,
# ROUND, ELU and ABS v4+. For them the oracle is TFLite's builtin kernel
# (for ELU int8 it is the same table-based kernel).
_NOT_IN_REFERENCE = {"CEIL", "ROUND", "ELU"}


def _assert_same_as_builtin(model, inputs=None, low=-1.0, high=1.0, seed=0):
    T = tt.tf()
    it = T.lite.Interpreter(model_content=model)
    it.allocate_tensors()
    if inputs is None:
        rng = np.random.default_rng(seed)
        inputs = []
        for d in it.get_input_details():
            dt = np.dtype(d["dtype"])
            if dt.kind == "f":
                inputs.append(rng.uniform(low, high, size=d["shape"]).astype(dt))
            else:
                inputs.append(rng.integers(-50, 50, size=d["shape"]).astype(dt))
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    want = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    got = tt.run_ours(model, inputs)
    for w, g in zip(want, got):
        assert w.dtype == g.dtype and w.shape == g.shape
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(g, w)


def _quant_io(model):
    it = tt.reference_interpreter(model)
    return it.get_input_details()[0]


def _all_int8(model, min_value=-128):
    x = np.arange(-128, 128, dtype=np.int32)
    x = np.maximum(x, min_value).astype(np.int8)
    return [x.reshape(2, 128)]


def _int16_sweep(min_value=-32768):
    x = np.linspace(min_value, 32767, 4 * 1024).round().astype(np.int16)
    return [x.reshape(4, 1024)]


FLOAT_OPS = list(_OPS)


@pytest.mark.parametrize("op", FLOAT_OPS)
def test_float(op):
    model = _model(op, "float")
    assert tt.op_names(model) == [op]
    _, low, high = _OPS[op]
    if op in _NOT_IN_REFERENCE:
        _assert_same_as_builtin(model, low=low, high=high)
    else:
        tt.assert_same_as_reference(model, low=low, high=high)


INT8_OPS = ["ABS", "SQRT", "RSQRT", "EXP", "LOG", "RELU", "RELU6", "RELU_N1_TO_1",
            "LEAKY_RELU", "HARD_SWISH", "LOGISTIC", "TANH"]


@pytest.mark.parametrize("op", INT8_OPS)
def test_int8_every_input(op):
    model = _model(op, "int8")
    assert tt.op_names(model) == [op]
    zp = _quant_io(model)["quantization"][1]
    # RSQRT rejects inputs below zero (as TFLite does); feed only valid ones.
    tt.assert_same_as_reference(model, _all_int8(model, zp if op == "RSQRT" else -128))


def test_int8_elu_every_input():
    # The converter keeps float ELU between (de)quantize ops; the int8 kernel
    # is reached by retargeting an int8 elementwise model.
    model = _retarget(_model("TANH", "int8"), "ELU")
    assert tt.op_names(model) == ["ELU"]
    _assert_same_as_builtin(model, _all_int8(model))


@pytest.mark.parametrize("low,high", [(-1.0, 1.0), (-0.2, 0.2), (-30.0, 30.0)])
def test_int8_hard_swish_scales(low, high):
    # Input ranges that make the "reluish" rescale a left shift, no shift and
    # a right shift.
    model = tt.cached(_unary_model, "hswish", "int8", low, high, (2, 128))
    assert tt.op_names(model) == ["HARD_SWISH"]
    tt.assert_same_as_reference(model, _all_int8(model))


INT16_OPS = ["ABS", "RSQRT", "EXP", "LOG", "RELU", "RELU6", "LEAKY_RELU", "LOGISTIC", "TANH"]


@pytest.mark.parametrize("op", INT16_OPS)
def test_int16_sweep(op):
    model = _model(op, "int16x8", shape=(4, 1024))
    assert tt.op_names(model) == [op]
    tt.assert_same_as_reference(model, _int16_sweep(0 if op == "RSQRT" else -32768))


@pytest.mark.parametrize("op,log2_scale", [("LOGISTIC", -12), ("TANH", -12), ("TANH", -11)])
def test_int16_power_of_two_input_scale(op, log2_scale):
    # TFLite's LOGISTIC/TANH take a shortcut for power-of-two input scales.
    def pot_input(m, s):
        t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]]
        t.quantization.scale = [2.0 ** log2_scale]
    model = _edit(_model(op, "int16x8", shape=(4, 1024)), pot_input)
    assert tt.op_names(model) == [op]
    tt.assert_same_as_reference(model, _int16_sweep())


def _typed_model(fn_name, dtype):
    tf = tt.tf()
    f = {"abs": tf.abs, "neg": tf.negative, "not": tf.logical_not, "square": tf.square}[fn_name]
    return tt.convert_function(lambda x: f(x), [((3, 5), dtype)])


@pytest.mark.parametrize("fn,op,dtype", [("abs", "ABS", np.int32), ("neg", "NEG", np.int32),
                                         ("neg", "NEG", np.int64),
                                         ("not", "LOGICAL_NOT", np.bool_)])
def test_integer_and_bool(fn, op, dtype):
    model = tt.cached(_typed_model, fn, np.dtype(dtype).name)
    assert tt.op_names(model) == [op]
    if op == "ABS":  # int32 ABS is version 5
        _assert_same_as_builtin(model)
    else:
        tt.assert_same_as_reference(model)


# ---------------------------------------------------------------- GELU

def _gelu_model(approximate, quant, low, high, shape):
    tf = tt.tf()
    return tt.convert_function(lambda x: tf.nn.gelu(x, approximate=approximate),
                               [(shape, np.float32)], quant=quant, low=low, high=high)


# Symmetric, mostly negative (the output saturates inside the int16 table
# for x > 3) and narrow calibration ranges.
GELU_RANGES = [(-4.0, 4.0), (-10.0, 3.0), (-0.5, 0.5)]
GELU_SHAPES = {"float": (2, 128), "int8": (2, 128), "int16x8": (4, 1024)}


@pytest.mark.parametrize("approximate", [False, True], ids=["erf", "tanh"])
@pytest.mark.parametrize("low,high", GELU_RANGES)
@pytest.mark.parametrize("quant", ["float", "int8", "int16x8"])
def test_gelu(quant, low, high, approximate):
    model = tt.cached(_gelu_model, approximate, quant, low, high, GELU_SHAPES[quant])
    assert tt.op_names(model) == ["GELU"]
    if quant == "int8":
        tt.assert_same_as_reference(model, _all_int8(model))
    elif quant == "int16x8":
        tt.assert_same_as_reference(model, _int16_sweep())
    else:
        # Inputs past the range, where the erfc form avoids cancellation.
        tt.assert_same_as_reference(model, low=1.5 * low, high=1.5 * high)


@pytest.mark.parametrize("approximate", [False, True], ids=["erf", "tanh"])
@pytest.mark.parametrize("shape", [(7,), (1, 3, 5, 7)])
def test_gelu_float_shapes(shape, approximate):
    model = tt.cached(_gelu_model, approximate, "float", -5.0, 5.0, shape)
    assert tt.op_names(model) == ["GELU"]
    tt.assert_same_as_reference(model, low=-5.0, high=5.0)


def test_gelu_option_is_read():
    # The same tanh model with GeluOptions.approximate cleared, and with the
    # options table removed (approximate then defaults to false, as in
    # TFLite): both must switch to the erf form.
    def clear(m, s):
        m.subgraphs[0].operators[0].builtinOptions.approximate = False

    def strip(m, s):
        op = m.subgraphs[0].operators[0]
        op.builtinOptionsType = 0
        op.builtinOptions = None
    base = tt.cached(_gelu_model, True, "int16x8", -4.0, 4.0, (4, 1024))
    x = _int16_sweep()
    _, tanh = tt.assert_same_as_reference(base, x)
    for edit in (clear, strip):
        _, erf = tt.assert_same_as_reference(_edit(base, edit), x)
        assert not np.array_equal(erf[0], tanh[0])


# ---------------------------------------------------------------- softmax

def _softmax_model(kind, quant, shape):
    tf = tt.tf()
    f = tf.nn.softmax if kind == "softmax" else tf.nn.log_softmax
    return tt.convert_function(f, [(shape, np.float32)], quant=quant, low=-6.0, high=6.0)


def _edit(model, edit):
    """Re-serializes `model` after edit(ModelT) (the converter folds a beta
    into a MUL and never emits int8 -> int16 softmax, so those cases are
    made by editing a converted model)."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as s
    m = s.ModelT.InitFromObj(s.Model.GetRootAsModel(model, 0))
    edit(m, s)
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _set_beta(model, beta):
    def edit(m, s):
        m.subgraphs[0].operators[0].builtinOptions.beta = beta
    return _edit(model, edit)


SOFTMAX_CASES = [("softmax", (4, 10), 1.0), ("softmax", (2, 3, 64), 1.0),
                 ("softmax", (3, 7), 0.5), ("softmax", (3, 7), 2.5),
                 ("log_softmax", (4, 10), 1.0),
                 ("log_softmax", (2, 3, 33), 1.0)]


# TFLite has no int16 LOG_SOFTMAX, so that combination is not a case.
@pytest.mark.parametrize("kind,shape,beta,quant", [
    case + (quant,) for case in SOFTMAX_CASES for quant in ("float", "int8", "int16x8")
    if not (case[0] == "log_softmax" and quant == "int16x8")])
def test_softmax(kind, shape, beta, quant):
    op = "SOFTMAX" if kind == "softmax" else "LOG_SOFTMAX"
    model = tt.cached(_softmax_model, kind, quant, shape)
    if beta != 1.0:
        model = _set_beta(model, beta)
    assert tt.op_names(model) == [op]
    tt.assert_same_as_reference(model, low=-6.0, high=6.0)
    # Large spreads push most exponentials under the int8 cutoff.
    tt.assert_same_as_reference(model, seed=1, low=-30.0, high=30.0)


def test_softmax_int8_to_int16():
    def to_int16(m, s):
        out = m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]]
        out.type = s.TensorType.INT16
        out.quantization.scale = [1.0 / 32768]
        out.quantization.zeroPoint = [-32768]
    model = _edit(tt.cached(_softmax_model, "softmax", "int8", (4, 10)), to_int16)
    assert tt.op_names(model) == ["SOFTMAX"]
    tt.assert_same_as_reference(model, low=-6.0, high=6.0)


# ---------------------------------------------------------------- l2 norm, prelu

def _l2norm_model(quant, shape):
    tf = tt.tf()
    return tt.convert_function(lambda x: tf.math.l2_normalize(x, -1), [(shape, np.float32)],
                               quant=quant, low=-3.0, high=3.0)


@pytest.mark.parametrize("quant", ["float", "int8"])
@pytest.mark.parametrize("shape", [(4, 16), (2, 3, 5)])
def test_l2_normalization(quant, shape):
    model = tt.cached(_l2norm_model, quant, shape)
    assert tt.op_names(model) == ["L2_NORMALIZATION"]
    tt.assert_same_as_reference(model, low=-3.0, high=3.0)


def _prelu_model(quant, shared_axes):
    tf = tt.tf()
    tf.keras.utils.set_random_seed(3)
    inp = tf.keras.Input((4, 5, 3), batch_size=2)
    layer = tf.keras.layers.PReLU(shared_axes=shared_axes,
                                  alpha_initializer=tf.keras.initializers.RandomUniform(-0.5, 0.9))
    model = tf.keras.Model(inp, layer(inp))
    return tt.convert_keras(model, quant=quant, low=-2.0, high=2.0)


@pytest.mark.parametrize("quant", ["float", "int8"])
@pytest.mark.parametrize("shared_axes", [[1, 2], None])
def test_prelu(quant, shared_axes):
    model = tt.cached(_prelu_model, quant, shared_axes)
    assert "PRELU" in tt.op_names(model)
    tt.assert_same_as_reference(model, low=-2.0, high=2.0)


# ---------------------------------------------------------------- errors

def test_unsupported_dtype_is_a_clear_error():
    # int32 SQUARE (the converter emits MUL for it, so retarget a NEG model).
    model = _retarget(tt.cached(_typed_model, "neg", "int32"), "SQUARE")
    with pytest.raises((RuntimeError, ValueError), match="SQUARE.*int32"):
        tt.run_ours(model, [np.ones((3, 5), np.int32)])


def test_rsqrt_rejects_negative_inputs():
    model = _model("RSQRT", "int16x8", shape=(4, 1024))
    x = np.ones((4, 1024), np.int16)
    x[1, 7] = -1
    with pytest.raises((RuntimeError, ValueError), match="RSQRT"):
        tt.run_ours(model, [x])
