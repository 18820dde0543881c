"""UNIDIRECTIONAL_SEQUENCE_LSTM against TFLite's reference kernels.

Models come from Keras LSTM layers (tf_keras: Keras 3's LSTM converts to a
WHILE loop instead of the fused op). TF 2.21's converter turns them into a
float32 op (version 1), with a representative dataset into the full-integer
op (version 1: int8 activations and weights, int16 cell state, 5 quantization
intermediates), and with dynamic-range quantization into the hybrid op
(version 3: float activations, int8 weights). Variants Keras cannot express
(CIFG, peephole, projection, layer norm, clipping) are made by editing the
converted flatbuffer. int8 outputs must be bit-exact, float ones within 1e-5.

The integer op follows TFLite for the cell-state scales TFLite's kernel
computes (powers of two 2^-15 .. 2^-9) and upstream TFLM for the others
(TFLite's reference takes any power of two but computes tanh(c) for those
only, leaving it unwritten for the others). Those are checked against
_tflm_lstm, a numpy model of upstream TFLM's integer arithmetic.
"""
import numpy as np
import pytest

import tflm_testing as tt

OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"
FLOAT_TOL = dict(rtol=1e-5, atol=1e-5)


def _keras_lstm(quant, batch=1, time_major=False, return_sequences=True,
                dense=False, units=16, seed=0):
    import tf_keras as keras
    keras.utils.set_random_seed(seed)
    if time_major:
        inp = keras.Input(shape=(batch, 8), batch_size=20)
    else:
        inp = keras.Input(shape=(20, 8), batch_size=batch)
    # A non-zero bias makes the bias paths matter.
    out = keras.layers.LSTM(units, return_sequences=return_sequences,
                            time_major=time_major,
                            bias_initializer="random_normal")(inp)
    if dense:
        out = keras.layers.Dense(4)(out)
    return tt.convert_keras(keras.Model(inp, out), quant)


def _check(model, quant, **kw):
    assert OP in tt.op_names(model)
    if quant in ("float", "hybrid"):
        tt.assert_same_as_reference(model, **FLOAT_TOL, **kw)
    else:
        tt.assert_same_as_reference(model, **kw)


@pytest.mark.parametrize("quant", ["float", "int8"])
@pytest.mark.parametrize("batch,time_major", [(1, False), (3, False), (2, True)])
def test_keras_lstm_matches_reference(quant, batch, time_major):
    model = tt.cached(_keras_lstm, quant, batch=batch, time_major=time_major)
    _check(model, quant, low=-2.0, high=2.0)


@pytest.mark.parametrize("quant", ["float", "int8"])
def test_state_carries_over_invokes_and_reset_clears_it(quant):
    from tflite_micro import runtime
    model = tt.cached(_keras_lstm, quant)
    x = tt.model_inputs(model, seed=1)[0]
    ref = tt.reference_interpreter(model)
    ours = runtime.Interpreter.from_bytes(model)

    def run_both(x):
        ref.set_tensor(ref.get_input_details()[0]["index"], x)
        ref.invoke()
        ours.set_input(x, 0)
        ours.invoke()
        return ref.get_tensor(ref.get_output_details()[0]["index"]), ours.get_output(0)

    first = run_both(x)
    second = run_both(x)    # same input, continuing from the first call's state
    ref.reset_all_variables()
    ours.reset()
    again = run_both(x)     # a fresh start: same as the first call
    for want, got in (first, second, again):
        if quant == "float":
            np.testing.assert_allclose(got, want, **FLOAT_TOL)
        else:
            np.testing.assert_array_equal(got, want)
    assert not np.array_equal(first[1], second[1])
    np.testing.assert_array_equal(again[1], first[1])


@pytest.mark.parametrize("quant", ["float", "int8"])
def test_last_output_then_dense(quant):
    """LSTM(return_sequences=False) -> Dense: the converter adds
    STRIDED_SLICE and FULLY_CONNECTED, kernels of other families."""
    model = tt.cached(_keras_lstm, quant, return_sequences=False, dense=True)
    _check(model, quant)


def _lstm_variant(quant, variant):
    """The Keras LSTM edited into the variants Keras cannot express: CIFG
    (no input gate), peephole, projection (+ bias, clip), layer norm, cell
    clip. Returns the model bytes."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as S
    base = tt.cached(_hybrid_lstm) if quant == "hybrid" else tt.cached(_keras_lstm, quant)
    m = S.ModelT.InitFromObj(S.Model.GetRootAsModel(base, 0))
    g = m.subgraphs[0]
    op = next(o for o in g.operators
              if max(m.operatorCodes[o.opcodeIndex].builtinCode,
                     m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode) == 44)
    rng = np.random.default_rng(7)
    n = g.tensors[op.inputs[4]].shape[0]  # units (== output size: projection keeps shapes)
    integer = quant == "int8"
    hybrid = quant == "hybrid"

    def add(values, ttype, scale=None):
        buf = S.BufferT()
        buf.data = np.frombuffer(values.tobytes(), np.uint8)
        m.buffers.append(buf)
        t = S.TensorT()
        t.shape = np.array(values.shape, np.int32)
        t.type, t.buffer, t.name = ttype, len(m.buffers) - 1, b"added%d" % len(g.tensors)
        if scale is not None:
            t.quantization = S.QuantizationParametersT()
            t.quantization.scale, t.quantization.zeroPoint = [scale], [0]
        g.tensors.append(t)
        return len(g.tensors) - 1

    def vector(lo, hi, scale):  # float32, or int16 with `scale`
        if integer:
            return add(rng.integers(lo, hi, n).astype(np.int16), S.TensorType.INT16, scale)
        return add(rng.uniform(lo * scale, hi * scale, n).astype(np.float32),
                   S.TensorType.FLOAT32)

    inputs = list(op.inputs) + [-1] * (24 - len(op.inputs))
    cifg = "cifg" in variant
    if cifg:
        inputs[1] = inputs[5] = inputs[12] = -1
    if "peephole" in variant:
        for k in ([10, 11] if cifg else [9, 10, 11]):
            if hybrid:
                inputs[k] = add(rng.integers(-127, 128, n).astype(np.int8),
                                S.TensorType.INT8, 0.003)
            else:
                inputs[k] = vector(-3000, 3000, 2.0 ** -13)
    if "projection" in variant:
        if hybrid:
            inputs[16] = add(rng.integers(-127, 128, (n, n)).astype(np.int8),
                             S.TensorType.INT8, 0.004)
            inputs[17] = add(rng.uniform(-0.1, 0.1, n).astype(np.float32),
                             S.TensorType.FLOAT32)
        elif integer:
            inputs[16] = add(rng.integers(-127, 128, (n, n)).astype(np.int8),
                             S.TensorType.INT8, 0.01)
            inputs[17] = add(rng.integers(-300, 300, n).astype(np.int32), S.TensorType.INT32)
        else:
            inputs[16] = add(rng.uniform(-0.5, 0.5, (n, n)).astype(np.float32),
                             S.TensorType.FLOAT32)
            inputs[17] = add(rng.uniform(-0.1, 0.1, n).astype(np.float32),
                             S.TensorType.FLOAT32)
        op.builtinOptions.projClip = 0.25
    if "layer_norm" in variant:
        for k in range(21 if cifg else 20, 24):
            inputs[k] = vector(1000, 3000, 2.0 ** -11)
        if integer:  # the gate scales the layer norm works in
            for i in op.intermediates[:4]:
                t = g.tensors[i]
                t.quantization = S.QuantizationParametersT()
                t.quantization.scale, t.quantization.zeroPoint = [2.0 ** -10], [0]
    if "clip" in variant:
        op.builtinOptions.cellClip = 0.5
    if "coarse_cell" in variant:  # cell state scale 2^-8: outside 2^-15..2^-9
        g.tensors[inputs[19]].quantization.scale = [2.0 ** -8]
    if "cell_scale=" in variant:  # cell state scale 2^k
        k = int(variant.split("cell_scale=")[1].split("+")[0])
        g.tensors[inputs[19]].quantization.scale = [2.0 ** k]
    if "diagonal" in variant:
        op.builtinOptions.diagonalRecurrentTensors = True
    op.inputs = np.array(inputs, np.int32)
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


VARIANTS = ["cifg", "peephole+clip", "projection", "layer_norm",
            "cifg+peephole+projection+layer_norm+clip"]


@pytest.mark.parametrize("quant", ["float", "int8", "hybrid"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_lstm_variants_match_reference(quant, variant):
    model = _lstm_variant(quant, variant)  # cheap edit of a cached model
    _check(model, quant, low=-2.0, high=2.0)


@pytest.mark.parametrize("quant,variant,message", [
    ("int8", "cell_scale=-31", r"cell_state scale 2\^-31 is not supported "
                               r"\(2\^-30 \.\. 2\^2\)"),
    ("int8", "cell_scale=3", r"cell_state scale 2\^3 is not supported"),
    ("int8", "cifg+cell_scale=-16", r"outside what TFLite's integer LSTM computes .*"
                                    r"upstream TFLM's supports no CIFG"),
    ("int8", "projection+coarse_cell", r"cell_state scale 2\^-8 is outside"),
    ("float", "diagonal", r"diagonal recurrent weights .* not supported"),
])
def test_unsupported_variants_are_clear_errors(quant, variant, message):
    from tflite_micro import runtime
    with pytest.raises((RuntimeError, ValueError), match="%s.*%s" % (OP, message)):
        runtime.Interpreter.from_bytes(_lstm_variant(quant, variant))


def _hybrid_lstm(asymmetric=True, time_major=False):
    """Dynamic-range quantization (no representative dataset): float
    activations, int8 weights, op version 3 (asymmetric_quantize_inputs).
    The converter quantizes weights of at least 1024 elements only, hence
    64 units. Version 2 (symmetric) is the same model with the option off."""
    import flatbuffers
    import tf_keras as keras
    from tensorflow.lite.python import schema_py_generated as S
    T = tt.tf()
    keras.utils.set_random_seed(0)
    if time_major:
        inp = keras.Input(shape=(2, 32), batch_size=6)
    else:
        inp = keras.Input(shape=(6, 32), batch_size=2)
    lstm = keras.layers.LSTM(64, return_sequences=True, time_major=time_major,
                             bias_initializer="random_normal")
    conv = T.lite.TFLiteConverter.from_keras_model(keras.Model(inp, lstm(inp)))
    conv.optimizations = [T.lite.Optimize.DEFAULT]
    model = conv.convert()
    if asymmetric:
        return model
    m = S.ModelT.InitFromObj(S.Model.GetRootAsModel(model, 0))
    for op in m.subgraphs[0].operators:
        if isinstance(op.builtinOptions, S.UnidirectionalSequenceLSTMOptionsT):
            op.builtinOptions.asymmetricQuantizeInputs = False
            m.operatorCodes[op.opcodeIndex].version = 2
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@pytest.mark.parametrize("asymmetric,time_major", [(True, False), (False, False),
                                                   (True, True)])
def test_hybrid_lstm_matches_reference(asymmetric, time_major):
    model = tt.cached(_hybrid_lstm, asymmetric, time_major)
    _check(model, "float", low=-2.0, high=2.0)


# ------------------------------------------------ cell scales only TFLM computes

def _stacked_lstm(second_weights=1.0):
    """LSTM(return_sequences) -> LSTM -> Dense, batch 1, 10 steps of 8
    features, as a Keras user writes it. Calibrated on inputs in [-1, 1] the
    first layer's cell state gets scale 2^-15 and the second's 2^-16; with
    the second layer's weights halved, 2^-17 (asserted by the tests)."""
    import tf_keras as keras
    keras.utils.set_random_seed(0)
    inp = keras.Input(shape=(10, 8), batch_size=1)
    first = keras.layers.LSTM(16, return_sequences=True, bias_initializer="random_normal")
    second = keras.layers.LSTM(16, bias_initializer="random_normal")
    out = keras.layers.Dense(4)(second(first(inp)))
    model = keras.Model(inp, out)
    second.set_weights([w * second_weights for w in second.get_weights()])
    return tt.convert_keras(model, "int8")


def _schema_model(model):
    from tensorflow.lite.python import schema_py_generated as S
    return S.ModelT.InitFromObj(S.Model.GetRootAsModel(model, 0))


def _lstm_ops(m):
    """The UNIDIRECTIONAL_SEQUENCE_LSTM operators of subgraph 0 (schema
    objects), in order."""
    return [o for o in m.subgraphs[0].operators
            if max(m.operatorCodes[o.opcodeIndex].builtinCode,
                   m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode) == 44]


def _cell_scale_log2(m, op):
    scale = m.subgraphs[0].tensors[op.inputs[19]].quantization.scale[0]
    k = int(np.round(np.log2(scale)))
    assert scale == 2.0 ** k, scale
    return k


def _with_cell_scale(model, scale, cell_clip=None):
    """`model` with every LSTM's cell state scale set to `scale` (and a cell
    clip): a scale the calibration did not choose, so the cell state may
    saturate, which the arithmetic must get right too."""
    import flatbuffers
    m = _schema_model(model)
    for op in _lstm_ops(m):
        m.subgraphs[0].tensors[op.inputs[19]].quantization.scale = [scale]
        if cell_clip is not None:
            op.builtinOptions.cellClip = cell_clip
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


_INT16_TABLES = {}


def _int16_activation_table(op, input_scale):
    """out[x + 32768] for every int16 x of TFLite's reference int16 TANH or
    LOGISTIC (output scale 2^-15) at `input_scale`: the table-interpolating
    functions upstream TFLM's integer LSTM calls (reference_integer_ops::Tanh
    and ::Logistic). TFLM activates the Q3.12 gates with them at 2^-12, and
    rescales the cell state 2^k to that input, c * (3 << (12 + k)), or below
    2^-12 (c * 3 + 2^(-13 - k)) >> -(12 + k): exactly what the TANH op does
    at input scale 2^k."""
    key = (op, input_scale)
    if key in _INT16_TABLES:
        return _INT16_TABLES[key]
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as S
    m = S.ModelT()
    m.version = 3
    code = S.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = getattr(S.BuiltinOperator, op)
    m.operatorCodes = [code]
    m.buffers = [S.BufferT()]
    g = S.SubGraphT()
    for name, scale in ((b"x", input_scale), (b"y", 2.0 ** -15)):
        t = S.TensorT()
        t.shape, t.type, t.buffer, t.name = np.array([65536], np.int32), S.TensorType.INT16, 0, name
        t.quantization = S.QuantizationParametersT()
        t.quantization.scale, t.quantization.zeroPoint = [scale], [0]
        g.tensors = (g.tensors or []) + [t]
    o = S.OperatorT()
    o.opcodeIndex, o.inputs, o.outputs = 0, np.array([0], np.int32), np.array([1], np.int32)
    g.operators, g.inputs, g.outputs = [o], np.array([0], np.int32), np.array([1], np.int32)
    m.subgraphs = [g]
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    x = np.arange(-32768, 32768, dtype=np.int16)
    table = tt.run_reference(bytes(b.Output()), [x])[0].astype(np.int64)
    _INT16_TABLES[key] = table
    return table


def _quantize_multiplier(real):
    """TFLite's QuantizeMultiplier: real = multiplier * 2^(shift - 31)."""
    import math
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    fixed = int(math.floor(q * 2.0 ** 31 + 0.5))  # std::round, q > 0
    if fixed == 2 ** 31:
        fixed, shift = fixed // 2, shift + 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def _multiply_by_quantized_multiplier(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier (two roundings, gemmlowp's), elementwise
    on int64 arrays holding int32 values."""
    x = np.asarray(x, np.int64) * (1 << max(shift, 0))
    ab = x * multiplier
    nudged = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    high = np.where(nudged >= 0, nudged >> 31, -((-nudged) >> 31))  # C's truncation
    right = max(-shift, 0)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + ((high & mask) > threshold)


def _tflm_lstm(model, op_index, x):
    """Upstream TFLM's integer UNIDIRECTIONAL_SEQUENCE_LSTM (kernels/
    lstm_eval.h LstmStep, lstm_eval_common.cc) on int8 input `x`, from fresh
    state (h at its zero point, c = 0). Per step and row:
      gate = act(sat16(sat16(FC(x) + bias) + sat16(FC(h))))   FCs rescaled
          by float32(s_x * s_w) / 2^-12, act = int16 LOGISTIC (TANH for the
          cell gate) of Q3.12
      c = sat16(sat16(f * c * 2^-15) + sat16(i * g * 2^-30 / s_c)), clipped
      h = sat8(o * tanh(c) * 2^-30 / s_h + zp_h),   tanh = int16 TANH at s_c
    each product rescaled with MultiplyByQuantizedMultiplier by a multiplier
    from double scales; tanh reads s_c rounded to a power of two. Returns the
    op's output."""
    m = _schema_model(model)
    g = m.subgraphs[0]
    op = _lstm_ops(m)[op_index]
    t = [g.tensors[i] if i >= 0 else None for i in op.inputs]

    def data(k, dtype):
        buf = m.buffers[t[k].buffer].data
        return np.frombuffer(bytes(buf), dtype).reshape(t[k].shape).astype(np.int64)

    def scale(k):
        return np.float32(t[k].quantization.scale[0])

    def sat(v, dtype):
        info = np.iinfo(dtype)
        return np.clip(v, info.min, info.max)

    x_scale, x_zp = scale(0), t[0].quantization.zeroPoint[0]
    h_scale, h_zp = scale(18), t[18].quantization.zeroPoint[0]
    c_scale = scale(19)
    k = int(np.round(np.log2(c_scale)))
    opts = op.builtinOptions
    sigmoid = _int16_activation_table("LOGISTIC", 2.0 ** -12)
    tanh_gate = _int16_activation_table("TANH", 2.0 ** -12)
    tanh_cell = _int16_activation_table("TANH", 2.0 ** k)
    gates = []
    for gate in range(4):  # input, forget, cell, output
        w_x, w_h, bias = data(1 + gate, np.int8), data(5 + gate, np.int8), data(12 + gate, np.int32)
        fc_x = _quantize_multiplier(float(x_scale * scale(1 + gate)) / 2.0 ** -12)
        fc_h = _quantize_multiplier(float(h_scale * scale(5 + gate)) / 2.0 ** -12)
        gates.append((w_x, bias, fc_x, w_h, fc_h, tanh_gate if gate == 2 else sigmoid))
    q15 = 2.0 ** -15
    forget_cell = _quantize_multiplier(q15 * float(c_scale) / float(c_scale))
    input_cell = _quantize_multiplier(q15 * q15 / float(c_scale))
    hidden = _quantize_multiplier(q15 * q15 / float(h_scale))
    clip = int(np.clip(float(opts.cellClip) / float(c_scale), -32768, 32767))

    rows = np.swapaxes(x, 0, 1) if opts.timeMajor else x  # [batch, time, in]
    out = np.zeros(rows.shape[:2] + (t[18].shape[-1],), np.int64)
    for b, sequence in enumerate(rows.astype(np.int64)):
        h = np.full(out.shape[2], h_zp, np.int64)
        c = np.zeros(out.shape[2], np.int64)
        for step, xt in enumerate(sequence):
            act = []
            for w_x, bias, fc_x, w_h, fc_h, table in gates:
                mbqm = _multiply_by_quantized_multiplier
                gx = sat(mbqm(w_x @ (xt - x_zp) + bias, *fc_x), np.int16)
                gh = sat(mbqm(w_h @ (h - h_zp), *fc_h), np.int16)
                act.append(table[sat(gx + gh, np.int16) + 32768])
            i, f, cg, o = act
            kept = sat(_multiply_by_quantized_multiplier(f * c, *forget_cell), np.int16)
            added = sat(_multiply_by_quantized_multiplier(i * cg, *input_cell), np.int16)
            c = sat(kept + added, np.int16)
            if opts.cellClip > 0:
                c = np.clip(c, -clip, clip)
            h = sat(_multiply_by_quantized_multiplier(o * tanh_cell[c + 32768], *hidden) + h_zp,
                    np.int8)
            out[b, step] = h
    out = np.swapaxes(out, 0, 1) if opts.timeMajor else out
    return out.astype(np.int8)


@pytest.mark.parametrize("second_weights,scales", [(1.0, [-15, -16]), (0.5, [-15, -17])])
def test_stacked_keras_lstm_with_fine_cell_scales(second_weights, scales):
    """A Keras two-layer LSTM whose second layer calibrates to a cell scale
    below 2^-15: the first layer bit-exact with TFLite's reference, the
    second with upstream TFLM's arithmetic (on the first layer's output)."""
    from tflite_micro import runtime
    T = tt.tf()
    model = tt.cached(_stacked_lstm, second_weights)
    m = _schema_model(model)
    ops = _lstm_ops(m)
    assert [_cell_scale_log2(m, op) for op in ops] == scales
    x = tt.model_inputs(model, seed=1)
    ours = runtime.Interpreter.from_bytes(
        model, interpreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    ours.set_input(x[0], 0)
    ours.invoke()
    ref = T.lite.Interpreter(
        model_content=model, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=T.lite.experimental.OpResolverType.BUILTIN_REF)
    ref.allocate_tensors()
    ref.set_tensor(ref.get_input_details()[0]["index"], x[0])
    ref.invoke()
    first, second = ops
    np.testing.assert_array_equal(ours.GetTensor(first.outputs[0]),
                                  ref.get_tensor(first.outputs[0]))
    second_input = ours.GetTensor(second.inputs[0])
    np.testing.assert_array_equal(second_input, ref.get_tensor(second.inputs[0]))
    got = ours.GetTensor(second.outputs[0])
    np.testing.assert_array_equal(got, _tflm_lstm(model, 1, second_input).reshape(got.shape))


# 3e-5 is not a power of two (TFLite's kernel requires one: TF 2.21's outputs
# zeros; TFLM reads it as 2^-15 in tanh, and as it is in the multiplications).
@pytest.mark.parametrize("scale,clip", [(2.0 ** -8, None), (2.0 ** -8, 1.0), (2.0 ** -16, 0.25),
                                        (2.0 ** -20, None), (2.0 ** -30, None), (4.0, None),
                                        (3e-5, None)])
@pytest.mark.parametrize("batch,time_major", [(1, False), (3, False), (2, True)])
def test_cell_scales_outside_tflites_follow_upstream_tflm(scale, clip, batch, time_major):
    model = _with_cell_scale(
        tt.cached(_keras_lstm, "int8", batch=batch, time_major=time_major), scale, clip)
    from tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model)
    for seed in range(2):  # the state carries over into the second invoke
        x = tt.model_inputs(model, seed=seed, low=-2.0, high=2.0)[0]
        it.set_input(x, 0)
        it.invoke()
    want = _tflm_lstm(model, 0, np.concatenate(
        [tt.model_inputs(model, seed=s, low=-2.0, high=2.0)[0] for s in range(2)],
        axis=0 if time_major else 1))
    want = want[x.shape[0]:] if time_major else want[:, x.shape[1]:]
    np.testing.assert_array_equal(it.get_output(0), want)
