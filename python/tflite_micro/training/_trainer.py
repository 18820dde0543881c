"""A training loop over numpy data that runs entirely in the runtime:
epochs, shuffling, batches, validation accuracy, a checkpoint every N
steps, and resuming from one."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple, Union

import numpy as np

from tflite_micro import checkpoint, runtime

_STATE = "trainer_state.json"


@dataclass
class History:
    """Per epoch: mean training loss, training and validation accuracy
    (None without labels / validation data); per step: the loss."""
    loss: List[float] = field(default_factory=list)
    accuracy: List[Optional[float]] = field(default_factory=list)
    val_accuracy: List[Optional[float]] = field(default_factory=list)
    step_loss: List[float] = field(default_factory=list)
    seconds_per_step: float = 0.0
    steps: int = 0


class Trainer:
    """Trains a model with `train` and `infer` signatures (make_trainable,
    personalize, or the guide's) in tflite_micro.

    When the model has a `bottleneck` signature (personalize), inputs are
    run through it once and `train` sees features, as on a device.
    """

    def __init__(self, model: Union[bytes, str, os.PathLike, runtime.Interpreter],
                 arena_size: Optional[int] = None, custom_op_registerers=()):
        if isinstance(model, runtime.Interpreter):
            self.interpreter = model
        elif isinstance(model, (bytes, bytearray)):
            self.interpreter = runtime.Interpreter.from_bytes(
                bytes(model), custom_op_registerers, arena_size=arena_size)
        else:
            self.interpreter = runtime.Interpreter.from_file(
                model, custom_op_registerers, arena_size=arena_size)
        self.signatures = self.interpreter.get_signature_list()
        for needed in ("train", "infer"):
            if needed not in self.signatures:
                raise ValueError("the model has no %r signature (it has %s)"
                                 % (needed, ", ".join(sorted(self.signatures)) or "none"))
        self._train = self.interpreter.get_signature_runner("train")
        self._infer = self.interpreter.get_signature_runner("infer")
        self._bottleneck = (self.interpreter.get_signature_runner("bottleneck")
                            if "bottleneck" in self.signatures else None)
        self._train_inputs = self.signatures["train"]["inputs"]
        if len(self._train_inputs) != 2:
            raise ValueError("train must take (inputs, labels); it takes %s"
                             % self._train_inputs)
        details = self._train.get_input_details()
        self._x_name, self._y_name = self._train_inputs
        self._x_dtype = details[self._x_name]["dtype"]
        self._y_dtype = details[self._y_name]["dtype"]
        self._fixed_batch = int(details[self._x_name]["shape_signature"][0]) \
            if len(details[self._x_name]["shape_signature"]) else -1

    @property
    def batch_size(self) -> Optional[int]:
        """The batch size `train` requires, or None when any size works."""
        return self._fixed_batch if self._fixed_batch > 0 else None

    # ---- running signatures ----
    @staticmethod
    def _as_input(runner, name: str, x: np.ndarray) -> np.ndarray:
        """x in the input's dtype: float data for an integer (quantized)
        input, e.g. an int8 base, is quantized with the input's scale and
        zero point."""
        details = runner.get_input_details()[name]
        dtype = np.dtype(details["dtype"])
        x = np.asarray(x)
        scale, zero = details["quantization"]
        if np.issubdtype(dtype, np.integer) and np.issubdtype(x.dtype, np.floating) and scale:
            info = np.iinfo(dtype)
            return np.clip(np.round(x / scale) + zero, info.min, info.max).astype(dtype)
        return x.astype(dtype, copy=False)

    def _run(self, runner, name: str, x: np.ndarray, batch_size: int) -> np.ndarray:
        x = self._as_input(runner, name, x)
        # A signature whose batch is fixed (a device backbone often takes
        # one example) runs that many at a time.
        signature = runner.get_input_details()[name]["shape_signature"]
        if len(signature) and int(signature[0]) > 0:
            batch_size = int(signature[0])
            if len(x) % batch_size:
                raise ValueError("this model's %r takes batches of exactly %d; %d examples "
                                 "do not divide into them" % (name, batch_size, len(x)))
        outs = []
        for i in range(0, len(x), batch_size):
            out = runner(**{name: x[i:i + batch_size]})
            outs.append(next(iter(out.values())) if len(out) == 1 else out["output"])
        return np.concatenate(outs) if outs else np.zeros((0,))

    def features(self, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """What `train` sees: bottleneck(x) for personalized models, else x."""
        x = np.asarray(x)
        if self._bottleneck is None:
            return x.astype(self._x_dtype, copy=False)
        name = self.signatures["bottleneck"]["inputs"][0]
        return self._run(self._bottleneck, name, x, batch_size)

    def predict(self, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
        name = self.signatures["infer"]["inputs"][0]
        return self._run(self._infer, name, x, batch_size)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 64) -> float:
        """Accuracy of argmax(infer(x)) against labels (integers or one-hot)."""
        pred = self.predict(x, batch_size)
        y = np.asarray(y)
        labels = y.argmax(-1) if y.ndim > 1 else y
        return float(np.mean(pred.reshape(len(pred), -1).argmax(-1) == labels))

    def train_step(self, features: np.ndarray, labels: np.ndarray) -> float:
        out = self._train(**{self._x_name: features.astype(self._x_dtype, copy=False),
                             self._y_name: labels.astype(self._y_dtype, copy=False)})
        return float(out["loss"])

    def save(self, path: str) -> None:
        self.interpreter.get_signature_runner("save")(checkpoint_path=np.array(str(path)))

    def restore(self, path: str) -> None:
        self.interpreter.get_signature_runner("restore")(checkpoint_path=np.array(str(path)))

    def reinitialize(self) -> None:
        """The head's initial weights again (personalized models)."""
        if "initialize" not in self.signatures:
            raise ValueError("the model has no 'initialize' signature")
        self.interpreter.get_signature_runner("initialize")()

    # ---- the loop ----
    def fit(self, x: np.ndarray, y: np.ndarray, epochs: int = 1, batch_size: int = 32,
            shuffle: bool = True, seed: int = 0,
            validation_data: Optional[Tuple[np.ndarray, np.ndarray]] = None,
            checkpoint_dir: Optional[str] = None, checkpoint_every: Optional[int] = None,
            resume: bool = False,
            on_step: Optional[Callable[[int, int, float], None]] = None,
            on_epoch: Optional[Callable[[int, dict], None]] = None) -> History:
        """Trains for `epochs` over (x, y) in batches. Shuffling is seeded per
        epoch, so a run resumed from a checkpoint continues exactly as the
        uninterrupted one. With checkpoint_dir, a checkpoint (and the loop's
        position) is written every `checkpoint_every` steps and at the end of
        each epoch; resume=True starts from it when present."""
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError("x and y must be non-empty and of the same length (%d and %d)"
                             % (len(x), len(y)))
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError("epochs must be a positive int, got %r" % (epochs,))
        if self._fixed_batch > 0:
            if batch_size != self._fixed_batch:
                raise ValueError("the model's train takes batches of exactly %d, not %d"
                                 % (self._fixed_batch, batch_size))
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError("batch_size must be a positive int, got %r" % (batch_size,))
        if checkpoint_every is not None and checkpoint_dir is None:
            raise ValueError("checkpoint_every needs a checkpoint_dir")
        feats = self.features(x)
        history = History()
        start_epoch, start_batch, step = 0, 0, 0
        if checkpoint_dir:
            os.makedirs(checkpoint_dir, exist_ok=True)
            state_path = os.path.join(checkpoint_dir, _STATE)
            if resume and os.path.exists(state_path):
                with open(state_path) as f:
                    state = json.load(f)
                self.restore(os.path.join(checkpoint_dir, state["checkpoint"]))
                start_epoch, start_batch, step = state["epoch"], state["batch"], state["step"]
                history.loss, history.accuracy = state["loss"], state["accuracy"]
                history.val_accuracy = state["val_accuracy"]
        n = len(x)
        drop = self._fixed_batch > 0  # a fixed-batch model cannot take a short batch
        batches = n // batch_size if drop else -(-n // batch_size)
        if batches == 0:
            raise ValueError("%d examples make no batch of %d" % (n, batch_size))
        elapsed = 0.0
        timed = 0
        for epoch in range(start_epoch, epochs):
            order = (np.random.default_rng(seed + epoch).permutation(n) if shuffle
                     else np.arange(n))
            losses = []
            for b in range(start_batch if epoch == start_epoch else 0, batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                t0 = time.perf_counter()
                loss = self.train_step(feats[idx], y[idx])
                elapsed += time.perf_counter() - t0
                timed += 1
                step += 1
                losses.append(loss)
                history.step_loss.append(loss)
                if on_step:
                    on_step(epoch, b, loss)
                if checkpoint_every and step % checkpoint_every == 0:
                    self._checkpoint(checkpoint_dir, epoch, b + 1, step, history)
            history.loss.append(float(np.mean(losses)) if losses else float("nan"))
            history.accuracy.append(self._accuracy(x, y))
            history.val_accuracy.append(self._accuracy(*validation_data)
                                        if validation_data is not None else None)
            if checkpoint_dir:
                self._checkpoint(checkpoint_dir, epoch + 1, 0, step, history)
            if on_epoch:
                on_epoch(epoch, {"loss": history.loss[-1], "accuracy": history.accuracy[-1],
                                 "val_accuracy": history.val_accuracy[-1]})
        history.steps = step
        history.seconds_per_step = elapsed / timed if timed else 0.0
        return history

    def _accuracy(self, x, y) -> Optional[float]:
        y = np.asarray(y)
        if y.ndim == 1 and not np.issubdtype(y.dtype, np.integer):
            return None  # regression targets
        out = self.predict(x)
        if out.ndim != 2 or out.shape[1] < 2:
            return None
        return self.evaluate(x, y)

    def _checkpoint(self, directory, epoch, batch, step, history):
        """Weights to ckpt-<step>.ckpt, then the loop's position (naming that
        file) atomically: a crash at any point leaves a consistent pair."""
        name = "ckpt-%d.ckpt" % step
        self.save(os.path.join(directory, name))
        state_path = os.path.join(directory, _STATE)
        previous = None
        if os.path.exists(state_path):
            with open(state_path) as f:
                previous = json.load(f).get("checkpoint")
        state = {"checkpoint": name, "epoch": epoch, "batch": batch, "step": step,
                 "loss": history.loss, "accuracy": history.accuracy,
                 "val_accuracy": history.val_accuracy}
        checkpoint.write_atomically(state_path, json.dumps(state).encode())
        if previous and previous != name:
            try:
                os.remove(os.path.join(directory, previous))
            except FileNotFoundError:
                pass
