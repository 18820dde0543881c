"""The `tflite-micro` command: each subcommand is a thin shell over the
Python API.

    tflite-micro run MODEL --input x.npy [--signature NAME] [--output out.npy]
    tflite-micro inspect MODEL [--json]
    tflite-micro bench MODEL [--n N] [--signature NAME]
    tflite-micro train MODEL --data data.npz --epochs E [--plot loss.png] ...
    tflite-micro personalize --base BASE --num-classes N --out model.tflite ...
    tflite-micro demo

Errors are one line on stderr (`tflite-micro: error: ...`): exit status 2
for a usage error, 1 for a failure. Only `personalize` (and `demo`) import
TensorFlow; the other subcommands need numpy and the runtime only.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import sys
import time
from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy as np

from tflite_micro._version import __version__

PROG = "tflite-micro"
# Set to get a traceback instead of the one-line error (debugging the CLI).
_TRACEBACK_ENV = "TFLITE_MICRO_TRACEBACK"


class CliError(Exception):
    """A failure reported as one line; `status` is the exit code (2 for a
    usage error, 1 otherwise)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def _usage(message: str) -> CliError:
    return CliError(message, 2)


# ------------------------------------------------------------------ helpers

def _fmt_bytes(n: int) -> str:
    return "{:,} bytes".format(int(n))


def _shape(shape) -> str:
    return "[%s]" % ", ".join(str(int(d)) for d in shape)


def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def _quantization(details: dict) -> str:
    """'' for a float tensor, else its scale(s) and zero point(s)."""
    q = details.get("quantization_parameters") or {}
    scales = np.asarray(q.get("scales", []))
    zeros = np.asarray(q.get("zero_points", []))
    if scales.size == 0:
        return ""
    if scales.size == 1:
        return "scale %.6g zero_point %d" % (scales[0], int(zeros[0]) if zeros.size else 0)
    return "per-channel: %d scales (axis %d) %.4g..%.4g" % (
        scales.size, int(q.get("quantized_dimension", 0)), scales.min(), scales.max())


def _tensor_line(name: str, details: dict) -> str:
    shape = details["shape"]
    signature = details.get("shape_signature")
    text = "%s %s" % (_dtype_name(details["dtype"]), _shape(shape))
    if signature is not None and len(signature) and list(signature) != list(shape):
        text += " (shape signature %s)" % _shape(signature)
    quant = _quantization(details)
    return "%s  %s%s" % (name, text, "  " + quant if quant else "")


def _read_model(path: str) -> bytes:
    if os.path.isdir(path):
        raise CliError("%s is a directory, not a .tflite file" % path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise CliError("%s: no such file" % path) from None
    except OSError as e:
        raise CliError("cannot read %s: %s" % (path, e.strerror or e)) from None
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise CliError("%s is not a .tflite model (no TFL3 file identifier)" % path)
    return data


def _interpreter(data: bytes, args, path: str):
    from tflite_micro import runtime
    try:
        return runtime.Interpreter.from_bytes(
            data, custom_op_registerers=getattr(args, "custom_ops", None) or (),
            arena_size=getattr(args, "arena_size", None))
    except (ValueError, RuntimeError) as e:
        raise CliError("%s: %s" % (path, e)) from None


def _load_npy(path: str) -> np.ndarray:
    try:
        value = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CliError("%s: no such file" % path) from None
    except (OSError, ValueError) as e:
        raise CliError("%s is not a .npy file numpy can read (%s)" % (path, e)) from None
    if isinstance(value, np.lib.npyio.NpzFile):
        arrays = {k: value[k] for k in value.files}
        value.close()
        return arrays
    return value


def _load_npz(path: str, what: str) -> Dict[str, np.ndarray]:
    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CliError("%s: no such file" % path) from None
    except (OSError, ValueError) as e:
        raise CliError("%s is not a .npz file numpy can read (%s)" % (path, e)) from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise CliError("%s holds one array; %s must be a .npz with arrays 'x' and 'y' "
                       "(np.savez(path, x=..., y=...))" % (path, what))
    with npz:
        arrays = {k: npz[k] for k in npz.files}
    missing = [k for k in ("x", "y") if k not in arrays]
    if missing:
        raise CliError("%s has no array %s (it has %s); %s needs arrays 'x' and 'y'" % (
            path, " or ".join(repr(k) for k in missing),
            ", ".join(repr(k) for k in sorted(arrays)) or "none", what))
    if len(arrays["x"]) != len(arrays["y"]) or len(arrays["x"]) == 0:
        raise CliError("%s: x and y must be non-empty and of the same length (%d and %d)"
                       % (path, len(arrays["x"]), len(arrays["y"])))
    return arrays


def _convert_input(array: np.ndarray, details: dict, what: str, source: str,
                   resizable: bool) -> np.ndarray:
    """`array` in the tensor's dtype: float64 -> float32 and wider ints that
    fit are converted, any other mismatch is an error."""
    want = np.dtype(details["dtype"])
    if array.dtype != want:
        same_kind = (array.dtype.kind == want.kind == "f"
                     or (array.dtype.kind in "iu" and want.kind in "iu"))
        if same_kind and want.kind in "iu" and array.size:
            info = np.iinfo(want)
            same_kind = info.min <= array.min() and array.max() <= info.max
        if not same_kind:
            hint = ""
            if want.kind in "iu" and array.dtype.kind == "f" and _quantization(details):
                hint = "; quantize it first (%s)" % _quantization(details)
            raise CliError("%s expects %s, got %s from %s%s"
                           % (what, want.name, array.dtype.name, source, hint))
        array = array.astype(want)
    shape = [int(d) for d in details["shape"]]
    signature = [int(d) for d in details.get("shape_signature", shape)] or shape
    if list(array.shape) != shape:
        fits = (resizable and len(array.shape) == len(signature)
                and all(s == -1 or s == d for s, d in zip(signature, array.shape)))
        if not fits:
            raise CliError("%s expects shape %s, got %s from %s" % (
                what, _shape(signature if resizable else shape), _shape(array.shape), source))
    return array


def _summary(array: np.ndarray) -> str:
    if array.size == 0:
        return "empty"
    if array.dtype.kind in "fiub":
        a = array.astype(np.float64)
        text = "min %.6g  max %.6g  mean %.6g" % (a.min(), a.max(), a.mean())
        if array.ndim == 2 and array.shape[1] > 1 and array.dtype.kind == "f":
            text += "  argmax %s" % np.array2string(array.argmax(-1), threshold=8)
        return text
    return ""


def _values(array: np.ndarray) -> str:
    return np.array2string(array, threshold=12, edgeitems=3, precision=5,
                           max_line_width=100).replace("\n", "\n      ")


# ---------------------------------------------------- reading the flatbuffer

class _Flat:
    """A bounds-checked reader of the few TFLite schema fields `inspect`
    needs beyond the interpreter (operator codes and versions, subgraph
    calls), so it can list the operators of a model that does not load."""

    def __init__(self, data: bytes):
        self.data = data

    def _u(self, fmt: str, pos: int):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise ValueError("offset %d is outside the file" % pos)
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def root(self) -> int:
        return self._u("I", 0)

    def _field(self, table: int, index: int) -> int:
        vtable = table - self._u("i", table)
        vsize = self._u("H", vtable)
        if 4 + 2 * index >= vsize:
            return 0
        off = self._u("H", vtable + 4 + 2 * index)
        return table + off if off else 0

    def scalar(self, table: int, index: int, fmt: str, default=0):
        pos = self._field(table, index)
        return self._u(fmt, pos) if pos else default

    def ref(self, table: int, index: int) -> int:
        """The table, vector or string a field points to; 0 if absent."""
        pos = self._field(table, index)
        return pos + self._u("I", pos) if pos else 0

    def tables(self, table: int, index: int) -> List[int]:
        vec = self.ref(table, index)
        if not vec:
            return []
        n = self._u("I", vec)
        if vec + 4 + 4 * n > len(self.data):
            raise ValueError("a vector runs past the end of the file")
        return [vec + 4 + 4 * i + self._u("I", vec + 4 + 4 * i) for i in range(n)]

    def string(self, table: int, index: int) -> Optional[str]:
        s = self.ref(table, index)
        if not s:
            return None
        n = self._u("I", s)
        if s + 4 + n > len(self.data):
            raise ValueError("a string runs past the end of the file")
        return self.data[s + 4:s + 4 + n].decode("utf-8", "replace")


_CUSTOM = 32
# builtin code -> the options fields holding subgraph indices
# (CALL_ONCE: init; IF: then, else; WHILE: cond, body).
_CALLS = {129: (0,), 118: (0, 1), 119: (0, 1)}


def _model_structure(data: bytes, path: str) -> dict:
    """{version, description, subgraphs: [{name, ops: [(name, version,
    custom)], calls: set of subgraph indices}]} read from the flatbuffer."""
    from tflite_micro import _runtime
    fb = _Flat(data)
    try:
        model = fb.root()
        codes = []
        for c in fb.tables(model, 1):
            builtin = max(fb.scalar(c, 0, "b", 0), fb.scalar(c, 3, "i", 0))
            version = fb.scalar(c, 2, "i", 1)
            if builtin == _CUSTOM:
                codes.append((fb.string(c, 1) or "<custom>", version, True, builtin))
            else:
                codes.append((_runtime.builtin_op_name(builtin), version, False, builtin))
        graphs = []
        for g in fb.tables(model, 2):
            ops, calls = [], set()
            for op in fb.tables(g, 3):
                index = fb.scalar(op, 0, "I", 0)
                if index >= len(codes):
                    raise ValueError("an operator's opcode index %d is out of range" % index)
                name, version, custom, builtin = codes[index]
                ops.append((name, version, custom))
                if builtin in _CALLS:
                    options = fb.ref(op, 4)
                    for field in _CALLS[builtin]:
                        callee = fb.scalar(options, field, "i", 0) if options else 0
                        calls.add(callee)
            graphs.append({"name": fb.string(g, 4) or "", "ops": ops, "calls": calls})
        return {"version": fb.scalar(model, 0, "I", 0), "description": fb.string(model, 3),
                "subgraphs": graphs}
    except (ValueError, struct.error) as e:
        raise CliError("%s is not a valid .tflite model: %s" % (path, e)) from None


def _plans(report: dict, structure: dict, entries: Sequence[int]) -> Dict[int, int]:
    """Planned bytes each entry subgraph needs with the subgraphs it calls,
    which the runtime plans above their callers (as Plan() does)."""
    planned = {g["index"]: int(g["planned_bytes"]) for g in report["subgraphs"]}
    graphs = structure["subgraphs"]
    callers: Dict[int, set] = {i: set() for i in range(len(graphs))}
    for i, g in enumerate(graphs):
        for c in g["calls"]:
            if c in callers:
                callers[c].add(i)
    base: Dict[int, int] = {}
    for _ in range(len(graphs)):
        for i in range(len(graphs)):
            if i in base or not all(c in base for c in callers[i]):
                continue
            base[i] = max((base[c] + planned.get(c, 0) for c in callers[i]), default=0)

    def reach(i, seen):
        if i in seen or i >= len(graphs):
            return
        seen.add(i)
        for c in graphs[i]["calls"]:
            reach(c, seen)

    out = {}
    for entry in entries:
        seen: set = set()
        reach(entry, seen)
        out[entry] = max((base.get(i, 0) + planned.get(i, 0) for i in seen
                          if i == entry or planned.get(i, 0)), default=0)
    return out


# ------------------------------------------------------------------- inspect

def _inspect_data(path: str, args) -> dict:
    from tflite_micro import runtime
    data = _read_model(path)
    structure = _model_structure(data, path)
    supported = runtime.supported_ops()
    counts: Counter = Counter()
    versions: Dict[str, int] = {}
    custom: Dict[str, bool] = {}
    for g in structure["subgraphs"]:
        for name, version, is_custom in g["ops"]:
            counts[name] += 1
            versions[name] = max(versions.get(name, 0), version)
            custom[name] = is_custom
    unsupported = {}
    for name in counts:
        if name not in supported:
            unsupported[name] = "no kernel"
        elif supported[name] and versions[name] > supported[name]:
            unsupported[name] = "version %d (supported up to %d)" % (versions[name],
                                                                     supported[name])
    info = {
        "model": path, "bytes": len(data), "schema_version": structure["version"],
        "description": structure["description"],
        "operators": [{"name": n, "count": c, "version": versions[n], "custom": custom[n],
                       "supported": n not in unsupported,
                       **({"why": unsupported[n]} if n in unsupported else {})}
                      for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
        "unsupported": sorted(unsupported),
        "subgraphs": [{"index": i, "name": g["name"], "operators": len(g["ops"]),
                       "calls": sorted(g["calls"])}
                      for i, g in enumerate(structure["subgraphs"])],
    }
    if getattr(args, "custom_ops", None):
        # Custom ops from the registerers are checked by loading the model.
        info["unsupported"] = [n for n in info["unsupported"] if not custom[n]]
    try:
        it = runtime.Interpreter.from_bytes(
            data, custom_op_registerers=getattr(args, "custom_ops", None) or ())
    except (ValueError, RuntimeError) as e:
        info["error"] = " ".join(str(e).split())
        return info
    for op in info["operators"]:
        if op["custom"] and not op["supported"]:
            op["supported"], op["why"] = True, "registered by --custom-ops"
    info["unsupported"] = [op["name"] for op in info["operators"] if not op["supported"]]
    report = it.get_allocations()
    info["inputs"] = [dict(_jsonable(it.get_input_details(i)), index=i)
                      for i in range(it.num_inputs())]
    info["outputs"] = [dict(_jsonable(it.get_output_details(i)), index=i)
                       for i in range(it.num_outputs())]
    signatures = it._impl.signatures()  # the subgraph of each signature
    plans = _plans(report, structure, [0] + [s["subgraph"] for s in signatures])
    info["subgraph0_plan_bytes"] = plans[0]
    for g in info["subgraphs"]:
        for r in report["subgraphs"]:
            if r["index"] == g["index"]:
                g.update(planned_bytes=r["planned_bytes"], tensors=r["tensors"])
    info["signatures"] = []
    for s in signatures:
        runner = it.get_signature_runner(s["key"])
        ins, outs = runner.get_input_details(), runner.get_output_details()
        info["signatures"].append({
            "key": s["key"], "subgraph": s["subgraph"],
            "inputs": [dict(_jsonable(ins[n]), key=n) for n, _ in s["inputs"]],
            "outputs": [dict(_jsonable(outs[n]), key=n) for n, _ in s["outputs"]],
            "plan_bytes": plans[s["subgraph"]]})
    info["arena"] = {"total_bytes": report["total_bytes"], "persistent_bytes": report["tail_bytes"],
                     "planned_bytes": report["head_bytes"],
                     "allocation_only_bytes": max(0, report["total_bytes"] - report["tail_bytes"]
                                                  - report["head_bytes"]),
                     "persistent": report["persistent"]}
    return info


def _jsonable(details: dict) -> dict:
    q = details.get("quantization_parameters") or {}
    return {"name": details["name"], "dtype": _dtype_name(details["dtype"]),
            "shape": [int(d) for d in details["shape"]],
            "shape_signature": [int(d) for d in details.get("shape_signature", details["shape"])],
            "quantization": {"scales": [float(v) for v in q.get("scales", [])],
                             "zero_points": [int(v) for v in q.get("zero_points", [])],
                             "quantized_dimension": int(q.get("quantized_dimension", 0))}}


def _tensor_text(d: dict, label: str) -> str:
    details = {"dtype": d["dtype"], "shape": d["shape"], "shape_signature": d["shape_signature"],
               "quantization_parameters": d["quantization"]}
    return _tensor_line(label, details)


def cmd_inspect(args) -> int:
    info = _inspect_data(args.model, args)
    if args.json:
        print(json.dumps(info, indent=1))
        return 1 if "error" in info else 0
    out = []
    n_ops = sum(op["count"] for op in info["operators"])
    out.append("%s: %s, schema version %d%s" % (
        info["model"], _fmt_bytes(info["bytes"]), info["schema_version"],
        ", \"%s\"" % info["description"] if info["description"] else ""))
    status = ("all supported" if not info["unsupported"] else
              "UNSUPPORTED: %s" % ", ".join(info["unsupported"]))
    out.append("")
    out.append("operators: %d in %d subgraph%s, %d kinds, %s" % (
        n_ops, len(info["subgraphs"]), "" if len(info["subgraphs"]) == 1 else "s",
        len(info["operators"]), status))
    width = max([len(op["name"]) for op in info["operators"]] + [4])
    for op in info["operators"]:
        notes = ["v%d" % op["version"]] if op["version"] > 1 else []
        if op["custom"]:
            notes.append("custom")
        if not op["supported"]:
            notes.append("UNSUPPORTED: " + op["why"])
        out.append("  %-*s %5d%s" % (width, op["name"], op["count"],
                                     "   " + ", ".join(notes) if notes else ""))
    if len(info["subgraphs"]) > 1 or "error" in info:
        out.append("")
        out.append("subgraphs:")
        for g in info["subgraphs"]:
            extra = ""
            if "planned_bytes" in g:
                extra = ", %d tensors, plan %s" % (g["tensors"], _fmt_bytes(g["planned_bytes"]))
            calls = ", calls %s" % ", ".join(map(str, g["calls"])) if g["calls"] else ""
            out.append("  %d %s: %d operators%s%s" % (g["index"], g["name"] or "-",
                                                       g["operators"], extra, calls))
    if "error" in info:
        print("\n".join(out))
        sys.stdout.flush()
        raise CliError("the model does not load: %s" % info["error"])
    out.append("")
    out.append("inputs (subgraph 0):")
    for d in info["inputs"]:
        out.append("  %d %s" % (d["index"], _tensor_text(d, d["name"])))
    out.append("outputs (subgraph 0):")
    for d in info["outputs"]:
        out.append("  %d %s" % (d["index"], _tensor_text(d, d["name"])))
    out.append("")
    if info["signatures"]:
        out.append("signatures (arena plan of each, with the subgraphs it calls):")
        for s in info["signatures"]:
            out.append("  %s (subgraph %d): plan %s" % (s["key"], s["subgraph"],
                                                         _fmt_bytes(s["plan_bytes"])))
            for d in s["inputs"]:
                out.append("    in   %s" % _tensor_text(d, d["key"]))
            for d in s["outputs"]:
                out.append("    out  %s" % _tensor_text(d, d["key"]))
    else:
        out.append("signatures: none (subgraph 0 plans %s)"
                   % _fmt_bytes(info["subgraph0_plan_bytes"]))
    a = info["arena"]
    out.append("")
    out.append("arena: %s = %s persistent + %s planned (the largest plan)%s" % (
        _fmt_bytes(a["total_bytes"]), "{:,}".format(a["persistent_bytes"]),
        "{:,}".format(a["planned_bytes"]),
        " + %s used only while allocating" % "{:,}".format(a["allocation_only_bytes"])
        if a["allocation_only_bytes"] else ""))
    out.append("  the device needs an arena of %s for this model at these shapes"
               % _fmt_bytes(a["total_bytes"]))
    print("\n".join(out))
    return 0


# ----------------------------------------------------------------------- run

def _parse_inputs(specs: Sequence[str]) -> List[tuple]:
    """[(name or None, array, source)] from --input values (FILE or
    NAME=FILE; a .npz gives one input per array, by name)."""
    out = []
    for spec in specs:
        name = None
        if "=" in spec and not os.path.exists(spec):
            name, spec = spec.split("=", 1)
        value = _load_npy(spec)
        if isinstance(value, dict):
            if name is not None:
                raise _usage("--input %s=%s: a .npz gives its arrays by their own names"
                             % (name, spec))
            out += [(k, v, "%s[%s]" % (spec, k)) for k, v in value.items()]
        else:
            out.append((name, value, spec))
    return out


def _save_outputs(path: str, outputs: Dict[str, np.ndarray]) -> None:
    try:
        if path.endswith(".npz"):
            np.savez(path, **outputs)
        elif len(outputs) == 1:
            np.save(path, next(iter(outputs.values())))
        else:
            raise _usage("the model has %d outputs (%s): give --output a .npz file"
                         % (len(outputs), ", ".join(outputs)))
    except OSError as e:
        raise CliError("cannot write %s: %s" % (path, e.strerror or e)) from None


def _run_outputs(it, args, inputs) -> Dict[str, np.ndarray]:
    if args.signature is not None:
        signatures = it.get_signature_list()
        if args.signature not in signatures:
            raise CliError("the model has no signature %r (it has %s)" % (
                args.signature, ", ".join(sorted(signatures)) or "none"))
        runner = it.get_signature_runner(args.signature)
        details = runner.get_input_details()
        names = signatures[args.signature]["inputs"]
        what = "signature %r" % args.signature
    else:
        details = {}
        names = []
        for i in range(it.num_inputs()):
            d = it.get_input_details(i)
            names.append(d["name"])
            details[d["name"]] = d
        what = "subgraph 0"
    given: Dict[str, tuple] = {}
    positional = [x for x in inputs if x[0] is None]
    if positional and len(positional) != len(inputs):
        raise _usage("give every --input as a file, or every one as NAME=FILE")
    if positional:
        if len(positional) != len(names):
            raise CliError("%s takes %d input%s (%s), got %d --input" % (
                what, len(names), "" if len(names) == 1 else "s", ", ".join(names),
                len(positional)))
        given = {n: (a, s) for n, (_, a, s) in zip(names, positional)}
    else:
        for name, array, source in inputs:
            if name not in details:
                raise CliError("%s has no input %r (it has %s)" % (what, name, ", ".join(names)))
            given[name] = (array, source)
        missing = [n for n in names if n not in given]
        if missing:
            raise CliError("%s: no --input for %s" % (what, ", ".join(missing)))
    arrays = {}
    for i, name in enumerate(names):
        array, source = given[name]
        arrays[name] = _convert_input(array, details[name], "input %d %r of %s" % (i, name, what),
                                      source, resizable=args.signature is not None)
    if args.signature is not None:
        try:
            return runner(**arrays)
        except (ValueError, RuntimeError) as e:
            raise CliError("signature %r: %s" % (args.signature, e)) from None
    for i, name in enumerate(names):
        it.set_input(arrays[name], i)
    try:
        it.invoke()
    except (ValueError, RuntimeError) as e:
        raise CliError("invoke failed: %s" % e) from None
    return {it.get_output_details(i)["name"]: it.get_output(i) for i in range(it.num_outputs())}


def cmd_run(args) -> int:
    if not args.input:
        raise _usage("run needs --input FILE.npy (once per model input, or NAME=FILE.npy)")
    data = _read_model(args.model)
    inputs = _parse_inputs(args.input)
    it = _interpreter(data, args, args.model)
    t0 = time.perf_counter()
    outputs = _run_outputs(it, args, inputs)
    elapsed = time.perf_counter() - t0
    for i, (name, value) in enumerate(outputs.items()):
        print("output %d %s: %s %s  %s" % (i, name, value.dtype.name, _shape(value.shape),
                                           _summary(value)))
        print("      " + _values(value))
    print("arena %s, %.3f ms" % (_fmt_bytes(it.arena_used_bytes()), elapsed * 1e3))
    if args.output:
        _save_outputs(args.output, outputs)
        print("wrote %s" % args.output)
    return 0


# --------------------------------------------------------------------- bench

def _random_input(details: dict, rng, batch: Optional[int]) -> np.ndarray:
    shape = [int(d) for d in details["shape"]]
    signature = [int(d) for d in details.get("shape_signature", shape)]
    if batch is not None and len(signature) == len(shape):
        shape = [batch if s == -1 else d for s, d in zip(signature, shape)]
    dtype = np.dtype(details["dtype"])
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype.kind in "iu":
        if dtype.itemsize == 1:
            info = np.iinfo(dtype)
            return rng.integers(info.min, info.max + 1, shape).astype(dtype)
        return rng.integers(0, 2, shape).astype(dtype)  # labels, indices
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    raise CliError("input %r has dtype %s, which bench cannot make up"
                   % (details["name"], dtype.name))


def cmd_bench(args) -> int:
    if args.n is not None and args.n < 1:
        raise _usage("--n must be at least 1")
    data = _read_model(args.model)
    it = _interpreter(data, args, args.model)
    rng = np.random.default_rng(0)
    if args.signature is not None:
        signatures = it.get_signature_list()
        if args.signature not in signatures:
            raise CliError("the model has no signature %r (it has %s)" % (
                args.signature, ", ".join(sorted(signatures)) or "none"))
        runner = it.get_signature_runner(args.signature)
        details = runner.get_input_details()
        inputs = {}
        for name, d in details.items():
            if d.get("dtype_name") == "string" or np.dtype(d["dtype"]).kind in "OSU":
                raise CliError("signature %r takes a string input (%s); bench times "
                               "signatures with numeric inputs" % (args.signature, name))
            inputs[name] = _random_input(d, rng, args.batch_size)

        def call():
            runner(**inputs)
        what = "signature %r call (inputs copied in, outputs copied out)" % args.signature
        def prepare():
            pass
    else:
        arrays = [_random_input(it.get_input_details(i), rng, None)
                  for i in range(it.num_inputs())]

        def prepare():
            # Every invoke needs its inputs set (the arena reuses an input's
            # memory once read); outside the timed call.
            for i, array in enumerate(arrays):
                it.set_input(array, i)
        call = it.invoke
        what = "invoke"
    try:
        prepare()
        call()  # warm-up, and the first call plans a resized signature
        n = args.n
        if n is None:
            prepare()
            t0 = time.perf_counter()
            call()
            once = max(time.perf_counter() - t0, 1e-7)
            n = int(min(10000, max(10, 1.0 / once)))  # about one second
        for _ in range(min(10, n)):
            prepare()
            call()
        times = []
        clock = time.perf_counter_ns
        for _ in range(n):
            prepare()
            t0 = clock()
            call()
            times.append(clock() - t0)
        if args.profile:
            it.enable_profiling(True)
            prepare()
            call()
            timings = it.get_op_timings()
            it.enable_profiling(False)
    except (ValueError, RuntimeError) as e:
        raise CliError("%s failed: %s" % (what.split(" (")[0], e)) from None
    median = statistics.median(times) / 1e3
    times.sort()
    print("%s: %.3f µs per %s (median of %d; min %.3f, p90 %.3f), one thread" % (
        args.model, median, what, n, times[0] / 1e3, times[int(0.9 * (n - 1))] / 1e3))
    print("arena %s" % _fmt_bytes(it.arena_used_bytes()))
    if args.profile:
        per_op: Counter = Counter()
        count: Counter = Counter()
        for t in timings:
            per_op[t["name"]] += t["nanoseconds"]
            count[t["name"]] += 1
        total = sum(per_op.values()) or 1
        print("operators (one %s):" % what.split(" (")[0])
        for name, ns in per_op.most_common():
            print("  %-28s %4d  %10.3f µs  %5.1f%%" % (name, count[name], ns / 1e3,
                                                     100.0 * ns / total))
    return 0


# --------------------------------------------------------------------- train

class _Progress:
    """A per-epoch progress bar on stdout. On a terminal it redraws one line
    with carriage returns; otherwise (a log, a pipe) it appends the bar's
    marks as the epoch advances and ends the line once."""

    WIDTH = 30

    def __init__(self, epochs: int, batches: int, stream=None):
        self.epochs, self.batches = epochs, batches
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.marks = 0
        self.epoch = None
        self.last_draw = 0.0
        self.t0 = time.perf_counter()

    def _prefix(self, epoch: int) -> str:
        digits = len(str(self.epochs))
        return "epoch %*d/%d " % (digits, epoch + 1, self.epochs)

    def step(self, epoch: int, batch: int, loss: float) -> None:
        if epoch != self.epoch:
            self.epoch, self.marks, self.t0 = epoch, 0, time.perf_counter()
            if not self.tty:
                self.stream.write(self._prefix(epoch) + "[")
        done = batch + 1
        marks = self.WIDTH * done // self.batches
        if self.tty:
            now = time.perf_counter()
            if now - self.last_draw > 0.05 or done == self.batches:
                self.last_draw = now
                bar = "=" * marks + (">" if marks < self.WIDTH else "") \
                    + " " * (self.WIDTH - marks - 1)
                self.stream.write("\r%s[%s] %d/%d loss %.4f" % (
                    self._prefix(epoch), bar[:self.WIDTH], done, self.batches, loss))
                self.stream.flush()
        elif marks > self.marks:
            self.stream.write("=" * (marks - self.marks))
            self.stream.flush()
        self.marks = max(self.marks, marks)

    def end_epoch(self, epoch: int, logs: dict) -> None:
        parts = ["loss %.4f" % logs["loss"]]
        if logs.get("accuracy") is not None:
            parts.append("accuracy %.4f" % logs["accuracy"])
        if logs.get("val_accuracy") is not None:
            parts.append("val_accuracy %.4f" % logs["val_accuracy"])
        parts.append("%.2f s" % (time.perf_counter() - self.t0))
        bar = "=" * self.WIDTH
        if self.tty:
            self.stream.write("\r\x1b[K%s[%s] %d/%d %s\n" % (
                self._prefix(epoch), bar, self.batches, self.batches, "  ".join(parts)))
        else:
            if self.epoch != epoch:  # an epoch with no steps of its own
                self.stream.write(self._prefix(epoch) + "[")
                self.marks = 0
            self.stream.write("=" * (self.WIDTH - self.marks))
            self.stream.write("] %d/%d  %s\n" % (self.batches, self.batches, "  ".join(parts)))
        self.stream.flush()
        self.epoch = None


def _labels_for(y: np.ndarray, details: dict, path: str) -> np.ndarray:
    """Integer class labels become one-hot when `train` takes one-hot rows."""
    signature = [int(d) for d in details.get("shape_signature", details["shape"])]
    want = np.dtype(details["dtype"])
    if y.ndim == 1 and len(signature) == 2 and signature[1] > 1 and y.dtype.kind in "iu":
        classes = signature[1]
        if y.size and (y.min() < 0 or y.max() >= classes):
            raise CliError("%s: labels y must be in [0, %d) (train takes one-hot rows of %d), "
                           "found %d..%d" % (path, classes, classes, y.min(), y.max()))
        y = np.eye(classes, dtype=want)[y]
    if y.ndim != len(signature) or any(s not in (-1, d) for s, d in
                                       zip(signature[1:], y.shape[1:])):
        raise CliError("%s: labels y have shape %s; the model's train takes %s" % (
            path, _shape(y.shape), _shape(signature)))
    if want.kind in "iu" and y.dtype.kind == "f":
        raise CliError("%s: labels y are %s; the model's train takes %s class indices"
                       % (path, y.dtype.name, want.name))
    return y


def _check_x(x: np.ndarray, details: dict, path: str, signature_name: str) -> None:
    signature = [int(d) for d in details.get("shape_signature", details["shape"])]
    if x.ndim != len(signature) or any(s not in (-1, d) for s, d in
                                       zip(signature[1:], x.shape[1:])):
        raise CliError("%s: x has shape %s; the model's %s takes %s" % (
            path, _shape(x.shape), signature_name, _shape(signature)))
    want = np.dtype(details["dtype"])
    # Float data for a quantized input is quantized by the Trainer.
    if want.kind in "iu" and x.dtype.kind == "f" and not _quantization(details):
        raise CliError("%s: x is %s; the model's %s takes %s" % (
            path, x.dtype.name, signature_name, want.name))


def cmd_train(args) -> int:
    if args.epochs < 1:
        raise _usage("--epochs must be at least 1")
    if args.batch_size is not None and args.batch_size < 1:
        raise _usage("--batch-size must be at least 1")
    if args.validation and args.validation_split is not None:
        raise _usage("give --validation or --validation-split, not both")
    if args.validation_split is not None and not 0 < args.validation_split < 1:
        raise _usage("--validation-split must be between 0 and 1")
    if args.checkpoint_every is not None and not args.checkpoint:
        raise _usage("--checkpoint-every needs --checkpoint DIR")
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise _usage("--checkpoint-every must be at least 1")
    if args.resume and not args.checkpoint:
        raise _usage("--resume needs --checkpoint DIR")
    model = _read_model(args.model)
    arrays = _load_npz(args.data, "--data")
    x, y = arrays["x"], arrays["y"]
    validation = None
    if args.validation:
        v = _load_npz(args.validation, "--validation")
        validation = (v["x"], v["y"])
    elif args.validation_split is not None:
        n_val = int(round(len(x) * args.validation_split))
        if not 0 < n_val < len(x):
            raise CliError("--validation-split %g of %d examples leaves no training or no "
                           "validation examples" % (args.validation_split, len(x)))
        validation = (x[-n_val:], y[-n_val:])  # the last examples, as Keras takes them
        x, y = x[:-n_val], y[:-n_val]

    from tflite_micro.training import Trainer
    it = _interpreter(model, args, args.model)
    signatures = it.get_signature_list()
    needed = ["train", "infer"] + (["save", "restore"] if args.checkpoint else []) \
        + (["save"] if args.out else [])
    missing = [s for s in dict.fromkeys(needed) if s not in signatures]
    if missing:
        raise CliError("%s has no %s signature%s (it has %s)%s" % (
            args.model, " or ".join(repr(s) for s in missing), "" if len(missing) == 1 else "s",
            ", ".join(sorted(signatures)) or "none",
            "; --checkpoint and --out need save and restore signatures"
            if set(missing) & {"save", "restore"} else ""))
    try:
        trainer = Trainer(it)
    except ValueError as e:
        raise CliError("%s: %s" % (args.model, e)) from None
    train_details = it.get_signature_runner("train").get_input_details()
    x_name, y_name = signatures["train"]["inputs"][:2] if len(signatures["train"]["inputs"]) \
        >= 2 else (None, None)
    if x_name is None:
        raise CliError("%s: train must take (inputs, labels); it takes %s"
                       % (args.model, signatures["train"]["inputs"]))
    if "bottleneck" in signatures:
        b_name = signatures["bottleneck"]["inputs"][0]
        x_details = it.get_signature_runner("bottleneck").get_input_details()[b_name]
        x_sig = "bottleneck"
    else:
        x_details, x_sig = train_details[x_name], "train"
    fixed = int(train_details[x_name]["shape_signature"][0]) \
        if len(train_details[x_name]["shape_signature"]) else -1
    batch_size = args.batch_size or (fixed if fixed > 0 else 32)
    if fixed > 0 and batch_size != fixed:
        raise CliError("%s trains on batches of exactly %d; --batch-size %d does not fit"
                       % (args.model, fixed, batch_size))
    _check_x(x, x_details, args.data, x_sig)
    y = _labels_for(y, train_details[y_name], args.data)
    if validation is not None:
        source = args.validation or args.data
        _check_x(validation[0], x_details, source, x_sig)
        validation = (validation[0], _labels_for(validation[1], train_details[y_name], source))
    batches = len(x) // batch_size if fixed > 0 else -(-len(x) // batch_size)
    if batches == 0:
        raise CliError("%d examples make no batch of %d" % (len(x), batch_size))

    print("training %s on %d examples%s: %d epoch%s of %d batches of %d" % (
        args.model, len(x), " (%d for validation)" % len(validation[0]) if validation else "",
        args.epochs, "" if args.epochs == 1 else "s", batches, batch_size))
    progress = _Progress(args.epochs, batches)
    t0 = time.perf_counter()
    try:
        history = trainer.fit(x, y, epochs=args.epochs, batch_size=batch_size,
                              shuffle=not args.no_shuffle, seed=args.seed,
                              validation_data=validation, checkpoint_dir=args.checkpoint,
                              checkpoint_every=args.checkpoint_every, resume=args.resume,
                              on_step=progress.step, on_epoch=progress.end_epoch)
    except (ValueError, RuntimeError) as e:
        if progress.epoch is not None:
            print()
        raise CliError("training failed: %s" % " ".join(str(e).split())) from None
    elapsed = time.perf_counter() - t0
    if not history.step_loss:
        print("nothing to train: the checkpoint in %s is already at epoch %d of %d"
              % (args.checkpoint, len(history.loss), args.epochs))
        return 0
    plan = next((g["planned_bytes"] for g in it.get_allocations()["subgraphs"]
                 if g["name"] == "train"), None)
    print("%d steps in %.2f s: %.3f ms per step; arena %s%s" % (
        len(history.step_loss), elapsed, history.seconds_per_step * 1e3,
        _fmt_bytes(it.arena_used_bytes()),
        " (train plan %s at batch %d)" % (_fmt_bytes(plan), batch_size)
        if plan is not None else ""))
    if args.checkpoint:
        print("checkpoint in %s" % args.checkpoint)
    if args.out:
        try:
            trainer.save(args.out)
        except (ValueError, RuntimeError) as e:
            raise CliError("cannot save %s: %s" % (args.out, e)) from None
        print("wrote %s" % args.out)
    if args.plot:
        from tflite_micro import _png
        first = history.steps - len(history.step_loss)
        try:
            _png.write_loss_plot(args.plot, history.step_loss, history.loss, batches,
                                 first_step=first)
        except OSError as e:
            raise CliError("cannot write %s: %s" % (args.plot, e.strerror or e)) from None
        print("wrote %s" % args.plot)
    return 0


# --------------------------------------------------------------- personalize

class _QuietStderr:
    """Sends fd 2 to a temporary file while TensorFlow runs: it logs to the
    C++ stderr on import and conversion whatever TF_CPP_MIN_LOG_LEVEL says.
    `log()` returns what it wrote."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._saved = None
        self._file = None

    def __enter__(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        if self.enabled:
            import tempfile
            sys.stderr.flush()
            self._file = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            sys.stderr.flush()
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None
        return False

    def log(self) -> str:
        if self._file is None:
            return ""
        self._file.seek(0)
        return self._file.read().decode("utf-8", "replace")


def _load_base(path: str):
    if not os.path.exists(path):
        raise CliError("--base %s: no such file or directory" % path)
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise CliError("--base %s is a directory but not a SavedModel (no saved_model.pb)"
                           % path)
        return path
    if path.endswith((".keras", ".h5")):
        try:
            import keras
        except ImportError:
            raise CliError("--base %s is a Keras file, which needs TensorFlow: "
                           "pip install 'tflite_micro[convert]'" % path) from None
        try:
            return keras.models.load_model(path, compile=False)
        except Exception as e:  # Keras raises many types for a bad file
            raise CliError("--base %s: Keras cannot load it: %s"
                           % (path, " ".join(str(e).split()))) from None
    return _read_model(path)


def cmd_personalize(args) -> int:
    if args.num_classes < 2:
        raise _usage("--num-classes must be at least 2")
    if args.learning_rate is not None and not args.learning_rate > 0:
        raise _usage("--learning-rate must be positive")
    if args.batch_size is not None and args.batch_size < 1:
        raise _usage("--batch-size must be at least 1")
    if args.momentum is not None and args.optimizer != "sgd":
        raise _usage("--momentum applies to --optimizer sgd only")
    if args.momentum is not None and not 0 <= args.momentum < 1:
        raise _usage("--momentum must be in [0, 1)")
    from tflite_micro import training
    hint = "" if args.verbose else " (--verbose shows TensorFlow's log)"
    t0 = time.perf_counter()
    with _QuietStderr(enabled=not args.verbose):
        try:
            base = _load_base(args.base)
            optimizer = args.optimizer
            if args.momentum is not None:
                optimizer = training.SGD(args.learning_rate or 0.01, momentum=args.momentum)
            model = training.personalize(base, head=args.head, optimizer=optimizer,
                                         num_classes=args.num_classes,
                                         batch_size=args.batch_size,
                                         learning_rate=args.learning_rate, loss=args.loss,
                                         seed=args.seed)
        except CliError:
            raise
        except ImportError as e:
            raise CliError("personalize needs TensorFlow (%s): pip install "
                           "'tflite_micro[convert]'" % e) from None
        except (ValueError, RuntimeError, TypeError) as e:
            raise CliError("personalize: %s%s" % (" ".join(str(e).split()), hint)) from None
        except Exception as e:  # TensorFlow's converter raises its own types
            raise CliError("personalize: %s: %s%s" % (type(e).__name__,
                                                      " ".join(str(e).split()), hint)) from None
    try:
        with open(args.out, "wb") as f:
            f.write(model)
    except OSError as e:
        raise CliError("cannot write %s: %s" % (args.out, e.strerror or e)) from None
    from tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model)
    print("wrote %s (%s) in %.1f s: signatures %s; arena %s" % (
        args.out, _fmt_bytes(len(model)), time.perf_counter() - t0,
        ", ".join(it.get_signature_list()), _fmt_bytes(it.arena_used_bytes())))
    print("next: %s train %s --data data.npz --epochs 5" % (PROG, args.out))
    return 0


# ---------------------------------------------------------------------- demo

def cmd_demo(args) -> int:
    """Personalization on scikit-learn's digits: tflite_micro.demo.main(argv)
    owns its options."""
    try:
        from tflite_micro import demo
    except ModuleNotFoundError as e:
        if e.name in ("tflite_micro.demo",):
            raise CliError("the demo is not part of this version of tflite_micro "
                           "(no module tflite_micro.demo)", 2) from None
        raise
    status = demo.main(list(args.demo_args))
    return int(status or 0)


# -------------------------------------------------------------------- parser

class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit status 2."""

    def error(self, message):
        hint = "%s --help" % self.prog
        sys.stderr.write("%s: error: %s (see %s)\n" % (PROG, message, hint))
        sys.exit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("%s must be at least 1" % text)
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Run, inspect, benchmark, personalize and train "
                "TensorFlow Lite models in the tflite_micro runtime.",
                epilog="Errors are one line on stderr; exit status 1 for a failure, 2 for a "
                       "usage error. %s=1 shows a traceback instead." % _TRACEBACK_ENV)
    p.add_argument("--version", action="version", version="%s %s" % (PROG, __version__))
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def model_options(q, arena=True):
        q.add_argument("model", metavar="MODEL", help="a .tflite file")
        if arena:
            q.add_argument("--arena-size", type=_positive_int, metavar="BYTES",
                           help="the tensor arena (default: found automatically)")
        q.add_argument("--custom-ops", action="append", metavar="LIB.so:SYMBOL",
                       help="a custom-op registerer (repeatable)")

    q = sub.add_parser("run", help="run a model on inputs from .npy files",
                       description="Runs subgraph 0 (or a signature) once and prints each "
                       "output's shape, dtype and values.")
    model_options(q)
    q.add_argument("--input", "-i", action="append", metavar="[NAME=]FILE",
                   help="an input (.npy); once per input in order, or NAME=FILE.npy; a .npz "
                        "gives inputs by array name")
    q.add_argument("--signature", "-s", metavar="NAME", help="run this signature")
    q.add_argument("--output", "-o", metavar="FILE",
                   help="save the output (.npy) or all outputs by name (.npz)")
    q.set_defaults(func=cmd_run)

    q = sub.add_parser("inspect", help="operators, tensors, signatures and arena need",
                       description="Lists the operators (counts, whether each is supported), "
                       "inputs and outputs (shape, dtype, quantization), the signatures and "
                       "the arena each needs.")
    model_options(q, arena=False)
    q.add_argument("--json", action="store_true", help="print the report as JSON")
    q.set_defaults(func=cmd_inspect)

    q = sub.add_parser("bench", help="time invokes",
                       description="Times invokes of subgraph 0 (or calls of a signature) "
                       "on random inputs, one thread; prints the median and the arena.")
    model_options(q)
    q.add_argument("--n", type=int, metavar="N",
                   help="number of timed invokes (default: about one second's worth)")
    q.add_argument("--signature", "-s", metavar="NAME", help="time this signature")
    q.add_argument("--batch-size", type=_positive_int, metavar="B",
                   help="size of a signature's dynamic (-1) dimensions (default: 1)")
    q.add_argument("--profile", action="store_true", help="also print time per operator")
    q.set_defaults(func=cmd_bench)

    q = sub.add_parser("train", help="train a model's train signature on .npz data",
                       description="Trains a model with train and infer signatures "
                       "(make_trainable, personalize, or TensorFlow's on-device-training "
                       "guide) on arrays x and y of a .npz file, in the runtime.")
    model_options(q)
    q.add_argument("--data", required=True, metavar="FILE.npz", help="arrays x and y")
    q.add_argument("--epochs", type=int, required=True, metavar="E")
    q.add_argument("--batch-size", type=int, metavar="B",
                   help="default: the model's fixed batch, else 32")
    q.add_argument("--validation", metavar="FILE.npz", help="validation arrays x and y")
    q.add_argument("--validation-split", type=float, metavar="F",
                   help="validate on the last fraction F of --data")
    q.add_argument("--checkpoint", metavar="DIR",
                   help="write a checkpoint here at the end of each epoch")
    q.add_argument("--checkpoint-every", type=int, metavar="N",
                   help="and every N steps")
    q.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --checkpoint DIR")
    q.add_argument("--plot", metavar="FILE.png", help="plot the loss curve to a PNG")
    q.add_argument("--out", metavar="FILE.ckpt", help="save the trained weights")
    q.add_argument("--seed", type=int, default=0, help="shuffling seed (default 0)")
    q.add_argument("--no-shuffle", action="store_true")
    q.set_defaults(func=cmd_train)

    q = sub.add_parser("personalize", help="a frozen base plus a trainable head, as one "
                       ".tflite (needs TensorFlow)",
                       description="Builds one .tflite with signatures bottleneck, train, "
                       "infer, save, restore and initialize from a frozen base and a "
                       "trainable softmax head.")
    q.add_argument("--base", required=True, metavar="BASE",
                   help="a .tflite (float or int8), a SavedModel directory or a .keras file")
    q.add_argument("--head", default="softmax", choices=["softmax"])
    q.add_argument("--num-classes", type=int, required=True, metavar="N")
    q.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "rmsprop"])
    q.add_argument("--momentum", type=float, metavar="M", help="SGD momentum")
    q.add_argument("--learning-rate", type=float, metavar="LR",
                   help="default: the optimizer's (sgd 0.01, adam and rmsprop 0.001)")
    q.add_argument("--batch-size", type=int, metavar="B",
                   help="a fixed training batch (default: any)")
    q.add_argument("--loss", choices=["sparse_categorical_crossentropy",
                                      "categorical_crossentropy"],
                   help="default: sparse_categorical_crossentropy (integer labels)")
    q.add_argument("--seed", type=int, default=0, help="the head's initial weights")
    q.add_argument("--out", required=True, metavar="FILE.tflite")
    q.add_argument("--verbose", action="store_true", help="show TensorFlow's log")
    q.set_defaults(func=cmd_personalize)

    q = sub.add_parser("demo", help="personalization on scikit-learn's digits, end to end",
                       description="Runs tflite_micro.demo; its options follow.",
                       add_help=False)
    q.add_argument("demo_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    q.set_defaults(func=cmd_demo)
    return p


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text or type(e).__name__


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv[:1] == ["demo"]:
        # The demo parses its own options (argparse's REMAINDER would not
        # take a leading "--option").
        args = argparse.Namespace(command="demo", func=cmd_demo, demo_args=argv[1:])
    else:
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        status = e.status
        message = _one_line(e)
    except KeyboardInterrupt:
        sys.stderr.write("\n%s: interrupted\n" % PROG)
        return 130
    except BrokenPipeError:
        # stdout closed early (| head): not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (ValueError, RuntimeError, OSError) as e:
        if os.environ.get(_TRACEBACK_ENV):
            raise
        status, message = 1, _one_line(e)
    except Exception as e:  # a bug: still one line, with the exception's type
        if os.environ.get(_TRACEBACK_ENV):
            raise
        status = 1
        message = "%s: %s (internal error; %s=1 shows the traceback)" % (
            type(e).__name__, _one_line(e), _TRACEBACK_ENV)
    sys.stdout.flush()
    sys.stderr.write("%s: error: %s\n" % (PROG, message))
    return status


if __name__ == "__main__":
    sys.exit(main())
