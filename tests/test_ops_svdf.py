"""SVDF (builtin 27) against TFLite's reference kernels.

TensorFlow's converter does not emit SVDF from Keras, so the models are
written with our flatbuffer writer: random weights from a fixed seed, the
activation state a variable tensor without data. Float32 (op version 1) and
full integer (version 3: int8 input, weights_feature and output, int16
weights_time and state, int32 bias). Several invokes in a row (the state
carries over), then reset() in our runtime and reset_all_variables() in
TFLite's. int8 outputs must be bit-exact, float ones within 1e-5.
"""
import numpy as np
import pytest

import tflm_testing as tt
from tflite_micro._flatbuffer_writer import Builder

FLOAT32, INT32, INT16, INT8 = 0, 2, 7, 9
SVDF_CODE = 27
SVDF_OPTIONS = 6  # BuiltinOptions.SVDFOptions
NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT = range(6)
FLOAT_TOL = dict(rtol=1e-5, atol=1e-5)

# Quantization of the integer models: input, weights_feature, state (int16),
# weights_time (int16), output.
IN_SCALE, IN_ZP = 1.0 / 64, -3
WF_SCALE = 0.01
STATE_SCALE = 1.0 / 2048
WT_SCALE = 0.5 / 32768
OUT_SCALE, OUT_ZP = 1.0 / 16, 5


def _svdf_model(dtype="float", rank=1, batch=1, n_input=10, n_unit=4, memory=5,
                bias=True, activation=NONE, seed=0, version=None):
    rng = np.random.default_rng(seed)
    n_filter = n_unit * rank
    if dtype == "float":
        wf = rng.uniform(-0.5, 0.5, (n_filter, n_input)).astype(np.float32)
        wt = rng.uniform(-0.5, 0.5, (n_filter, memory)).astype(np.float32)
        b = rng.uniform(-0.5, 0.5, (n_unit,)).astype(np.float32)
        tensors = [
            dict(name="input", shape=[batch, n_input], type=FLOAT32),
            dict(name="weights_feature", shape=list(wf.shape), type=FLOAT32, data=wf.tobytes()),
            dict(name="weights_time", shape=list(wt.shape), type=FLOAT32, data=wt.tobytes()),
            dict(name="bias", shape=[n_unit], type=FLOAT32, data=b.tobytes()),
            dict(name="activation_state", shape=[batch, memory * n_filter], type=FLOAT32,
                 is_variable=True),
            dict(name="output", shape=[batch, n_unit], type=FLOAT32),
        ]
        version = version or 1
    else:
        wf = rng.integers(-127, 128, (n_filter, n_input)).astype(np.int8)
        wt = rng.integers(-32767, 32768, (n_filter, memory)).astype(np.int16)
        b = rng.integers(-40000, 40000, (n_unit,)).astype(np.int32)
        tensors = [
            dict(name="input", shape=[batch, n_input], type=INT8, scale=[IN_SCALE],
                 zero_point=[IN_ZP]),
            dict(name="weights_feature", shape=list(wf.shape), type=INT8, data=wf.tobytes(),
                 scale=[WF_SCALE], zero_point=[0]),
            dict(name="weights_time", shape=list(wt.shape), type=INT16, data=wt.tobytes(),
                 scale=[WT_SCALE], zero_point=[0]),
            dict(name="bias", shape=[n_unit], type=INT32, data=b.tobytes(),
                 scale=[STATE_SCALE * WT_SCALE], zero_point=[0]),
            dict(name="activation_state", shape=[batch, memory * n_filter], type=INT16,
                 is_variable=True, scale=[STATE_SCALE], zero_point=[0]),
            dict(name="output", shape=[batch, n_unit], type=INT8, scale=[OUT_SCALE],
                 zero_point=[OUT_ZP]),
        ]
        version = version or 3
    op_inputs = [0, 1, 2, 3 if bias else -1, 4]
    options = {0: ("i", rank), 1: ("b", activation)}
    op = dict(opcode=SVDF_CODE, version=version, inputs=op_inputs, outputs=[5],
              options=(SVDF_OPTIONS, options))
    return Builder().model(tensors=tensors, inputs=[0], outputs=[5], operators=[op])


def _inputs(model, steps, seed=1, low=-1.0, high=1.0):
    return [tt.model_inputs(model, seed=seed + i, low=low, high=high)[0] for i in range(steps)]


def _run_sequences(model, xs, after_reset):
    """Outputs of TFLite's reference and ours for xs, then (after a reset)
    for after_reset."""
    ref = tt.reference_interpreter(model)
    rin = ref.get_input_details()[0]["index"]
    rout = ref.get_output_details()[0]["index"]
    from tflite_micro import runtime
    ours = runtime.Interpreter.from_bytes(model)
    want, got = [], []
    for phase, seq in enumerate((xs, after_reset)):
        if phase == 1:
            ref.reset_all_variables()
            ours.reset()
        for x in seq:
            ref.set_tensor(rin, x)
            ref.invoke()
            want.append(ref.get_tensor(rout).copy())
            ours.set_input(x, 0)
            ours.invoke()
            got.append(ours.get_output(0))
    return want, got


def _compare(want, got, exact):
    assert len(want) == len(got)
    for step, (w, g) in enumerate(zip(want, got)):
        assert w.shape == g.shape and w.dtype == g.dtype, step
        if exact:
            assert np.array_equal(w, g), (
                "invoke %d: %d of %d elements differ from TFLite, max |diff| %d"
                % (step, int(np.sum(w != g)), w.size,
                   int(np.abs(w.astype(np.int64) - g.astype(np.int64)).max())))
        else:
            np.testing.assert_allclose(g, w, err_msg="invoke %d" % step, **FLOAT_TOL)


def _check(model, exact, steps=7, low=-1.0, high=1.0):
    assert tt.op_names(model) == ["SVDF"]
    xs = _inputs(model, steps, low=low, high=high)
    # After the reset: the first inputs again, so a state that was not
    # cleared would show.
    want, got = _run_sequences(model, xs, xs[:3])
    _compare(want, got, exact)
    # The first invoke after reset equals the first invoke of all.
    assert np.array_equal(got[steps], got[0])
    return want, got


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
def test_float_matches_reference(rank, batch, bias):
    model = tt.cached(_svdf_model, "float", rank=rank, batch=batch, bias=bias, seed=rank * 10 + batch)
    _check(model, exact=False)


@pytest.mark.parametrize("activation", [RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT])
def test_float_activations(activation):
    model = tt.cached(_svdf_model, "float", rank=2, batch=2, activation=activation, seed=3)
    _check(model, exact=False, low=-3.0, high=3.0)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
def test_int8_matches_reference_bit_exact(rank, batch, bias):
    model = tt.cached(_svdf_model, "int8", rank=rank, batch=batch, bias=bias, activation=RELU,
                        seed=100 + rank * 10 + batch)
    want, _ = _check(model, exact=True, steps=9)
    # The test means something: outputs vary and are not all saturated.
    allw = np.concatenate([w.ravel() for w in want])
    assert len(np.unique(allw)) > 10
    assert np.mean((allw == -128) | (allw == 127)) < 0.5


def test_int8_larger_memory_and_saturation():
    # Inputs spanning the whole int8 range drive the int16 state to saturate.
    model = tt.cached(_svdf_model, "int8", rank=3, batch=2, n_input=32, n_unit=5, memory=10,
                        activation=RELU, seed=7)
    _check(model, exact=True, steps=14, low=-4.0, high=4.0)


def test_memory_size_one():
    model = tt.cached(_svdf_model, "float", rank=1, batch=2, memory=1, seed=9)
    _check(model, exact=False, steps=3)
    model = tt.cached(_svdf_model, "int8", rank=2, batch=1, memory=1, activation=RELU, seed=9)
    _check(model, exact=True, steps=3)


def test_int8_ignores_the_fused_activation_like_upstream():
    # TFLite's reference requires RELU for the integer SVDF and applies none
    # (EvalIntegerSVDF clamps to int8 only); upstream TFLM accepts any and
    # applies none. Outputs below the zero point show that none is applied.
    model = tt.cached(_svdf_model, "int8", rank=1, batch=1, activation=RELU, seed=11)
    want, got = _check(model, exact=True)
    assert min(int(w.min()) for w in want) < OUT_ZP
    relu6 = tt.cached(_svdf_model, "int8", rank=1, batch=1, activation=RELU6, seed=11)
    xs = _inputs(relu6, 4)
    assert [tt.run_ours(relu6, [x])[0].tolist() for x in xs] == \
        [tt.run_ours(model, [x])[0].tolist() for x in xs]


def test_hybrid_is_rejected_with_a_clear_error():
    # float input, int8 weights_feature (hybrid SVDF, op version 2).
    rng = np.random.default_rng(0)
    n_filter, n_input = 4, 10
    wf = rng.integers(-127, 128, (n_filter, n_input)).astype(np.int8)
    wt = rng.uniform(-0.5, 0.5, (n_filter, 5)).astype(np.float32)
    tensors = [
        dict(name="input", shape=[1, n_input], type=FLOAT32),
        dict(name="weights_feature", shape=[n_filter, n_input], type=INT8, data=wf.tobytes(),
             scale=[0.01], zero_point=[0]),
        dict(name="weights_time", shape=[n_filter, 5], type=FLOAT32, data=wt.tobytes()),
        dict(name="activation_state", shape=[1, 5 * n_filter], type=FLOAT32, is_variable=True),
        dict(name="output", shape=[1, n_filter], type=FLOAT32),
    ]
    for version in (1, 2, 4):
        op = dict(opcode=SVDF_CODE, version=version, inputs=[0, 1, 2, -1, 3], outputs=[4],
                  options=(SVDF_OPTIONS, {0: ("i", 1), 1: ("b", NONE)}))
        model = Builder().model(tensors=tensors, inputs=[0], outputs=[4], operators=[op])
        # Hybrid models are op version 2, or 4 with asymmetric_quantize_inputs
        # (above the highest supported version, 3: refused as such).
        match = "SVDF.*version" if version == 4 else "SVDF.*hybrid"
        with pytest.raises((ValueError, RuntimeError), match=match):
            tt.run_ours(model, [np.zeros((1, n_input), np.float32)])


def _float_svdf_with_rank(rank):
    return Builder().model(
        tensors=[
            dict(name="input", shape=[1, 10], type=FLOAT32),
            dict(name="weights_feature", shape=[4, 10], type=FLOAT32,
                 data=np.zeros((4, 10), np.float32).tobytes()),
            dict(name="weights_time", shape=[4, 5], type=FLOAT32,
                 data=np.zeros((4, 5), np.float32).tobytes()),
            dict(name="activation_state", shape=[1, 20], type=FLOAT32, is_variable=True),
            dict(name="output", shape=[1, 4], type=FLOAT32),
        ],
        inputs=[0], outputs=[4],
        operators=[dict(opcode=SVDF_CODE, inputs=[0, 1, 2, -1, 3], outputs=[4],
                        options=(SVDF_OPTIONS, {0: ("i", rank)}))])


def test_bad_rank_and_shapes_are_rejected():
    # rank 0 (the schema default when absent) fails the declared option range.
    with pytest.raises((ValueError, RuntimeError), match="rank"):
        tt.run_ours(_float_svdf_with_rank(0), [np.zeros((1, 10), np.float32)])
    # num_filters (4) not a multiple of rank 3.
    with pytest.raises((ValueError, RuntimeError), match="multiple of rank"):
        tt.run_ours(_float_svdf_with_rank(3), [np.zeros((1, 10), np.float32)])


def test_state_must_be_a_variable_tensor():
    model_tensors = [
        dict(name="input", shape=[1, 10], type=FLOAT32),
        dict(name="weights_feature", shape=[4, 10], type=FLOAT32,
             data=np.zeros((4, 10), np.float32).tobytes()),
        dict(name="weights_time", shape=[4, 5], type=FLOAT32,
             data=np.zeros((4, 5), np.float32).tobytes()),
        dict(name="activation_state", shape=[1, 20], type=FLOAT32),
        dict(name="output", shape=[1, 4], type=FLOAT32),
    ]
    bad = Builder().model(
        tensors=model_tensors, inputs=[0, 3], outputs=[4],
        operators=[dict(opcode=SVDF_CODE, inputs=[0, 1, 2, -1, 3], outputs=[4],
                        options=(SVDF_OPTIONS, {0: ("i", 1)}))])
    with pytest.raises((ValueError, RuntimeError), match="variable"):
        tt.run_ours(bad, [np.zeros((1, 10), np.float32), np.zeros((1, 20), np.float32)])


@pytest.mark.parametrize("dtype", ["float", "int8"])
def test_state_tensor_matches_reference(dtype):
    # The activation state itself (shifted left, newest column last) after a
    # few invokes, read through GetTensor with every tensor preserved.
    from tflite_micro import runtime
    model = tt.cached(_svdf_model, dtype, rank=2, batch=2, memory=4, activation=RELU, seed=5)
    ref = tt.reference_interpreter(model)
    ours = runtime.Interpreter.from_bytes(
        model, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    for x in _inputs(model, 3):
        ref.set_tensor(ref.get_input_details()[0]["index"], x)
        ref.invoke()
        ours.set_input(x, 0)
        ours.invoke()
    want, got = ref.get_tensor(4), ours.GetTensor(4)
    if dtype == "int8":
        assert np.array_equal(want, got)
    else:
        np.testing.assert_allclose(got, want, **FLOAT_TOL)
