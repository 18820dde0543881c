"""The Python API of the micro runtime, a drop-in for upstream tflite_micro's.

    from tflite_micro import runtime
    it = runtime.Interpreter.from_file("model.tflite")
    it.set_input(x, 0)
    it.invoke()
    y = it.get_output(0)

Every array returned is a copy: it stays valid after the next invoke and
after the interpreter is gone.
"""
from __future__ import annotations

import enum
import operator
import os
import re
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from tflite_micro import _runtime

__all__ = ["Interpreter", "InterpreterConfig", "SignatureRunner", "IndexOutOfRangeError",
           "CustomOpRegistrationError", "InvalidModelPathError", "find_arena_size",
           "supported_ops"]

# Errors of upstream's API contract. Each is upstream's type (its message
# starts with upstream's text) and also what this API raised before, so code
# written for either catches them.
# An input, output, tensor or subgraph index out of range: both an IndexError
# (upstream raises IndexError, "Tensor is out of bound") and a ValueError.
IndexOutOfRangeError = _runtime.IndexOutOfRangeError
# A custom-op registerer that cannot be found or fails: a RuntimeError
# ("TFLM could not register custom op via NAME") and a ValueError.
CustomOpRegistrationError = _runtime.CustomOpRegistrationError


class InvalidModelPathError(ValueError, OSError):
    """from_file could not read the model: a ValueError ("Invalid model file
    path", as upstream raises) and the OSError that open() raised (with its
    errno and filename)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class _ModelFileNotFoundError(InvalidModelPathError, FileNotFoundError):
    """A model path that does not exist (also a FileNotFoundError)."""


def supported_ops() -> dict:
    """{op name: highest op version supported (0 = any)} for every kernel."""
    return dict(_runtime.supported_ops())

# The first arena tried when the caller gives none; grown until it fits.
_PROBE_ARENA_BYTES = 256 * 1024
# The largest arena chosen automatically (a hostile model can ask for more).
_MAX_AUTO_ARENA_BYTES = 1 << 30
# The largest arena_size accepted (1 TiB; the extension checks it too).
_MAX_ARENA_BYTES = 1 << 40
# Room an automatic arena keeps beyond the model's need, so signature inputs
# can grow (a larger batch) without a new interpreter. The extension does not
# touch the bytes a plan does not use, so this costs address space, not RAM.
_AUTO_ARENA_HEADROOM_BYTES = 256 << 20
_ARENA_NEED = re.compile(r"needs (at least )?(\d+) bytes")


class InterpreterConfig(enum.Enum):
    """How the interpreter plans memory (values as upstream's)."""

    # Tensors share arena space by lifetime: the smallest arena.
    kAllocationRecording = 0
    # Every tensor keeps its own space, so GetTensor can read any
    # intermediate after invoke (debugging).
    kPreserveAllTensors = 1


def _registerer_names(registerers: Iterable[Union[str, bytes]]) -> list:
    """The registerer specs as bytes for the extension (a library path need
    not be UTF-8)."""
    usage = ("custom_op_registerers must be a list of strings: function names, "
             "e.g. 'RegisterMyOps' or 'path/to/lib.so:RegisterMyOps'")
    if registerers is None:
        return []
    if isinstance(registerers, (str, bytes, os.PathLike)):
        raise ValueError("%s; got the single value %r (wrap it in a list)" % (usage, registerers))
    try:
        entries = list(registerers)
    except TypeError:
        raise ValueError("%s; got %r" % (usage, registerers)) from None
    names = []
    for r in entries:
        if isinstance(r, str):
            encoded = os.fsencode(r)
        elif isinstance(r, bytes):
            encoded = r
        else:
            raise ValueError("%s; got %r (a %s)" % (usage, r, type(r).__name__))
        if not encoded or b"\0" in encoded:
            raise ValueError("%s; got %r" % (usage, r))
        names.append(encoded)
    return names


def _index(value, what: str) -> int:
    """An int index (int or numpy integer; not a bool or a float, which an
    int() would silently truncate)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be an int, got %r" % (what, value))
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, got %r (a %s)"
                        % (what, value, type(value).__name__)) from None


def _arena_bytes(arena_size) -> int:
    if isinstance(arena_size, (bool, np.bool_)) or not isinstance(arena_size, (int, np.integer)):
        raise ValueError("arena_size must be a positive number of bytes (an int), got %r"
                         % (arena_size,))
    size = int(arena_size)
    if not 0 < size <= _MAX_ARENA_BYTES:
        raise ValueError("arena_size must be a positive number of bytes, at most %d; got %d"
                         % (_MAX_ARENA_BYTES, size))
    return size


def _arena_need(error: RuntimeError):
    """(bytes, exact) from an "arena is too small" error, or None for other
    errors. The need is exact when planning failed (everything persistent was
    allocated by then), a lower bound when a persistent allocation failed."""
    text = str(error)
    if "arena is too small" not in text:
        return None
    m = _ARENA_NEED.search(text)
    if not m:
        return None
    return int(m.group(2)), m.group(1) is None


def _new(model: bytes, size: int, flags: tuple, registerers: list):
    """flags: (preserve_all_tensors, reorder_ops)."""
    return _runtime.Interpreter(model, size, flags[0], registerers, flags[1])


def _measure(model: bytes, flags: tuple, registerers: list, build: bool):
    """Finds the exact arena need. Only the persistent part of an arena is
    written during allocation, so a failed attempt costs little; the planned
    part is never allocated just to measure it. Returns (need, interpreter or
    None); the interpreter (with an arena of exactly `need`) only if `build`."""
    size = max(_PROBE_ARENA_BYTES, 4 * len(model))
    for _ in range(48):
        try:
            impl = _new(model, size, flags, registerers)
            need = impl.arena_used_bytes()
            if build and size < need + _AUTO_ARENA_HEADROOM_BYTES:
                impl = _new(model, need + _AUTO_ARENA_HEADROOM_BYTES, flags, registerers)
            return need, impl
        except RuntimeError as e:
            need = _arena_need(e)
            if need is None:
                raise
            need, exact = need
            if exact:
                if not build:
                    return need, None
                if need > _MAX_AUTO_ARENA_BYTES:
                    raise RuntimeError(
                        "this model needs an arena of %d bytes, more than the %d "
                        "chosen automatically at most; pass arena_size=%d to "
                        "allocate it" % (need, _MAX_AUTO_ARENA_BYTES, need)) from None
                size = need + (_AUTO_ARENA_HEADROOM_BYTES if build else 0)
            else:
                size = max(2 * size, need)
    raise RuntimeError("could not determine the arena size of this model")


def _build(model: bytes, arena_size: Optional[int], flags: tuple,
           registerers: list):
    if arena_size is None:
        return _measure(model, flags, registerers, build=True)[1]
    arena_size = _arena_bytes(arena_size)
    try:
        return _new(model, arena_size, flags, registerers)
    except RuntimeError as e:
        if _arena_need(e) is None:
            raise
        need = _measure(model, flags, registerers, build=False)[0]
        raise RuntimeError(
            "arena_size=%d is too small for this model: it needs %d bytes "
            "(pass arena_size=%d, or leave arena_size unset)"
            % (arena_size, need, need)) from None


def find_arena_size(model: Union[bytes, str, os.PathLike],
                    custom_op_registerers: Sequence[str] = (),
                    preserve_all_tensors: bool = False,
                    registerers: Optional[list] = None,
                    reorder_ops: bool = True) -> int:
    """Returns the smallest arena, in bytes, with which `model` allocates.

    This is the number to give the device's tensor arena (our runtime, same
    kernels, same plan).
    """
    if not isinstance(model, (bytes, bytearray)):
        with open(model, "rb") as f:
            model = f.read()
    names = registerers if registerers is not None else _registerer_names(custom_op_registerers)
    return _measure(bytes(model), (bool(preserve_all_tensors), bool(reorder_ops)), names,
                    build=False)[0]


class Interpreter:
    """Runs a .tflite model in one arena, with upstream's method names."""

    def __init__(self, model_data: bytes, custom_op_registerers=(),
                 arena_size: Optional[int] = None,
                 intrepreter_config: InterpreterConfig = InterpreterConfig.kAllocationRecording,
                 interpreter_config: Optional[InterpreterConfig] = None,
                 *, reorder_ops: bool = True):
        """reorder_ops: run operators in a memory-saving order (see
        docs/training.md); False keeps the model's order."""
        if interpreter_config is not None:
            intrepreter_config = interpreter_config
        if not isinstance(intrepreter_config, InterpreterConfig):
            raise ValueError("interpreter_config must be an InterpreterConfig, "
                             "got %r" % (intrepreter_config,))
        if not isinstance(model_data, (bytes, bytearray, memoryview)):
            raise ValueError("model_data must be bytes, got %s" % type(model_data).__name__)
        self._model = bytes(model_data)
        self._config = intrepreter_config
        self._registerers = _registerer_names(custom_op_registerers)
        if arena_size is not None:
            arena_size = _arena_bytes(arena_size)
        self._flags = (intrepreter_config == InterpreterConfig.kPreserveAllTensors,
                       bool(reorder_ops))
        self._impl = _build(self._model, arena_size, self._flags, self._registerers)
        self._arena_size = arena_size
        # The binding's methods directly: no extra Python frame per call on
        # the hot path (an invoke of a small model is a few hundred ns).
        self.invoke = self._impl.invoke

    # ---- construction (upstream's names) ----
    @classmethod
    def from_file(cls, model_path, custom_op_registerers=(), arena_size=None,
                  intrepreter_config=InterpreterConfig.kAllocationRecording,
                  interpreter_config=None, *, reorder_ops: bool = True) -> "Interpreter":
        try:
            with open(model_path, "rb") as f:
                data = f.read()
        except OSError as e:
            error = (_ModelFileNotFoundError if isinstance(e, FileNotFoundError)
                     else InvalidModelPathError)
            err = error("Invalid model file path: %s (%s)"
                        % (os.fsdecode(model_path), e.strerror or e))
            err.errno, err.filename = e.errno, e.filename
            raise err from e
        return cls(data, custom_op_registerers, arena_size, intrepreter_config,
                   interpreter_config, reorder_ops=reorder_ops)

    @classmethod
    def from_bytes(cls, model_data, custom_op_registerers=(), arena_size=None,
                   intrepreter_config=InterpreterConfig.kAllocationRecording,
                   interpreter_config=None, *, reorder_ops: bool = True) -> "Interpreter":
        return cls(model_data, custom_op_registerers, arena_size, intrepreter_config,
                   interpreter_config, reorder_ops=reorder_ops)

    # ---- running ----
    def invoke(self) -> None:
        """Runs the model. Every input must be set (set_input) before every
        invoke: the arena reuses an input's memory once it has been read.
        Calls on one interpreter from several threads run one at a time."""
        self._impl.invoke()

    def reset(self) -> None:
        """Resets variable tensors and kernel state to their initial values."""
        self._impl.reset()

    def set_input(self, input_data, index: int) -> None:
        """Copies an array into input `index`. Array-likes (lists, numpy
        scalars) are converted with numpy's own dtype rules, as upstream does:
        a list of Python floats is float64, so a float32 input needs an
        array of float32."""
        if not isinstance(input_data, np.ndarray):
            input_data = np.asarray(input_data)
        self._impl.set_input(input_data, self._check_index(index, "input"))

    def get_output(self, index: int) -> np.ndarray:
        """A copy of an output of the last invoke (zeros before the first)."""
        return self._impl.get_output(self._check_index(index, "output"))

    def get_input_details(self, index: int) -> dict:
        return self._details(self._impl.input_tensor_index(self._check_index(index, "input")))

    def get_output_details(self, index: int) -> dict:
        return self._details(self._impl.output_tensor_index(self._check_index(index, "output")))

    def GetTensor(self, tensor_index: int, subgraph_index: int = 0) -> np.ndarray:
        """The current value of any tensor (a copy). Intermediate tensors keep
        their value after invoke only with InterpreterConfig.kPreserveAllTensors."""
        return self._impl.get_tensor(_index(tensor_index, "tensor_index"),
                                     _index(subgraph_index, "subgraph_index"))

    get_tensor = GetTensor

    def get_tensor_details(self, tensor_index: int, subgraph_index: int = 0) -> dict:
        return self._details(_index(tensor_index, "tensor_index"),
                             _index(subgraph_index, "subgraph_index"))

    # ---- signatures (tf.lite.Interpreter's names) ----
    def get_signature_list(self) -> dict:
        """{signature key: {"inputs": [names], "outputs": [names]}}."""
        return {s["key"]: {"inputs": [n for n, _ in s["inputs"]],
                           "outputs": [n for n, _ in s["outputs"]]}
                for s in self._impl.signatures()}

    def get_signature_runner(self, signature_key: Optional[str] = None) -> "SignatureRunner":
        """A runner called with keyword arrays that returns a dict of arrays,
        as tf.lite.Interpreter's. With no key, the model's only signature."""
        signatures = self._impl.signatures()
        if signature_key is None:
            if len(signatures) != 1:
                raise ValueError(
                    "the model has %d signatures (%s): pass signature_key"
                    % (len(signatures), ", ".join(repr(s["key"]) for s in signatures)))
            return SignatureRunner(self, signatures[0])
        for sig in signatures:
            if sig["key"] == signature_key:
                return SignatureRunner(self, sig)
        raise ValueError("the model has no signature %r (it has %s)"
                         % (signature_key, ", ".join(repr(s["key"]) for s in signatures)
                            or "none"))

    # ---- memory ----
    def arena_used_bytes(self) -> int:
        """Bytes of the arena this model uses: the arena size a device needs."""
        return self._impl.arena_used_bytes()

    def get_allocations(self) -> dict:
        """The allocation report as data: total, planned head, persistent tail
        by kind, and the planned bytes of each subgraph."""
        return self._impl.allocation_report()

    def print_allocations(self) -> None:
        r = self.get_allocations()
        lines = [
            "[tflite_micro] Arena allocation total %d bytes" % r["total_bytes"],
            "[tflite_micro] Arena allocation head usage %d bytes" % r["head_bytes"],
            "[tflite_micro] Arena allocation tail usage %d bytes" % r["tail_bytes"],
        ]
        for name, s in r["persistent"].items():
            lines.append("[tflite_micro] '%s' used %d bytes with alignment overhead "
                         "(requested %d bytes for %d allocations)"
                         % (name, s["used_bytes"], s["requested_bytes"], s["count"]))
        for g in r["subgraphs"]:
            lines.append("[tflite_micro] subgraph %d%s planned %d bytes for %d operators"
                         % (g["index"], " '%s'" % g["name"] if g["name"] else "",
                            g["planned_bytes"], g["operators"]))
        print("\n".join(lines))

    # ---- inspection and timing ----
    def num_inputs(self) -> int:
        return self._impl.num_inputs()

    def num_outputs(self) -> int:
        return self._impl.num_outputs()

    def num_subgraphs(self) -> int:
        return self._impl.num_subgraphs()

    def get_operators(self, subgraph_index: int = 0) -> list:
        return self._impl.operators(_index(subgraph_index, "subgraph_index"))

    def enable_profiling(self, enable: bool = True) -> None:
        """Records the time of every operator during the following invokes."""
        self._impl.enable_profiling(bool(enable))

    def get_op_timings(self) -> list:
        """Per-operator times of the last invoke (enable_profiling first):
        dicts with subgraph, index, name and nanoseconds."""
        return self._impl.op_timings()

    # ---- helpers ----
    def _check_index(self, index, what: str) -> int:
        if type(index) is int and index >= 0:
            return index  # the extension checks the upper bound, with the same message
        index = _index(index, "%s index" % what)
        n = self._impl.num_inputs() if what == "input" else self._impl.num_outputs()
        if not 0 <= index < n:
            raise IndexOutOfRangeError(
                "Tensor is out of bound: %s index %d is out of range (the model has %d %ss%s)"
                % (what, index, n, what, ": 0 to %d" % (n - 1) if n else ""))
        return index

    def _details(self, tensor_index: int, subgraph_index: int = 0) -> dict:
        d = self._impl.tensor_details(subgraph_index, tensor_index)
        d["dtype"] = np.dtype(d["dtype"]).type
        d["sparsity_parameters"] = {}
        return d


class SignatureRunner:
    """Runs one signature of an Interpreter: call it with the inputs as
    keyword arrays, get a dict of output arrays (copies). An input whose
    model shape_signature has -1 (e.g. the batch) may change shape from call
    to call: the signature's subgraph is re-planned for the new shape."""

    def __init__(self, interpreter: Interpreter, signature: dict):
        self._interpreter = interpreter
        self._impl = interpreter._impl
        self._key = signature["key"]
        self._subgraph = signature["subgraph"]
        self._inputs = dict(signature["inputs"])
        self._outputs = dict(signature["outputs"])
        # A tensor's dtype never changes (its shape may): None for strings.
        self._dtypes = {}
        for index in self._inputs.values():
            d = self._impl.tensor_details(self._subgraph, index)
            self._dtypes[index] = None if d["dtype_name"] == "string" else np.dtype(d["dtype"])

    @property
    def key(self) -> str:
        return self._key

    def get_input_details(self) -> dict:
        return {name: self._interpreter._details(index, self._subgraph)
                for name, index in self._inputs.items()}

    def get_output_details(self) -> dict:
        return {name: self._interpreter._details(index, self._subgraph)
                for name, index in self._outputs.items()}

    def __call__(self, **inputs) -> dict:
        unknown = sorted(set(inputs) - set(self._inputs))
        missing = sorted(set(self._inputs) - set(inputs))
        if unknown or missing:
            raise ValueError(
                "signature %r takes inputs %s; %s" % (
                    self._key, sorted(self._inputs),
                    "; ".join(filter(None, [
                        "unknown: %s" % ", ".join(unknown) if unknown else "",
                        "missing: %s" % ", ".join(missing) if missing else ""]))))
        arrays = []
        for name, value in inputs.items():
            index = self._inputs[name]
            want = self._dtypes[index]
            if want is None:
                # str or bytes (a path): the extension sizes the tensor.
                arrays.append((index, np.asarray(value, dtype=object)))
                continue
            array = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=want)
            if array.dtype != want:
                raise ValueError("signature %r input %r expects dtype %s, got %s"
                                 % (self._key, name, want, array.dtype))
            arrays.append((index, array))
        # One call: resizes, sets, invokes and copies the outputs under the
        # interpreter's lock, so runners used from several threads do not
        # mix their inputs.
        results = self._impl.run_signature(self._subgraph, arrays, list(self._outputs.values()))
        return dict(zip(self._outputs, results))
