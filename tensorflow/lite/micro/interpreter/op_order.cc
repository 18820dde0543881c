// The order a subgraph's operators run in.
//
// The model's order is one topological order; the interpreter may run any
// other that respects
//   - data: an op runs after the producers of its inputs;
//   - effects: ops that read or write the same resource variable keep their
//     relative order (READ_VARIABLE, ASSIGN_VARIABLE on one variable; a
//     resource whose variable is unknown conflicts with every variable op);
//     checkpoint ops (Save, Restore, ...) keep theirs; ops that run other
//     subgraphs (CALL_ONCE, IF, WHILE) and custom ops of unknown effect are
//     barriers ordered against every effect op.
// Two list schedules are built: one that follows the model's order, one
// that greedily runs the ready op that adds the fewest live bytes (frees
// the most), so an optimizer update runs as soon as its gradient exists and
// the gradient's buffer is released. The second is kept when its peak of
// live tensor bytes (estimated from the model's shapes, dynamic dims as 1)
// is lower. In both, every checkpoint restore runs before the first op that
// changes a variable, so a restore that fails changes nothing.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"
#include "tensorflow/lite/micro/schema/builtin_ops.h"

namespace tflm {
namespace {

enum EffectKind : uint8_t {
  kPure = 0,
  kVariableOp,      // READ_VARIABLE / ASSIGN_VARIABLE (key = variable id, -1 unknown)
  kCheckpointOp,    // Save / SaveV2
  kRestoreOp,       // Restore / RestoreV2: also a checkpoint op
  kBarrier,         // runs subgraphs or has unknown effects
};

bool IsFlexCheckpointOp(const char* name, bool* restore) {
  if (strcmp(name, "FlexRestore") == 0 || strcmp(name, "FlexRestoreV2") == 0) {
    *restore = true;
    return true;
  }
  *restore = false;
  return strcmp(name, "FlexSave") == 0 || strcmp(name, "FlexSaveV2") == 0;
}

// Whether ops a (earlier in the model) and b must keep their order.
bool Conflict(uint8_t kind_a, int32_t key_a, uint8_t kind_b, int32_t key_b) {
  if (kind_a == kPure || kind_b == kPure) return false;
  if (kind_a == kBarrier || kind_b == kBarrier) return true;
  const bool file_a = kind_a == kCheckpointOp || kind_a == kRestoreOp;
  const bool file_b = kind_b == kCheckpointOp || kind_b == kRestoreOp;
  if (file_a || file_b) return file_a && file_b;
  return key_a < 0 || key_b < 0 || key_a == key_b;
}

struct Scratch {
  uint8_t* kind;        // per node
  int32_t* key;         // per node
  int32_t* pending;     // per node: unscheduled producers + earlier conflicts
  uint8_t* done;        // per node
  int32_t* producer;    // per tensor: node, or -1
  int32_t* uses;        // per tensor: consumers not yet scheduled
  uint32_t* bytes;      // per tensor: estimated planned bytes (0: not planned)
  uint8_t* is_output;   // per tensor
};

}  // namespace

Status MicroInterpreter::OrderNodes(uint32_t s) {
  SubgraphState& g = subgraphs_[s];
  const uint32_t n = g.num_nodes;
  if (n < 2) return Status::kOk;
  const uint32_t nt = g.num_tensors;
  const size_t mark = arena_.temp_used();
  Scratch w;
  w.kind = static_cast<uint8_t*>(arena_.AllocateTemp(n, 1));
  w.done = static_cast<uint8_t*>(arena_.AllocateTemp(n, 1));
  w.key = static_cast<int32_t*>(arena_.AllocateTemp(4 * n, 4));
  w.pending = static_cast<int32_t*>(arena_.AllocateTemp(4 * n, 4));
  w.producer = static_cast<int32_t*>(arena_.AllocateTemp(4 * nt + 4, 4));
  w.uses = static_cast<int32_t*>(arena_.AllocateTemp(4 * nt + 4, 4));
  w.bytes = static_cast<uint32_t*>(arena_.AllocateTemp(4 * nt + 4, 4));
  w.is_output = static_cast<uint8_t*>(arena_.AllocateTemp(nt + 1, 1));
  uint32_t* order[2] = {static_cast<uint32_t*>(arena_.AllocateTemp(4 * n, 4)),
                        static_cast<uint32_t*>(arena_.AllocateTemp(4 * n, 4))};
  Node* sorted = static_cast<Node*>(arena_.AllocateTemp(sizeof(Node) * n, alignof(Node)));
  if (w.kind == nullptr || w.done == nullptr || w.key == nullptr || w.pending == nullptr ||
      w.producer == nullptr || w.uses == nullptr || w.bytes == nullptr ||
      w.is_output == nullptr || order[0] == nullptr || order[1] == nullptr ||
      sorted == nullptr) {
    arena_.ResetTempTo(mark);
    return OutOfMemory();
  }

  constexpr int32_t kRead = static_cast<int32_t>(BuiltinOp::kREAD_VARIABLE);
  constexpr int32_t kAssign = static_cast<int32_t>(BuiltinOp::kASSIGN_VARIABLE);
  for (uint32_t o = 0; o < n; ++o) {
    const Node& node = g.nodes[o];
    w.key[o] = -1;
    bool restore = false;
    if (node.builtin_code == kRead || node.builtin_code == kAssign) {
      w.kind[o] = kVariableOp;
      if (node.num_inputs > 0 && node.inputs[0] >= 0) {
        w.key[o] = VariableOfResource(s, node.inputs[0]);
      }
    } else if (node.builtin_code == static_cast<int32_t>(BuiltinOp::kCALL_ONCE) ||
               node.builtin_code == static_cast<int32_t>(BuiltinOp::kIF) ||
               node.builtin_code == static_cast<int32_t>(BuiltinOp::kWHILE)) {
      w.kind[o] = kBarrier;
    } else if (node.builtin_code < 0 &&
               IsFlexCheckpointOp(node.registration->name, &restore)) {
      w.kind[o] = restore ? kRestoreOp : kCheckpointOp;
    } else if (node.builtin_code < 0 && strncmp(node.registration->name, "Flex", 4) != 0) {
      w.kind[o] = kBarrier;  // a custom op: its effects are unknown
    } else {
      w.kind[o] = kPure;
    }
  }
  // Tensors: producers, consumer counts, sizes from the model's shapes.
  for (uint32_t t = 0; t < nt; ++t) {
    w.producer[t] = -1;
    w.is_output[t] = 0;
    const Tensor& tensor = g.tensors[t];
    uint32_t bytes = 0;
    if (tensor.kind == TensorKind::kPlanned) {
      int64_t elements = 1;
      for (int i = 0; i < tensor.rank; ++i) elements *= tensor.dims[i] > 0 ? tensor.dims[i] : 1;
      const int64_t b = elements * static_cast<int64_t>(DataTypeSize(tensor.type));
      bytes = b > 0x7fffffff ? 0x7fffffffu : static_cast<uint32_t>(b);
    }
    w.bytes[t] = bytes;
  }
  const Int32Span outputs = model_.subgraph_outputs(s);
  for (uint32_t i = 0; i < outputs.size; ++i) {
    if (outputs[i] >= 0 && static_cast<uint32_t>(outputs[i]) < nt) w.is_output[outputs[i]] = 1;
  }
  for (uint32_t o = 0; o < n; ++o) {
    const Node& node = g.nodes[o];
    for (int k = 0; k < node.num_outputs; ++k) {
      if (node.outputs[k] >= 0) w.producer[node.outputs[k]] = static_cast<int32_t>(o);
    }
  }

  // One list schedule; policy 0 = model order, 1 = fewest added bytes.
  // Returns the peak of estimated live bytes.
  auto schedule = [&](int policy, uint32_t* out) -> uint64_t {
    for (uint32_t t = 0; t < nt; ++t) w.uses[t] = 0;
    for (uint32_t o = 0; o < n; ++o) {
      const Node& node = g.nodes[o];
      w.done[o] = 0;
      int32_t pending = 0;
      for (int k = 0; k < node.num_inputs; ++k) {
        const int32_t t = node.inputs[k];
        if (t < 0) continue;
        ++w.uses[t];
        // An op that updates a tensor in place (reads and writes it) does
        // not wait for itself.
        if (w.producer[t] >= 0 && w.producer[t] != static_cast<int32_t>(o)) ++pending;
      }
      for (uint32_t p = 0; p < o; ++p) {
        if (Conflict(w.kind[p], w.key[p], w.kind[o], w.key[o])) ++pending;
      }
      w.pending[o] = pending;
    }
    uint32_t restores_left = 0;
    for (uint32_t o = 0; o < n; ++o) restores_left += w.kind[o] == kRestoreOp ? 1 : 0;
    uint64_t live = 0, peak = 0;
    for (uint32_t step = 0; step < n; ++step) {
      int32_t best = -1;
      int64_t best_delta = 0;
      int best_tier = 0;
      for (uint32_t o = 0; o < n; ++o) {
        if (w.done[o] || w.pending[o] != 0) continue;
        // Restores first; nothing that writes a variable while one is left.
        int tier = w.kind[o] == kRestoreOp ? 0 : 1;
        if (restores_left > 0 && w.kind[o] == kVariableOp &&
            g.nodes[o].builtin_code == kAssign) {
          tier = 2;
        }
        int64_t delta = 0;
        if (policy == 1) {
          const Node& node = g.nodes[o];
          for (int k = 0; k < node.num_outputs; ++k) {
            if (node.outputs[k] >= 0) delta += w.bytes[node.outputs[k]];
          }
          for (int k = 0; k < node.num_inputs; ++k) {
            const int32_t t = node.inputs[k];
            if (t < 0 || w.is_output[t]) continue;
            int32_t same = 0;  // the op may read a tensor twice
            for (int j = 0; j < node.num_inputs; ++j) same += node.inputs[j] == t ? 1 : 0;
            bool first = true;
            for (int j = 0; j < k; ++j) first = first && node.inputs[j] != t;
            if (first && w.uses[t] == same) delta -= w.bytes[t];
          }
        }
        if (best < 0 || tier < best_tier || (tier == best_tier && delta < best_delta)) {
          best = static_cast<int32_t>(o);
          best_delta = delta;
          best_tier = tier;
        }
      }
      if (best < 0) return UINT64_MAX;  // a cycle: cannot happen in a valid model
      const uint32_t b = static_cast<uint32_t>(best);
      const Node& node = g.nodes[b];
      out[step] = b;
      w.done[b] = 1;
      if (w.kind[b] == kRestoreOp) --restores_left;
      for (int k = 0; k < node.num_outputs; ++k) {
        if (node.outputs[k] >= 0) live += w.bytes[node.outputs[k]];
      }
      if (live > peak) peak = live;
      for (int k = 0; k < node.num_inputs; ++k) {
        const int32_t t = node.inputs[k];
        if (t < 0) continue;
        if (--w.uses[t] == 0 && !w.is_output[t]) live -= w.bytes[t];
      }
      for (int k = 0; k < node.num_outputs; ++k) {
        const int32_t t = node.outputs[k];
        if (t >= 0 && w.uses[t] == 0 && !w.is_output[t]) live -= w.bytes[t];
      }
      // Release the ops waiting on this one.
      for (uint32_t o = 0; o < n; ++o) {
        if (w.done[o]) continue;
        const Node& other = g.nodes[o];
        for (int k = 0; k < other.num_inputs; ++k) {
          const int32_t t = other.inputs[k];
          if (t >= 0 && w.producer[t] == best) --w.pending[o];
        }
        if (o > b && Conflict(w.kind[b], w.key[b], w.kind[o], w.key[o])) --w.pending[o];
      }
    }
    return peak;
  };

  const uint64_t model_peak = schedule(0, order[0]);
  int chosen = 0;
  if (options_.reorder_ops) {
    const uint64_t greedy_peak = schedule(1, order[1]);
    if (greedy_peak < model_peak) chosen = 1;
  }
  if (model_peak == UINT64_MAX) {
    arena_.ResetTempTo(mark);
    return reporter_.Report(Status::kMalformedModel,
                            "subgraph %u: its operators' inputs form a cycle", s);
  }
  bool identity = true;
  for (uint32_t i = 0; i < n; ++i) identity = identity && order[chosen][i] == i;
  if (!identity) {
    for (uint32_t i = 0; i < n; ++i) sorted[i] = g.nodes[order[chosen][i]];
    memcpy(g.nodes, sorted, sizeof(Node) * n);
  }
  arena_.ResetTempTo(mark);
  return Status::kOk;
}

}  // namespace tflm
