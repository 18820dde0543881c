"""Checkpoints through the save / restore signatures: errors are clear and
change no variable (a restore runs before any assignment), saves replace a
checkpoint only whole, and tflite_micro.checkpoint reads and writes the
same files (weights can go to and from Keras)."""
import os

import numpy as np
import pytest

import tflm_testing as tt
import training_models as tm
from tflite_micro import checkpoint, runtime


@pytest.fixture(scope="module")
def guide():
    return tt.cached(tm.guide_model, 0)


@pytest.fixture
def trained(guide, tmp_path):
    """(interpreter trained 3 steps, its checkpoint path, its infer output)."""
    it = runtime.Interpreter.from_bytes(guide)
    train = it.get_signature_runner("train")
    for x, y in tm.batches(3, 8, seed=2):
        train(x=x, y=y)
    path = str(tmp_path / "w.ckpt")
    it.get_signature_runner("save")(checkpoint_path=np.array(path))
    return it, path


X = next(tm.batches(1, 2, seed=11))[0]


def infer(it):
    return it.get_signature_runner("infer")(x=X)["logits"]


def restore(it, path):
    return it.get_signature_runner("restore")(checkpoint_path=np.array(path))


def test_python_reads_what_the_runtime_saved(trained):
    it, path = trained
    weights = checkpoint.read(path)
    assert list(weights) == ["dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0",
                             "dense_2/bias:0"]
    assert weights["dense_1/kernel:0"].shape == (784, 128)
    assert weights["dense_1/kernel:0"].dtype == np.float32
    # The weights give the trained interpreter's logits in numpy.
    h = np.maximum(X.reshape(2, -1) @ weights["dense_1/kernel:0"] + weights["dense_1/bias:0"], 0)
    np.testing.assert_allclose(h @ weights["dense_2/kernel:0"] + weights["dense_2/bias:0"],
                               infer(it), rtol=1e-5, atol=1e-5)


def test_runtime_restores_what_python_wrote(guide, trained, tmp_path):
    it, path = trained
    weights = checkpoint.read(path)
    weights["dense_2/bias:0"] = weights["dense_2/bias:0"] + 1.0
    edited = str(tmp_path / "edited.ckpt")
    checkpoint.write(edited, weights)
    fresh = runtime.Interpreter.from_bytes(guide)
    restore(fresh, edited)
    np.testing.assert_allclose(infer(fresh), infer(it) + 1.0, rtol=1e-5, atol=1e-5)


def test_weights_go_to_keras(trained):
    _, path = trained
    module = tm.guide_module(5)  # other initial weights
    weights = checkpoint.read(path)
    for w in module.model.weights:
        w.assign(weights[w.name])
    _, path_again = trained
    np.testing.assert_allclose(module.infer(X)["logits"].numpy(),
                               infer(runtime_from(path_again, module)), rtol=1e-5, atol=1e-5)


def runtime_from(path, module):
    it = runtime.Interpreter.from_bytes(tt.cached(tm.guide_model, 0))
    restore(it, path)
    return it


def corrupt_copies(path, tmp_path):
    data = open(path, "rb").read()
    cases = {
        "truncated": data[:len(data) // 2],
        "no trailer": data[:-12],
        "flipped bit": data[:1000] + bytes([data[1000] ^ 4]) + data[1001:],
        "appended": data + b"\0",
        "not a checkpoint": b"hello" * 20,
    }
    out = {}
    for name, blob in cases.items():
        p = tmp_path / (name.replace(" ", "_") + ".ckpt")
        p.write_bytes(blob)
        out[name] = str(p)
    return out


def test_corrupt_checkpoints_are_errors_that_change_nothing(guide, trained, tmp_path):
    _, path = trained
    fresh = runtime.Interpreter.from_bytes(guide)
    before = infer(fresh)
    for case, bad in corrupt_copies(path, tmp_path).items():
        with pytest.raises(RuntimeError, match="truncated or corrupt|not a tflite_micro"):
            restore(fresh, bad)
        np.testing.assert_array_equal(infer(fresh), before, err_msg=case)
        with pytest.raises(ValueError, match="truncated or corrupt|not a tflite_micro"):
            checkpoint.read(bad)


def test_missing_file_is_an_error(guide, tmp_path):
    fresh = runtime.Interpreter.from_bytes(guide)
    with pytest.raises(RuntimeError, match="cannot open checkpoint .*nope.ckpt"):
        restore(fresh, str(tmp_path / "nope.ckpt"))


def test_mismatching_names_or_shapes_change_no_variable(guide, trained, tmp_path):
    """The guide's restore signature assigns each variable right after its
    Restore op in the model; the runtime runs every Restore first, so a
    checkpoint whose last tensor does not fit changes none of the others."""
    it, path = trained
    fresh = runtime.Interpreter.from_bytes(guide)
    before = infer(fresh)
    weights = checkpoint.read(path)
    wrong_shape = dict(weights)
    wrong_shape["dense_2/bias:0"] = np.zeros(11, np.float32)
    missing = dict(weights)
    del missing["dense_2/bias:0"]
    wrong_dtype = dict(weights)
    wrong_dtype["dense_2/bias:0"] = weights["dense_2/bias:0"].astype(np.float64)
    for case, tensors, match in [
            ("shape", wrong_shape, r"'dense_2/bias:0' is float32 \[11\] there, but the "
                                   r"model's is float32 \[10\]"),
            ("missing", missing, "has no tensor named 'dense_2/bias:0'"),
            ("dtype", wrong_dtype, "'dense_2/bias:0' is float64 .* model's is float32")]:
        p = str(tmp_path / (case + ".ckpt"))
        checkpoint.write(p, tensors)
        with pytest.raises((ValueError, RuntimeError), match=match):
            restore(fresh, p)
        np.testing.assert_array_equal(infer(fresh), before, err_msg=case)
    for name, value in weights.items():  # whichever variable's Restore comes last
        p = str(tmp_path / "one_wrong.ckpt")
        checkpoint.write(p, {**weights, name: np.zeros(value.size + 1, np.float32)})
        with pytest.raises(ValueError, match="'%s' is float32" % name):
            restore(fresh, p)
        np.testing.assert_array_equal(infer(fresh), before, err_msg=name)
    restore(fresh, path)
    np.testing.assert_array_equal(infer(fresh), infer(it))


def test_failed_save_keeps_the_previous_checkpoint(trained, tmp_path):
    """A save that cannot complete (here: its temporary file cannot be
    created, because a 250-byte file name leaves no room for the temporary
    name's suffix) fails clearly and leaves the previous checkpoint as it was."""
    it, path = trained
    good = open(path, "rb").read()
    long_path = str(tmp_path / ("w" * 250))
    with open(long_path, "wb") as f:
        f.write(good)
    with pytest.raises(RuntimeError, match="cannot create checkpoint .*w{250}"):
        it.get_signature_runner("save")(checkpoint_path=np.array(long_path))
    assert open(long_path, "rb").read() == good
    assert sorted(os.listdir(tmp_path)) == sorted(["w.ckpt", "w" * 250])
    it.get_signature_runner("save")(checkpoint_path=np.array(path))
    assert sorted(os.listdir(tmp_path)) == sorted(["w.ckpt", "w" * 250])


def test_save_to_a_missing_directory_is_an_error(trained, tmp_path):
    it, _ = trained
    with pytest.raises(RuntimeError, match="cannot create checkpoint .*no_such_dir"):
        it.get_signature_runner("save")(
            checkpoint_path=np.array(str(tmp_path / "no_such_dir" / "w.ckpt")))


def test_long_paths_and_bytes_paths(guide, trained, tmp_path):
    """A path longer than the string input's initial room re-plans it; bytes
    work as well as str."""
    it, path = trained
    deep = tmp_path / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    long_path = str(deep / "w.ckpt")
    assert len(long_path) > 240
    it.get_signature_runner("save")(checkpoint_path=np.array(long_path.encode()))
    assert checkpoint.read(long_path).keys() == checkpoint.read(path).keys()
    fresh = runtime.Interpreter.from_bytes(guide)
    restore(fresh, long_path)
    np.testing.assert_array_equal(infer(fresh), infer(it))


def test_empty_path_is_an_error(trained):
    it, _ = trained
    with pytest.raises(ValueError, match="checkpoint path is empty"):
        it.get_signature_runner("save")(checkpoint_path=np.array(""))
