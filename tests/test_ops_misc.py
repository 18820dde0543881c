"""CAST, QUANTIZE, DEQUANTIZE, RESIZE_*, SPACE_TO_DEPTH, DEPTH_TO_SPACE,
SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, ONE_HOT and RANGE against TFLite's
reference kernels: integer outputs bit-exact, float32 within the kit's
default tolerance.

Most models come from TensorFlow's converter. A few come from a small
single-op builder (TFLite's schema object API), for cases the converter never
emits on its own: requantization, per-channel QUANTIZE/DEQUANTIZE and RANGE
with constant operands (which the converter folds away)."""
import numpy as np
import pytest

import tflm_testing as tt


def _convert(fn, specs, quant, low=-1.0, high=1.0, keep_float_io=False):
    return tt.convert_function(fn, specs, quant=quant, low=low, high=high,
                               keep_float_io=keep_float_io)


# ---------------------------------------------------------------- single-op models

def _schema():
    from tensorflow.lite.python import schema_py_generated as schema
    return schema


_TYPES = {"float32": 0, "float16": 1, "int32": 2, "uint8": 3, "int64": 4, "int16": 7, "int8": 9}


class _AlignedBuffer:
    """A Buffer whose data starts 16-byte aligned, as the converter writes
    them (the object API's own Buffer packs data unaligned)."""
    data = None

    def Pack(self, builder):
        s = _schema()
        builder.StartVector(1, len(self.data), 16)
        builder.head -= len(self.data)
        builder.Bytes[builder.head:builder.head + len(self.data)] = self.data
        vector = builder.EndVector(len(self.data))
        s.BufferStart(builder)
        s.BufferAddData(builder, vector)
        return s.BufferEnd(builder)


def _single_op_model(op, version, tensors, inputs, outputs):
    """A model with one builtin op and no options. tensors: dicts with name,
    dtype, shape and optionally value (makes it a constant) and
    scale/zero_point/axis (quantization). inputs/outputs: the op's tensor
    positions; non-constant inputs become the model's inputs."""
    import flatbuffers
    s = _schema()
    model = s.ModelT()
    model.version = 3
    code = s.OperatorCodeT()
    code.builtinCode = getattr(s.BuiltinOperator, op)
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    code.version = version
    model.operatorCodes = [code]
    model.buffers = [s.BufferT()]
    graph = s.SubGraphT()
    graph.tensors = []
    for spec in tensors:
        t = s.TensorT()
        t.name = spec["name"].encode()
        t.type = _TYPES[spec["dtype"]]
        t.shape = list(spec["shape"])
        t.buffer = 0
        if "value" in spec:
            buf = _AlignedBuffer()
            buf.data = np.asarray(spec["value"], dtype=spec["dtype"]).tobytes()
            model.buffers.append(buf)
            t.buffer = len(model.buffers) - 1
        if "scale" in spec:
            q = s.QuantizationParametersT()
            q.scale = list(np.atleast_1d(spec["scale"]).astype(float))
            q.zeroPoint = list(np.atleast_1d(spec["zero_point"]).astype(int))
            q.quantizedDimension = spec.get("axis", 0)
            t.quantization = q
        graph.tensors.append(t)
    graph.inputs = [i for i, spec in enumerate(tensors)
                    if i in inputs and "value" not in spec]
    graph.outputs = list(outputs)
    operator = s.OperatorT()
    operator.opcodeIndex = 0
    operator.inputs = list(inputs)
    operator.outputs = list(outputs)
    graph.operators = [operator]
    model.subgraphs = [graph]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


# ---------------------------------------------------------------- CAST

def _cast_model(src, dst):
    tf = tt.tf()
    return _convert(lambda x: tf.cast(x, dst), [((3, 5), np.dtype(src))], "float")


CASTS = [("float32", "int32"), ("int32", "float32"), ("float32", "bool"),
         ("bool", "float32"), ("int8", "float32"), ("uint8", "int32"),
         ("int32", "int64"), ("int64", "int32"), ("int16", "float32"),
         ("float32", "float64"), ("float32", "float16")]


@pytest.mark.parametrize("src,dst", CASTS, ids=["%s-%s" % c for c in CASTS])
def test_cast(src, dst):
    model = tt.cached(_cast_model, src, dst)
    assert tt.op_names(model) == ["CAST"]
    x = tt.model_inputs(model, seed=1, low=-5.0, high=5.0)
    if src == "float32" and dst == "float16":
        x[0][0, :3] = [1e-6, 70000.0, -3.0e-8]  # subnormal, overflow, underflow
    tt.assert_same_as_reference(model, inputs=x)


# ---------------------------------------------------------------- QUANTIZE / DEQUANTIZE

def _float_io_model(quant):
    tf = tt.tf()
    # Calibrated on [-0.5, 2]: a non-zero int8 zero point.
    return _convert(lambda x: tf.image.resize(x, (5, 7), method="bilinear"),
                    [((1, 3, 4, 2), np.float32)], quant, low=-0.5, high=2.0,
                    keep_float_io=True)


@pytest.mark.parametrize("quant", ["int8", "int16x8"])
def test_quantize_dequantize_around_integer_model(quant):
    model = tt.cached(_float_io_model, quant)
    names = tt.op_names(model)
    assert names[0] == "QUANTIZE" and names[-1] == "DEQUANTIZE", names
    # Inputs reach past the calibrated range: QUANTIZE saturates.
    tt.assert_same_as_reference(model, low=-1.0, high=2.5)


def _requantize_model(src, dst, in_scale, in_zp, out_scale, out_zp):
    return _single_op_model("QUANTIZE", 2, [
        dict(name="x", dtype=src, shape=(2, 3, 40), scale=in_scale, zero_point=in_zp),
        dict(name="y", dtype=dst, shape=(2, 3, 40), scale=out_scale, zero_point=out_zp),
    ], inputs=[0], outputs=[1])


# Every requantization TF 2.21's QUANTIZE accepts: int8 -> int8/uint8,
# uint8 -> int8/uint8, int16 -> int8/int16/int32, int32 -> int8/int16
# (TFLite wants int16 zero points of 0). Scales above and below each other,
# zero points at and away from 0; the int8 -> uint8 and uint8 -> int8 cases
# with equal scales and zero points 128 apart take TFLite's xor shortcut.
REQUANTIZE = [("int8", "int8", 0.05, 3, 0.021, -7),
              ("int8", "int8", 0.01, -128, 0.05, 5),
              ("int8", "uint8", 0.02, 0, 0.03, 120),
              ("int8", "uint8", 0.02, -5, 0.02, 123),
              ("uint8", "int8", 0.1, 128, 0.1, 0),
              ("uint8", "int8", 0.013, 77, 0.04, -20),
              ("uint8", "uint8", 0.02, 100, 0.05, 30),
              ("uint8", "uint8", 0.05, 0, 0.02, 255),
              ("int16", "int8", 0.001, 0, 0.13, 2),
              ("int16", "int16", 0.0007, 0, 0.0003, 0),
              ("int16", "int16", 0.0002, 0, 0.0009, 0),
              ("int16", "int32", 0.0005, 0, 0.003, 5),
              ("int16", "int32", 0.001, 0, 0.0001, 0),
              ("int32", "int8", 1e-5, 0, 0.02, -3),
              ("int32", "int8", 3e-4, 7, 0.05, 4),
              ("int32", "int8", 2.0, 0, 0.05, 4),
              ("int32", "int16", 2e-6, -1000, 1e-4, 0),
              ("int32", "int16", 0.5, 0, 0.1, 0)]


def _requantize_inputs(src, dst, in_scale, in_zp, out_scale, out_zp, seed=3):
    """Values that cover the output range and somewhat beyond, plus the
    input type's extremes (saturation; int32 - zero point wraps as in
    TFLite)."""
    info = np.iinfo(src)
    out = np.iinfo(dst)
    reach = 1.5 * (float(out.max) - float(out.min)) * out_scale / in_scale
    lo = int(max(info.min, in_zp - reach))
    hi = int(min(info.max, in_zp + reach))
    x = np.random.default_rng(seed).integers(lo, hi + 1, size=(2, 3, 40), dtype=np.int64)
    x.flat[:4] = [info.min, info.max, info.min + 1, info.max - 1]
    return x.astype(src)


@pytest.mark.parametrize("case", REQUANTIZE, ids=["%s-%s-%d" % (c[0], c[1], i)
                                                  for i, c in enumerate(REQUANTIZE)])
def test_requantize(case):
    model = _requantize_model(*case)
    tt.assert_same_as_reference(model, inputs=[_requantize_inputs(*case)])


# Requantizations only upstream TFLM accepts. TFLite's arithmetic is the same
# for every pair, so the oracle is TFLite's int16 -> int16/int32 model fed the
# input minus its zero point.
TFLM_ONLY_REQUANTIZE = [("int8", "int16", 0.05, 3, 0.001, 0),
                        ("int8", "int16", 0.002, -128, 0.003, 0),
                        ("int8", "int32", 0.05, -7, 0.0003, 11),
                        ("int8", "int32", 0.3, 0, 0.7, 0)]


@pytest.mark.parametrize("case", TFLM_ONLY_REQUANTIZE,
                         ids=["%s-%s-%d" % (c[0], c[1], i)
                              for i, c in enumerate(TFLM_ONLY_REQUANTIZE)])
def test_requantize_tflm_only_pairs(case):
    src, dst, in_scale, in_zp, out_scale, out_zp = case
    x = _requantize_inputs(*case)
    oracle = _requantize_model("int16", dst, in_scale, 0, out_scale, out_zp)
    want = tt.run_reference(oracle, [(x.astype(np.int16) - in_zp).astype(np.int16)])[0]
    got = tt.run_ours(_requantize_model(*case), [x])[0]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def _quantize_model(dst, scale, zp):
    return _single_op_model("QUANTIZE", 2 if dst == "int16" else 1, [
        dict(name="x", dtype="float32", shape=(2, 3, 40)),
        dict(name="y", dtype=dst, shape=(2, 3, 40), scale=scale, zero_point=zp),
    ], inputs=[0], outputs=[1])


@pytest.mark.parametrize("dst,scale,zp", [("int8", 0.02, -9), ("uint8", 0.03, 131),
                                          ("int16", 0.0004, 0)])
def test_quantize_float(dst, scale, zp):
    model = _quantize_model(dst, scale, zp)
    info = np.iinfo(dst)
    reach = 1.3 * (float(info.max) - float(info.min)) * scale
    x = np.random.default_rng(6).uniform(-reach / 2, reach / 2, size=(2, 3, 40))
    x = x.astype(np.float32)
    # Ties (round half away from zero), -0, and values whose quotient leaves
    # int32: TFLite's conversion makes them (and NaN) INT32_MIN before adding
    # the zero point, which wraps for negative zero points.
    x.flat[:10] = [0.5 * scale, -2.5 * scale, 7.5 * scale, -0.0, 1e30, -1e30, 3e9 * scale,
                   np.inf, -np.inf, np.nan]
    tt.assert_same_as_reference(model, inputs=[x])


# Pairs neither TFLite nor TFLM quantizes between (float32 -> int4/uint4,
# which TFLite has, need sub-byte activation tensors this runtime lacks).
@pytest.mark.parametrize("src,dst", [("uint8", "int16"), ("int16", "uint8"),
                                     ("int32", "int32"), ("float32", "int32"),
                                     ("uint8", "int32")])
def test_unsupported_quantize_pair_is_a_clear_error(src, dst):
    tensors = [dict(name="x", dtype=src, shape=(4,)),
               dict(name="y", dtype=dst, shape=(4,), scale=0.5, zero_point=0)]
    if src != "float32":
        tensors[0].update(scale=0.25, zero_point=0)
    model = _single_op_model("QUANTIZE", 2, tensors, inputs=[0], outputs=[1])
    with pytest.raises((RuntimeError, ValueError), match="quantizing %s to %s" % (src, dst)):
        tt.run_ours(model, [np.zeros(4, dtype=src)])


def _per_channel_model(op, dtype):
    scales = [0.02, 0.05, 0.011, 0.3]
    zps = [0, 0, 0, 0] if dtype == "int16" else [0, -3, 7, 1]
    q = dict(scale=scales, zero_point=zps, axis=1)
    if op == "QUANTIZE":
        tensors = [dict(name="x", dtype="float32", shape=(3, 4, 5)),
                   dict(name="y", dtype=dtype, shape=(3, 4, 5), **q)]
        version = 3
    else:
        tensors = [dict(name="x", dtype=dtype, shape=(3, 4, 5), **q),
                   dict(name="y", dtype="float32", shape=(3, 4, 5))]
        version = 5
    return _single_op_model(op, version, tensors, inputs=[0], outputs=[1])


@pytest.mark.parametrize("op", ["QUANTIZE", "DEQUANTIZE"])
def test_per_channel(op):
    model = _per_channel_model(op, "int8")
    rng = np.random.default_rng(4)
    if op == "QUANTIZE":
        x = rng.uniform(-3, 3, size=(3, 4, 5)).astype(np.float32)
        x[0, 0, :3] = [0.01, -0.03, 100.0]  # ties round away from zero; saturation
    else:
        x = rng.integers(-128, 128, size=(3, 4, 5)).astype(np.int8)
    tt.assert_same_as_reference(model, inputs=[x], exact=True)


def test_dequantize_float16():
    model = _single_op_model("DEQUANTIZE", 3, [
        dict(name="x", dtype="float16", shape=(2, 8)),
        dict(name="y", dtype="float32", shape=(2, 8))], inputs=[0], outputs=[1])
    x = np.random.default_rng(5).normal(0, 100, size=(2, 8)).astype(np.float16)
    x[0, :4] = [np.inf, -0.0, 6e-8, 65504]  # inf, signed zero, subnormal, max
    tt.assert_same_as_reference(model, inputs=[x], exact=True)


# ---------------------------------------------------------------- RESIZE

def _resize_model(method, in_hw, out_hw, align_corners, half_pixel, quant):
    tf = tt.tf()
    op = (tf.compat.v1.image.resize_bilinear if method == "bilinear"
          else tf.compat.v1.image.resize_nearest_neighbor)

    def fn(x):
        return op(x, out_hw, align_corners=align_corners,
                  half_pixel_centers=half_pixel)
    return _convert(fn, [((2,) + in_hw + (3,), np.float32)], quant)


RESIZE_OPTIONS = [(False, False), (True, False), (False, True)]
RESIZE_SIZES = [((3, 4), (7, 9)), ((8, 6), (3, 4))]
RESIZE_CASES = ([(s, o, "int8") for s in RESIZE_SIZES for o in RESIZE_OPTIONS] +
                [(RESIZE_SIZES[0], o, "float") for o in RESIZE_OPTIONS] +
                [(RESIZE_SIZES[1], (False, True), "float"),
                 (RESIZE_SIZES[0], (False, True), "int16x8")])


def _resize_id(c):
    (i, o), (ac, hp), quant = c
    return "%dx%d-%dx%d%s%s-%s" % (*i, *o, "-align" if ac else "", "-half" if hp else "",
                                   quant)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("case", RESIZE_CASES, ids=[_resize_id(c) for c in RESIZE_CASES])
def test_resize(method, case):
    (in_hw, out_hw), (align, half), quant = case
    model = tt.cached(_resize_model, method, in_hw, out_hw, align, half, quant)
    want = "RESIZE_BILINEAR" if method == "bilinear" else "RESIZE_NEAREST_NEIGHBOR"
    assert want in tt.op_names(model)
    tt.assert_same_as_reference(model)


# ---------------------------------------------------------------- SPACE <-> DEPTH

def _space_depth_model(op, block, quant):
    tf = tt.tf()
    if op == "SPACE_TO_DEPTH":
        shape, fn = (2, 2 * block, 3 * block, 3), lambda x: tf.nn.space_to_depth(x, block)
    else:
        shape, fn = (2, 2, 3, 2 * block * block), lambda x: tf.nn.depth_to_space(x, block)
    return _convert(fn, [(shape, np.float32)], quant)


def _run_tflite_builtin(model, inputs):
    """TFLite with its default kernels: the reference resolver lacks int8
    DEPTH_TO_SPACE (version 2); for a pure copy both kernels agree."""
    it = tt.tf().lite.Interpreter(model_content=model)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


@pytest.mark.parametrize("quant", ["float", "int8"])
@pytest.mark.parametrize("block", [2, 3])
@pytest.mark.parametrize("op", ["SPACE_TO_DEPTH", "DEPTH_TO_SPACE"])
def test_space_depth(op, block, quant):
    model = tt.cached(_space_depth_model, op, block, quant)
    assert op in tt.op_names(model)
    if op == "DEPTH_TO_SPACE" and quant == "int8":
        x = [np.random.default_rng(0).integers(-128, 128, (2, 2, 3, 2 * block * block))
             .astype(np.int8)]
        np.testing.assert_array_equal(tt.run_ours(model, x)[0],
                                      _run_tflite_builtin(model, x)[0])
    else:
        tt.assert_same_as_reference(model)


# ---------------------------------------------------------------- SPACE <-> BATCH

def _space_batch_model(op, shape, block, pads, quant):
    tf = tt.tf()
    if op == "SPACE_TO_BATCH_ND":
        fn = lambda x: tf.space_to_batch_nd(x, block, pads)  # noqa: E731
    else:
        fn = lambda x: tf.batch_to_space(x, block, pads)  # noqa: E731
    # Inputs in [0, 1]: int8 zero point -128, so padding must use it.
    return _convert(fn, [(shape, np.float32)], quant, low=0.0, high=1.0)


SPACE_BATCH = [
    ("SPACE_TO_BATCH_ND", (1, 4, 6, 3), [2, 2], [[0, 0], [0, 0]]),
    ("SPACE_TO_BATCH_ND", (2, 5, 4, 2), [3, 2], [[1, 0], [1, 1]]),
    ("SPACE_TO_BATCH_ND", (2, 5, 3), [2], [[2, 1]]),
    ("BATCH_TO_SPACE_ND", (4, 3, 2, 3), [2, 2], [[0, 0], [0, 0]]),
    ("BATCH_TO_SPACE_ND", (12, 3, 4, 2), [3, 2], [[1, 2], [0, 1]]),
    ("BATCH_TO_SPACE_ND", (4, 4, 3), [2], [[1, 0]]),
]


@pytest.mark.parametrize("quant", ["float", "int8"])
@pytest.mark.parametrize("case", SPACE_BATCH, ids=lambda c: "%s-%s-b%s-p%s" % (
    c[0].split("_")[0].lower(), "x".join(map(str, c[1])), "x".join(map(str, c[2])),
    "".join(str(v) for p in c[3] for v in p)))
def test_space_batch(case, quant):
    model = tt.cached(_space_batch_model, *case, quant)
    assert case[0] in tt.op_names(model)
    tt.assert_same_as_reference(model, low=0.0, high=1.0)


# ---------------------------------------------------------------- ONE_HOT

def _one_hot_model(axis, dtype, index_dtype):
    tf = tt.tf()
    on, off = {"float32": (2.5, -1.0), "int32": (7, 3), "int8": (1, -2),
               "bool": (True, False)}[dtype]
    return _convert(lambda i: tf.one_hot(i, 5, on_value=on, off_value=off, axis=axis,
                                         dtype=tf.as_dtype(dtype)),
                    [((3, 4), np.dtype(index_dtype))], "float")


ONE_HOT = [(-1, "float32", "int32"), (0, "float32", "int32"), (1, "int32", "int64"),
           (-1, "int8", "int32"), (0, "bool", "int32")]


@pytest.mark.parametrize("case", ONE_HOT, ids=lambda c: "axis%d-%s-%s" % c)
def test_one_hot(case):
    model = tt.cached(_one_hot_model, *case)
    assert tt.op_names(model) == ["ONE_HOT"]
    # Indices in [-5, 5]: out-of-range ones give all-off rows.
    tt.assert_same_as_reference(model)


# ---------------------------------------------------------------- RANGE

def _range_model(dtype, start, limit, delta, constant=True):
    n = 4  # the output shape the model declares; prepare recomputes it
    spec = lambda name, v: dict(name=name, dtype=dtype, shape=(),  # noqa: E731
                                **({"value": v} if constant else {}))
    # Version 1 even for int64: TFLite registers RANGE at version 1 only.
    return _single_op_model("RANGE", 1, [
        spec("start", start), spec("limit", limit), spec("delta", delta),
        dict(name="out", dtype=dtype, shape=(n,))], inputs=[0, 1, 2], outputs=[3])


RANGES = [("int32", 2, 17, 3), ("int32", 10, -4, -4), ("int64", -3, 9, 5),
          ("float32", 0.5, 3.7, 0.3), ("float32", 1.0, -2.0, -0.7)]


@pytest.mark.parametrize("case", RANGES, ids=lambda c: "%s-%s-%s-%s" % c)
def test_range(case):
    model = _range_model(*case)
    want = tt.run_reference(model, [])
    got = tt.run_ours(model, [])
    assert got[0].dtype == want[0].dtype and got[0].shape == want[0].shape
    np.testing.assert_array_equal(got[0], want[0])


# ---------------------------------------------------------------- errors

def test_range_with_runtime_operands_is_a_clear_error():
    model = _range_model("int32", 0, 5, 1, constant=False)
    from tflite_micro import runtime
    with pytest.raises((RuntimeError, ValueError), match=r"RANGE.*start.*not constant"):
        it = runtime.Interpreter.from_bytes(model)
        it.invoke()


def _complex_cast_model():
    tf = tt.tf()
    return _convert(lambda x: tf.cast(x, tf.complex64), [((4,), np.float32)], "float")


def test_cast_to_unsupported_dtype_is_a_clear_error():
    model = tt.cached(_complex_cast_model)
    # (tt.op_names needs our interpreter, which rightly refuses this model.)
    ops = tt.reference_interpreter(model)._get_ops_details()
    assert [op["op_name"] for op in ops] == ["CAST"]
    from tflite_micro import runtime
    with pytest.raises((RuntimeError, ValueError),
                       match=r"CAST.*float32 to complex64 is not supported"):
        it = runtime.Interpreter.from_bytes(model)
        it.invoke()
