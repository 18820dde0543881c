"""Operand contracts, end to end: real converted models with one operator
input rewritten to -1 (omitted) in the flatbuffer, for every operator and
every input slot in turn. The runtime either runs the mutant (the input was
optional) or refuses it with a ValueError naming the op; it never crashes.

The mutants run in one child process, so a crash fails the test with the
mutant that caused it instead of taking pytest down."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

import model_zoo
import tflm_testing as tt

# (model, quantization): convolutions, pooling, fully connected and softmax
# (float and int8), and an LSTM whose CIFG/peephole/projection inputs are
# already omitted.
MODELS = [("small_cnn", "float"), ("small_cnn", "int8"), ("lstm", "float")]


def _operator_input_slots(model: bytes):
    """(subgraph, operator, op name, input slot, byte offset of the slot's
    tensor index) for every operator input of the model."""
    fb = model_zoo._schema()
    m = fb.Model.GetRootAs(model, 0)
    ops = model_zoo.op_list(model)  # custom ops as "CUSTOM:<name>"
    slots = []
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for o in range(sg.OperatorsLength()):
            op = sg.Operators(o)
            # Operator.inputs is field 1: vtable slot 6; Vector() gives the
            # position of element 0.
            field = op._tab.Offset(6)
            if field == 0:
                continue
            start = op._tab.Vector(field)
            for k in range(op.InputsLength()):
                pos = start + 4 * k
                assert int.from_bytes(model[pos:pos + 4], "little", signed=True) == op.Inputs(k)
                slots.append((s, o, ops[s][o].replace("CUSTOM:", ""), k, pos, op.Inputs(k)))
    return slots


_CHILD = r"""
import json, sys
import numpy as np
from tflite_micro import runtime

for line in sys.stdin:
    job = json.loads(line)
    print(json.dumps({"id": job["id"], "state": "start"}), flush=True)
    data = open(job["path"], "rb").read()
    try:
        it = runtime.Interpreter.from_bytes(data)
        for i in range(it.num_inputs()):
            d = it.get_input_details(i)
            it.set_input(np.zeros(d["shape"], d["dtype"]), i)
        it.invoke()
        for i in range(it.num_outputs()):
            it.get_output(i)
        result = {"id": job["id"], "state": "ran"}
    except Exception as e:  # reported to the parent, which checks the type
        result = {"id": job["id"], "state": "raised", "type": type(e).__name__,
                  "message": str(e)}
    print(json.dumps(result), flush=True)
"""


@pytest.mark.parametrize("name,quant", MODELS)
def test_omitted_operator_inputs_never_crash(tmp_path, name, quant):
    model = model_zoo.cached_build(name, quant, str(tt.CACHE_DIR))
    slots = _operator_input_slots(model)
    assert slots, "the model has no operator inputs"
    jobs = []
    for i, (s, o, op_name, k, pos, original) in enumerate(slots):
        if original == -1:
            continue  # already omitted in the converted model
        mutant = bytearray(model)
        mutant[pos:pos + 4] = (-1).to_bytes(4, "little", signed=True)
        path = tmp_path / f"mutant{i}.tflite"
        path.write_bytes(bytes(mutant))
        jobs.append({"id": i, "path": str(path), "op": op_name, "slot": k, "subgraph": s,
                     "operator": o})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, "-c", _CHILD],
                          input="".join(json.dumps(j) + "\n" for j in jobs),
                          capture_output=True, text=True, env=env, timeout=120)
    by_id = {j["id"]: j for j in jobs}
    started = None
    results = {}
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r["state"] == "start":
            started = r["id"]
        else:
            results[r["id"]] = r
    if proc.returncode != 0:
        j = by_id.get(started, {})
        pytest.fail(f"the runtime crashed (exit {proc.returncode}) on {j.get('op')} "
                    f"(operator {j.get('operator')}) with input {j.get('slot')} omitted:\n"
                    f"{proc.stderr[-3000:]}")
    assert len(results) == len(jobs)
    refused = 0
    for i, r in results.items():
        j = by_id[i]
        what = f"{j['op']} (operator {j['operator']}) input {j['slot']} omitted"
        if r["state"] == "ran":
            continue
        refused += 1
        assert r["type"] == "ValueError", f"{what}: {r['type']}: {r['message']}"
        assert j["op"] in r["message"], f"{what}: the message does not name the op: " \
                                        f"{r['message']}"
    # Most inputs of these models are required (data, weights).
    assert refused >= len(jobs) // 2


def test_omitted_required_input_names_the_operand():
    model = model_zoo.cached_build("small_cnn", "float", str(tt.CACHE_DIR))
    from tflite_micro import runtime
    slots = _operator_input_slots(model)
    s, o, op_name, k, pos, _ = next(x for x in slots if x[2] == "CONV_2D" and x[3] == 1)
    mutant = bytearray(model)
    mutant[pos:pos + 4] = (-1).to_bytes(4, "little", signed=True)
    with pytest.raises(ValueError) as e:
        runtime.Interpreter.from_bytes(bytes(mutant))
    message = str(e.value)
    assert f"CONV_2D (operator {o} in subgraph {s}) input 1 ('filter') is omitted" in message
    # The optional bias may be omitted: the model still runs.
    s, o, op_name, k, pos, _ = next(x for x in slots if x[2] == "CONV_2D" and x[3] == 2)
    mutant = bytearray(model)
    mutant[pos:pos + 4] = (-1).to_bytes(4, "little", signed=True)
    x = tt.model_inputs(model, seed=0)
    out = tt.run_ours(bytes(mutant), x)
    assert out[0].shape == tt.run_ours(model, x)[0].shape
