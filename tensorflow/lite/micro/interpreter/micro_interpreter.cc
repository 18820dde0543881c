#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"

#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/core/memory_planner.h"
#include "tensorflow/lite/micro/core/string_tensor.h"
#include "tensorflow/lite/micro/interpreter/op_contract.h"
#include "tensorflow/lite/micro/schema/builtin_ops.h"

namespace tflm {
namespace {

// Characters a string input holds before the caller sizes it
// (SetStringCapacity): enough for a file path.
constexpr size_t kDefaultStringChars = 240;

uint32_t ShapeBytes(const Tensor& t) {
  return static_cast<uint32_t>(DataTypeSize(t.type) * static_cast<size_t>(t.NumElements()));
}

constexpr int32_t kCustomCode = static_cast<int32_t>(BuiltinOp::kCUSTOM);

// Tensors that own their shape (inputs, variables) have kMaxRank dims of
// storage; those a caller can resize (inputs with a dynamic dimension or of
// strings) also keep the dims and bytes of the last successful plan after
// them (MicroInterpreter::KeepOwnedShapes).
constexpr int kKeptShapeSlot = kMaxRank + 1;

bool Resizable(const Tensor& t) {
  return (t.flags & kTensorOwnsShape) != 0 && t.kind == TensorKind::kPlanned &&
         ((t.flags & kTensorDynamicShape) != 0 || t.type == DataType::kString);
}
bool Resizable(const TensorInfo& info) {
  if (info.is_variable) return false;
  if (info.type == DataType::kString) return true;
  for (uint32_t i = 0; i < info.shape_signature.size; ++i) {
    if (info.shape_signature[i] < 0) return true;
  }
  return false;
}

// Flex ops carry the TensorFlow op name after this prefix.
constexpr char kFlexPrefix[] = "Flex";

bool StartsWith(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

}  // namespace

MicroInterpreter::MicroInterpreter(const uint8_t* model_data,
                                   size_t model_size,
                                   const OpResolver& resolver, uint8_t* arena,
                                   size_t arena_size,
                                   const InterpreterOptions& options)
    : model_(model_data, model_size),
      resolver_(resolver),
      arena_buffer_(arena),
      arena_buffer_size_(arena_size),
      options_(options) {
  context_.interpreter_ = this;
}

Status MicroInterpreter::AllocateTensors() {
  if (allocated_) {
    return needs_prepare_ ? Replan() : Status::kOk;
  }
  reporter_.Clear();
  TFLM_RETURN_IF_ERROR(model_.Verify(reporter_));
  arena_.Init(arena_buffer_, arena_buffer_size_);
  if (arena_.capacity() == 0) {
    return reporter_.Report(Status::kArenaTooSmall,
                            "arena is empty or too small to align (%zu bytes)",
                            arena_buffer_size_);
  }
  num_subgraphs_ = model_.num_subgraphs();
  subgraphs_ = static_cast<SubgraphState*>(arena_.AllocatePersistent(
      sizeof(SubgraphState) * num_subgraphs_, alignof(SubgraphState),
      AllocationKind::kSubgraphs));
  if (subgraphs_ == nullptr) {
    return reporter_.Report(Status::kArenaTooSmall,
                            "arena is too small: needs at least %zu bytes",
                            arena_.required_bytes());
  }
  memset(subgraphs_, 0, sizeof(SubgraphState) * num_subgraphs_);
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    TFLM_RETURN_IF_ERROR(InitTensors(s));
    TFLM_RETURN_IF_ERROR(InitNodes(s));
  }
  TFLM_RETURN_IF_ERROR(ResolveResourceVariables());
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    TFLM_RETURN_IF_ERROR(OrderNodes(s));
  }
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    for (uint32_t o = 0; o < subgraphs_[s].num_nodes; ++o) {
      TFLM_RETURN_IF_ERROR(RunPhase(OpPhase::kInit, s, o));
    }
  }
  arena_.MarkInitDone();
  TFLM_RETURN_IF_ERROR(PrepareAndPlan());
  TFLM_RETURN_IF_ERROR(ZeroVariables());
  KeepOwnedShapes(true);
  allocated_ = true;
  return Status::kOk;
}

void MicroInterpreter::KeepOwnedShapes(bool save) {
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    SubgraphState& g = subgraphs_[s];
    for (uint32_t t = 0; t < g.num_tensors; ++t) {
      Tensor& tensor = g.tensors[t];
      if (!Resizable(tensor)) continue;
      int32_t* dims = const_cast<int32_t*>(tensor.dims);  // owned storage
      int32_t* kept = dims + kMaxRank;
      if (save) {
        for (int i = 0; i < tensor.rank; ++i) kept[i] = dims[i];
        kept[kMaxRank] = static_cast<int32_t>(tensor.bytes);
      } else {
        for (int i = 0; i < tensor.rank; ++i) dims[i] = kept[i];
        tensor.bytes = static_cast<uint32_t>(kept[kMaxRank]);
      }
    }
  }
}

Status MicroInterpreter::Replan() {
  const Status status = PrepareAndPlan();
  if (status == Status::kOk) {
    KeepOwnedShapes(true);
    return status;
  }
  // A resize the arena or the kernels refuse must not break the next call:
  // go back to the shapes of the last plan and plan them again. A successful
  // plan reports nothing, so the message of the failure stays.
  KeepOwnedShapes(false);
  if (PrepareAndPlan() != Status::kOk) needs_prepare_ = true;
  return status;
}

Status MicroInterpreter::InitTensors(uint32_t s) {
  SubgraphState& g = subgraphs_[s];
  g.num_tensors = model_.num_tensors(s);
  g.num_nodes = model_.num_operators(s);
  g.tensors = static_cast<Tensor*>(arena_.AllocatePersistent(
      sizeof(Tensor) * g.num_tensors, alignof(Tensor),
      AllocationKind::kTensorTable));
  if (g.tensors == nullptr && g.num_tensors != 0) {
    return reporter_.Report(Status::kArenaTooSmall,
                            "arena is too small: needs at least %zu bytes",
                            arena_.required_bytes());
  }
  // Which tensors are used at all: subgraph inputs/outputs and operator
  // inputs/outputs/intermediates. Counted with the tensor table as scratch:
  // flags holds 1 while counting.
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    g.tensors[t] = Tensor{};
  }
  auto mark = [&](Int32Span span) {
    for (uint32_t i = 0; i < span.size; ++i) {
      if (span[i] >= 0) g.tensors[span[i]].flags = 1;
    }
  };
  mark(model_.subgraph_inputs(s));
  mark(model_.subgraph_outputs(s));
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const OperatorInfo op = model_.op(s, o);
    mark(op.inputs);
    mark(op.outputs);
    mark(op.intermediates);
  }
  // One producer per tensor (flags bit 2 while counting): two operators
  // writing one tensor would give it two storage plans (a resource handle
  // and an array, say). Variable tensors are state that ops update in place.
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const Int32Span outputs = model_.op(s, o).outputs;
    for (uint32_t i = 0; i < outputs.size; ++i) {
      const int32_t t = outputs[i];
      if (t < 0) continue;
      if ((g.tensors[t].flags & 2) != 0 && !model_.tensor(s, static_cast<uint32_t>(t)).is_variable) {
        return reporter_.Report(Status::kMalformedModel,
                                "model is malformed: tensor '%s' of subgraph %u is the output "
                                "of more than one operator (the second is operator %u)",
                                model_.tensor(s, static_cast<uint32_t>(t)).name, s, o);
      }
      g.tensors[t].flags |= 2;
    }
  }
  // And every tensor an operator reads has a value: a constant, a variable,
  // a subgraph input or an operator's output. Otherwise it would be read
  // uninitialized (arena bytes that are not even a valid bool).
  const Int32Span graph_inputs = model_.subgraph_inputs(s);
  for (uint32_t i = 0; i < graph_inputs.size; ++i) {
    if (graph_inputs[i] >= 0) g.tensors[graph_inputs[i]].flags |= 2;
  }
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const Int32Span inputs = model_.op(s, o).inputs;
    for (uint32_t i = 0; i < inputs.size; ++i) {
      const int32_t t = inputs[i];
      if (t < 0 || (g.tensors[t].flags & 2) != 0) continue;
      const TensorInfo info = model_.tensor(s, static_cast<uint32_t>(t));
      size_t data_size = 0;
      // (A tensor without elements has nothing to read.)
      if (info.is_variable || model_.buffer_data(info.buffer, &data_size) != nullptr ||
          (info.shape.size > 0 &&
           ShapeNumElements(info.shape.data, static_cast<int>(info.shape.size)) == 0)) {
        continue;
      }
      return reporter_.Report(Status::kMalformedModel,
                              "model is malformed: operator %u of subgraph %u reads tensor "
                              "'%s', which has no value (not a constant, variable, subgraph "
                              "input or operator output)",
                              o, s, info.name);
    }
  }
  // Shape storage that lives as long as the interpreter: only subgraph
  // inputs (ResizeInputTensor writes them) and variables own some. Every
  // other tensor points at its model shape until a prepare changes it
  // (OpContext::SetShape then takes storage from the prepare zone).
  const Int32Span subgraph_inputs = model_.subgraph_inputs(s);
  auto is_input = [&](uint32_t t) {
    for (uint32_t i = 0; i < subgraph_inputs.size; ++i) {
      if (static_cast<uint32_t>(subgraph_inputs[i]) == t) return true;
    }
    return false;
  };
  uint32_t shape_words = 0;
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    const TensorInfo info = model_.tensor(s, t);
    size_t data_size = 0;
    const uint8_t* data = model_.buffer_data(info.buffer, &data_size);
    if (data == nullptr && g.tensors[t].flags != 0 &&
        (is_input(t) || info.is_variable)) {
      shape_words += kMaxRank + (Resizable(info) ? kKeptShapeSlot : 0);
    }
  }
  int32_t* shapes = nullptr;
  if (shape_words > 0) {
    shapes = static_cast<int32_t*>(arena_.AllocatePersistent(
        sizeof(int32_t) * shape_words, alignof(int32_t),
        AllocationKind::kTensorShapes));
    if (shapes == nullptr) {
      return reporter_.Report(Status::kArenaTooSmall,
                              "arena is too small: needs at least %zu bytes",
                              arena_.required_bytes());
    }
  }
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    Tensor& tensor = g.tensors[t];
    const bool used = tensor.flags != 0;
    const TensorInfo info = model_.tensor(s, t);
    tensor.flags = 0;
    tensor.type = info.type;
    tensor.rank = static_cast<uint8_t>(info.shape.size);
    for (uint32_t i = 0; i < info.shape_signature.size; ++i) {
      if (info.shape_signature[i] < 0) tensor.flags |= kTensorDynamicShape;
    }
    size_t data_size = 0;
    const uint8_t* data = model_.buffer_data(info.buffer, &data_size);
    // An empty constant (e.g. the multiples of a scalar TILE) has a buffer
    // but no bytes: it is still a constant, known at prepare.
    if (data == nullptr && info.buffer != 0 && info.shape.size > 0 &&
        ShapeNumElements(info.shape.data, static_cast<int>(info.shape.size)) == 0 &&
        !is_input(t)) {
      data = model_.data();
      data_size = 0;
    }
    if (data != nullptr) {
      tensor.kind = TensorKind::kConstant;
      tensor.data = const_cast<uint8_t*>(data);  // never written by kernels
      tensor.dims = info.shape.data;
      tensor.bytes = static_cast<uint32_t>(data_size);
      // The converter does not always align a buffer to its element size
      // (e.g. int64 biases at a 4-byte offset). Kernels read constants in
      // place, so copy such a buffer into the arena once.
      const size_t element = DataTypeSize(info.type);
      if (element > 1 && (reinterpret_cast<uintptr_t>(data) % element) != 0) {
        void* copy = arena_.AllocatePersistent(
            data_size, kArenaAlignment, AllocationKind::kRealignedConstants);
        if (copy == nullptr) {
          return reporter_.Report(Status::kArenaTooSmall,
                                  "arena is too small: needs at least %zu bytes",
                                  arena_.required_bytes());
        }
        memcpy(copy, data, data_size);
        tensor.data = copy;
      }
      continue;
    }
    if (!used) {
      tensor.kind = TensorKind::kUnused;
      tensor.dims = info.shape.data;
      continue;
    }
    if (is_input(t) || info.is_variable) {
      int32_t* dims = shapes;
      shapes += kMaxRank + (Resizable(info) ? kKeptShapeSlot : 0);
      for (uint32_t i = 0; i < info.shape.size; ++i) dims[i] = info.shape[i];
      tensor.dims = dims;
      tensor.flags |= kTensorOwnsShape;
    } else {
      tensor.dims = info.shape.data;
    }
    tensor.bytes = ShapeBytes(tensor);
    if (tensor.type == DataType::kString) {
      tensor.bytes = static_cast<uint32_t>(
          StringTensorBytes(static_cast<int32_t>(tensor.NumElements()),
                            kDefaultStringChars * static_cast<size_t>(tensor.NumElements())));
    }
    if (info.is_variable) {
      tensor.flags |= kTensorIsVariable;
      tensor.kind = TensorKind::kPersistent;
      tensor.data = arena_.AllocatePersistent(tensor.bytes, kArenaAlignment,
                                              AllocationKind::kVariables);
      if (tensor.data == nullptr && tensor.bytes != 0) {
        return reporter_.Report(Status::kArenaTooSmall,
                                "arena is too small: needs at least %zu bytes",
                                arena_.required_bytes());
      }
    } else {
      tensor.kind = TensorKind::kPlanned;
    }
  }
  return Status::kOk;
}

Status MicroInterpreter::ResolveNode(uint32_t s, uint32_t o, Node* node) {
  const OperatorInfo op = model_.op(s, o);
  const OpCodeInfo code = model_.operator_code(op.opcode_index);
  const OpRegistration* registration = nullptr;
  if (code.builtin_code == kCustomCode) {
    registration = resolver_.FindCustom(code.custom_name);
    if (registration == nullptr) {
      if (StartsWith(code.custom_name, kFlexPrefix)) {
        return reporter_.Report(
            Status::kUnsupported,
            "unsupported op '%s' (TensorFlow op '%s' as a Flex op) at "
            "subgraph %u operator %u: this runtime has no kernel for it",
            code.custom_name, code.custom_name + strlen(kFlexPrefix), s, o);
      }
      return reporter_.Report(
          Status::kUnsupported,
          "unsupported custom op '%s' at subgraph %u operator %u: not "
          "registered (pass a custom_op_registerer that registers it)",
          code.custom_name, s, o);
    }
  } else {
    registration = resolver_.FindBuiltin(code.builtin_code);
    if (registration == nullptr) {
      return reporter_.Report(
          Status::kUnsupported,
          "unsupported op '%s' (builtin code %d) at subgraph %u operator %u: "
          "the op resolver has no kernel for it",
          BuiltinOpName(code.builtin_code), static_cast<int>(code.builtin_code),
          s, o);
    }
  }
  if (registration->max_version > 0 && code.version > registration->max_version) {
    return reporter_.Report(
        Status::kUnsupported,
        "unsupported op version: '%s' version %d at subgraph %u operator %u "
        "(this runtime supports up to version %d)",
        registration->name, static_cast<int>(code.version), s, o,
        registration->max_version);
  }
  if (op.inputs.size > 0xffff || op.outputs.size > 0xffff ||
      op.intermediates.size > 0xffff) {
    return reporter_.Report(Status::kMalformedModel,
                            "model is malformed: operator %u has too many "
                            "tensors",
                            o);
  }
  TFLM_RETURN_IF_ERROR(
      CheckOperandContract(*registration, op, model_.num_tensors(s), s, o, reporter_));
  node->registration = registration;
  node->inputs = op.inputs.data;
  node->outputs = op.outputs.data;
  node->intermediates = op.intermediates.data;
  node->num_inputs = static_cast<uint16_t>(op.inputs.size);
  node->num_outputs = static_cast<uint16_t>(op.outputs.size);
  node->num_intermediates = static_cast<uint16_t>(op.intermediates.size);
  node->version = static_cast<uint16_t>(code.version);
  node->builtin_code = code.builtin_code == kCustomCode ? -1 : code.builtin_code;
  node->op_data = nullptr;
  node->model_op = o;
  return Status::kOk;
}

Status MicroInterpreter::InitNodes(uint32_t s) {
  SubgraphState& g = subgraphs_[s];
  if (g.num_nodes == 0) return Status::kOk;
  g.nodes = static_cast<Node*>(arena_.AllocatePersistent(
      sizeof(Node) * g.num_nodes, alignof(Node), AllocationKind::kNodes));
  if (g.nodes == nullptr) {
    return reporter_.Report(Status::kArenaTooSmall,
                            "arena is too small: needs at least %zu bytes",
                            arena_.required_bytes());
  }
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    TFLM_RETURN_IF_ERROR(ResolveNode(s, o, &g.nodes[o]));
  }
  return Status::kOk;
}

void MicroInterpreter::VarHandleNames(uint32_t s, uint32_t o, const char** container,
                                      const char** shared_name) const {
  constexpr int kContainerField = 0;   // VarHandleOptions.container
  constexpr int kSharedNameField = 1;  // VarHandleOptions.shared_name
  const fb::Table options = model_.op(s, subgraphs_[s].nodes[o].model_op).builtin_options;
  bool ok = true;
  *container = options.String(kContainerField, &ok);
  *shared_name = options.String(kSharedNameField, &ok);
  if (*container == nullptr) *container = "";
  if (*shared_name == nullptr) *shared_name = "";
}

int MicroInterpreter::VariableOfResource(uint32_t s, int32_t tensor) const {
  const SubgraphState& g = subgraphs_[s];
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const Node& h = g.nodes[o];
    if (h.builtin_code == static_cast<int32_t>(BuiltinOp::kVAR_HANDLE) && h.num_outputs == 1 &&
        h.outputs[0] == tensor) {
      const char* container;
      const char* shared;
      VarHandleNames(s, o, &container, &shared);
      return variables_.Find(container, shared);
    }
  }
  return -1;
}

Status MicroInterpreter::ResolveResourceVariables() {
  constexpr int32_t kVarHandle = static_cast<int32_t>(BuiltinOp::kVAR_HANDLE);
  constexpr int32_t kAssignVariable = static_cast<int32_t>(BuiltinOp::kASSIGN_VARIABLE);
  int handles = 0;
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    for (uint32_t o = 0; o < subgraphs_[s].num_nodes; ++o) {
      if (subgraphs_[s].nodes[o].builtin_code == kVarHandle) ++handles;
    }
  }
  if (handles == 0) return Status::kOk;
  ResourceVariable* table = static_cast<ResourceVariable*>(arena_.AllocatePersistent(
      sizeof(ResourceVariable) * handles, alignof(ResourceVariable),
      AllocationKind::kVariables));
  if (table == nullptr) return OutOfMemory();
  variables_.Init(table, handles);
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    for (uint32_t o = 0; o < subgraphs_[s].num_nodes; ++o) {
      if (subgraphs_[s].nodes[o].builtin_code != kVarHandle) continue;
      const char* container;
      const char* shared;
      VarHandleNames(s, o, &container, &shared);
      (void)variables_.FindOrCreate(container, shared);
    }
  }
  // Size each variable from the values assigned to it (their static shapes).
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    const SubgraphState& g = subgraphs_[s];
    for (uint32_t o = 0; o < g.num_nodes; ++o) {
      const Node& n = g.nodes[o];
      if (n.builtin_code != kAssignVariable || n.num_inputs < 2 || n.inputs[0] < 0 ||
          n.inputs[1] < 0) {
        continue;
      }
      const int id = VariableOfResource(s, n.inputs[0]);
      if (id < 0) continue;  // a resource passed in from another subgraph
      const TensorInfo value = model_.tensor(s, n.inputs[1]);
      // A value of unknown rank (RestoreV2's outputs) takes the variable's
      // shape from the other assignments.
      if (!value.has_rank) continue;
      for (uint32_t i = 0; i < value.shape_signature.size; ++i) {
        if (value.shape_signature[i] < 0) {
          return reporter_.Report(Status::kUnsupported,
                                  "ASSIGN_VARIABLE (operator %u in subgraph %u) assigns "
                                  "'%s', whose shape is dynamic; variables need a static "
                                  "shape",
                                  o, s, value.name);
        }
      }
      ResourceVariable* v = variables_.get(id);
      const size_t bytes = DataTypeSize(value.type) *
                           static_cast<size_t>(ShapeNumElements(value.shape.data,
                                                                static_cast<int>(value.shape.size)));
      if (v->data != nullptr) {
        if (v->type != value.type || v->bytes != bytes) {
          return reporter_.Report(Status::kInvalidArgument,
                                  "variable '%s' is assigned values of different dtypes or "
                                  "sizes (%s, %u bytes and %s, %zu bytes)",
                                  v->shared_name, DataTypeName(v->type), v->bytes,
                                  DataTypeName(value.type), bytes);
        }
        continue;
      }
      v->data = arena_.AllocatePersistent(bytes == 0 ? 1 : bytes, kArenaAlignment,
                                          AllocationKind::kVariables);
      if (v->data == nullptr) return OutOfMemory();
      memset(v->data, 0, bytes);
      v->bytes = static_cast<uint32_t>(bytes);
      v->type = value.type;
      v->rank = static_cast<uint8_t>(value.shape.size);
      for (uint32_t i = 0; i < value.shape.size; ++i) v->dims[i] = value.shape[i];
    }
  }
  return Status::kOk;
}

void MicroInterpreter::DecorateError(uint32_t s, uint32_t o) {
  const Node& n = subgraphs_[s].nodes[o];
  if (!reporter_.has_message()) (void)reporter_.Report(Status::kInternal, "failed");
  reporter_.Prepend("%s (operator %u in subgraph %u): ", n.registration->name,
                    n.model_op, s);
}

Status MicroInterpreter::RunPhase(OpPhase phase, uint32_t s, uint32_t o) {
  SubgraphState& g = subgraphs_[s];
  Node& n = g.nodes[o];
  context_.node_ = &n;
  context_.tensors_ = g.tensors;
  context_.subgraph_ = static_cast<int>(s);
  context_.op_index_ = static_cast<int>(o);
  context_.phase_ = phase;
  Status status = Status::kOk;
  switch (phase) {
    case OpPhase::kInit:
      if (n.registration->init != nullptr) status = n.registration->init(context_);
      break;
    case OpPhase::kPrepare: {
      const uint32_t scratch_before = num_scratch_;
      if (n.registration->prepare != nullptr) {
        status = n.registration->prepare(context_);
      }
      if (status == Status::kOk && num_scratch_ == scratch_before &&
          ComputableAtPrepare(s, n)) {
        status = EvaluateAtPrepare(n);
      }
      break;
    }
    case OpPhase::kEval:
      status = n.registration->eval(context_);
      break;
    case OpPhase::kReset:
      if (n.registration->reset != nullptr) n.registration->reset(context_);
      break;
  }
  if (status != Status::kOk) DecorateError(s, o);
  return status;
}

namespace {

// Ops whose values feed shapes (training graphs compute batch-dependent
// shapes with these). Their evals use only their op data and tensors, so
// they can run during prepare.
bool IsShapeArithmetic(int32_t code) {
  switch (static_cast<BuiltinOp>(code)) {
    case BuiltinOp::kSHAPE:
    case BuiltinOp::kSTRIDED_SLICE:
    case BuiltinOp::kSLICE:
    case BuiltinOp::kPACK:
    case BuiltinOp::kUNPACK:
    case BuiltinOp::kCONCATENATION:
    case BuiltinOp::kGATHER:
    case BuiltinOp::kRESHAPE:
    case BuiltinOp::kSQUEEZE:
    case BuiltinOp::kEXPAND_DIMS:
    case BuiltinOp::kFILL:
    case BuiltinOp::kCAST:
    case BuiltinOp::kADD:
    case BuiltinOp::kSUB:
    case BuiltinOp::kMUL:
    case BuiltinOp::kFLOOR_DIV:
    case BuiltinOp::kMAXIMUM:
    case BuiltinOp::kMINIMUM:
    case BuiltinOp::kRANGE:
    case BuiltinOp::kTRANSPOSE:
    case BuiltinOp::kTILE:
    case BuiltinOp::kZEROS_LIKE:
      return true;
    default:
      return false;
  }
}

constexpr uint32_t kMaxPrepareValueBytes = 256;

}  // namespace

bool MicroInterpreter::ComputableAtPrepare(uint32_t s, const Node& n) const {
  if (n.builtin_code < 0 || !IsShapeArithmetic(n.builtin_code) || n.num_outputs == 0) {
    return false;
  }
  const SubgraphState& g = subgraphs_[s];
  for (int k = 0; k < n.num_outputs; ++k) {
    const Tensor& out = g.tensors[n.outputs[k]];
    if ((out.type != DataType::kInt32 && out.type != DataType::kInt64) ||
        out.kind != TensorKind::kPlanned || out.bytes > kMaxPrepareValueBytes) {
      return false;
    }
  }
  // SHAPE needs only its input's shape; the others need every input's value.
  if (n.builtin_code == static_cast<int32_t>(BuiltinOp::kSHAPE)) return true;
  for (int k = 0; k < n.num_inputs; ++k) {
    if (n.inputs[k] < 0) continue;
    if (!OpContext::ValueKnownAtPrepare(&g.tensors[n.inputs[k]])) return false;
  }
  return true;
}

Status MicroInterpreter::EvaluateAtPrepare(Node& n) {
  for (int k = 0; k < n.num_outputs; ++k) {
    TFLM_RETURN_IF_ERROR(context_.MaterializeOutput(k));
  }
  context_.phase_ = OpPhase::kEval;
  const Status status = n.registration->eval(context_);
  context_.phase_ = OpPhase::kPrepare;
  return status;
}

Status MicroInterpreter::OutOfMemory() {
  return reporter_.Report(Status::kArenaTooSmall,
                          "arena is too small: needs at least %zu bytes",
                          arena_.required_bytes());
}

Status MicroInterpreter::PrepareAndPlan() {
  arena_.ResetToInitMark();
  scratch_requests_ = nullptr;
  subgraph_calls_ = nullptr;
  num_scratch_ = 0;
  scratch_pointers_ = nullptr;
  scratch_sizes_ = nullptr;
  // Bookkeeping that only prepare and planning need lives in temp memory,
  // above the (not yet used) head.
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    SubgraphState& g = subgraphs_[s];
    g.share_source = nullptr;
    if (g.num_tensors == 0) continue;
    g.share_source = static_cast<int32_t*>(
        arena_.AllocateTemp(sizeof(int32_t) * g.num_tensors, alignof(int32_t)));
    if (g.share_source == nullptr) return OutOfMemory();
    for (uint32_t t = 0; t < g.num_tensors; ++t) g.share_source[t] = -1;
  }
  // Shapes set by the previous prepare lived in the released prepare zone:
  // start again from the model's shapes.
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    SubgraphState& g = subgraphs_[s];
    for (uint32_t t = 0; t < g.num_tensors; ++t) {
      Tensor& tensor = g.tensors[t];
      if ((tensor.flags & (kTensorValueAtPrepare | kTensorAliased)) != 0) {
        // Its storage was in the released prepare zone, or borrowed.
        tensor.kind = TensorKind::kPlanned;
        tensor.data = nullptr;
        tensor.flags &= static_cast<uint8_t>(~(kTensorValueAtPrepare | kTensorAliased));
      }
      if (tensor.kind == TensorKind::kConstant ||
          (tensor.flags & kTensorOwnsShape) != 0) {
        continue;
      }
      const Int32Span shape = model_.tensor(s, t).shape;
      tensor.dims = shape.data;
      tensor.rank = static_cast<uint8_t>(shape.size);
      tensor.flags &= static_cast<uint8_t>(~kTensorPrepareShape);
      if (tensor.kind == TensorKind::kPlanned && tensor.type != DataType::kString) {
        tensor.bytes = ShapeBytes(tensor);
      }
    }
  }
  // Subgraphs in index order, except those a control-flow op claimed: their
  // input shapes come from the op, whose prepare prepares them (callees of
  // callers with a higher index included). Unreached claimed ones come last.
  for (uint32_t s = 0; s < num_subgraphs_; ++s) subgraphs_[s].prepare_state = kNotPrepared;
  for (uint32_t pass = 0; pass < 2; ++pass) {
    for (uint32_t s = 0; s < num_subgraphs_; ++s) {
      const SubgraphState& g = subgraphs_[s];
      if (g.prepare_state != kNotPrepared || (pass == 0 && g.claimed)) continue;
      TFLM_RETURN_IF_ERROR(PrepareSubgraph(s));
    }
  }
  // Recompute byte sizes of non-constant tensors from their (new) shapes.
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    SubgraphState& g = subgraphs_[s];
    for (uint32_t t = 0; t < g.num_tensors; ++t) {
      Tensor& tensor = g.tensors[t];
      // A string tensor's bytes are its capacity (SetStringCapacity).
      if (tensor.kind != TensorKind::kPlanned || tensor.type == DataType::kString) continue;
      const int64_t bytes =
          static_cast<int64_t>(DataTypeSize(tensor.type)) * tensor.NumElements();
      if (bytes > 0x7fffffff) {
        return reporter_.Report(Status::kUnsupported,
                                "tensor '%s' needs %lld bytes (over 2 GiB)",
                                model_.tensor(s, t).name,
                                static_cast<long long>(bytes));
      }
      tensor.bytes = static_cast<uint32_t>(bytes);
    }
  }
  const Status status = Plan();
  for (uint32_t s = 0; s < num_subgraphs_; ++s) subgraphs_[s].share_source = nullptr;
  scratch_requests_ = nullptr;
  subgraph_calls_ = nullptr;
  arena_.ResetTemp();
  TFLM_RETURN_IF_ERROR(status);
  needs_prepare_ = false;
  return Status::kOk;
}

Status MicroInterpreter::PrepareSubgraph(uint32_t s) {
  SubgraphState& g = subgraphs_[s];
  if (g.prepare_state == kPreparing) {
    return reporter_.Report(Status::kUnsupported,
                            "subgraph %u is part of a cycle of subgraph calls", s);
  }
  g.prepare_state = kPreparing;
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    TFLM_RETURN_IF_ERROR(RunPhase(OpPhase::kPrepare, s, o));
  }
  g.prepare_state = kPrepared;
  return Status::kOk;
}

Status MicroInterpreter::Plan() {
  // Scratch tables (indexed by handle) are needed at eval: persistent.
  if (num_scratch_ > 0) {
    scratch_pointers_ = static_cast<uint8_t**>(arena_.AllocatePersistent(
        sizeof(uint8_t*) * num_scratch_, alignof(uint8_t*),
        AllocationKind::kScratchTable));
    scratch_sizes_ = static_cast<uint32_t*>(arena_.AllocatePersistent(
        sizeof(uint32_t) * num_scratch_, alignof(uint32_t),
        AllocationKind::kScratchTable));
    if (scratch_pointers_ == nullptr || scratch_sizes_ == nullptr) {
      return OutOfMemory();
    }
  }
  const size_t temp_mark = arena_.temp_used();
  // Subgraphs that run inside an op of another (control flow) are planned
  // above their callers; entry subgraphs (signatures) all start at 0, since
  // only one of them runs at a time.
  for (uint32_t s = 0; s < num_subgraphs_; ++s) subgraphs_[s].base_offset = SIZE_MAX;
  size_t head = 0;
  for (uint32_t round = 0; round < num_subgraphs_; ++round) {
    for (uint32_t s = 0; s < num_subgraphs_; ++s) {
      SubgraphState& g = subgraphs_[s];
      if (g.base_offset != SIZE_MAX) continue;
      size_t base = 0;
      bool ready = true;
      for (SubgraphCall* c = subgraph_calls_; c != nullptr && ready; c = c->next) {
        if (c->callee != s) continue;
        const SubgraphState& caller = subgraphs_[c->caller];
        if (caller.base_offset == SIZE_MAX) {
          ready = false;
        } else if (caller.base_offset + caller.plan_bytes > base) {
          base = caller.base_offset + caller.plan_bytes;
        }
      }
      if (!ready) continue;
      size_t bytes = 0;
      TFLM_RETURN_IF_ERROR(PlanSubgraph(s, base, temp_mark, &bytes));
      g.plan_bytes = bytes;
      g.base_offset = base;
      if (base + bytes > head) head = base + bytes;
    }
  }
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    if (subgraphs_[s].base_offset == SIZE_MAX) {
      return reporter_.Report(Status::kUnsupported,
                              "subgraph %u is part of a cycle of subgraph calls", s);
    }
  }
  return arena_.SetHeadSize(head, reporter_);
}

Status MicroInterpreter::PlanSubgraph(uint32_t s, size_t base, size_t temp_mark,
                                      size_t* total) {
  SubgraphState& g = subgraphs_[s];
  arena_.ResetTempTo(temp_mark);
  // Planning works in temp memory, which must stay small: it can exceed the
  // planned region of a small model. Per tensor only a slot index; per
  // planned tensor its first and last step, group size and planner id.
  uint32_t num_planned = 0;
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    if (g.tensors[t].kind == TensorKind::kPlanned) ++num_planned;
  }
  uint32_t scratch_here = 0;
  for (ScratchRequest* r = scratch_requests_; r != nullptr; r = r->next) {
    if (r->subgraph == s) ++scratch_here;
  }
  const int max_buffers = static_cast<int>(num_planned + scratch_here);
  const size_t slot_bytes = sizeof(int32_t) * g.num_tensors;
  const size_t planned_bytes = sizeof(int32_t) * 4 * num_planned;
  const size_t planner_bytes = MemoryPlanner::RequiredStorage(max_buffers);
  int32_t* slot = static_cast<int32_t*>(arena_.AllocateTemp(slot_bytes + planned_bytes, 8));
  void* planner_storage = arena_.AllocateTemp(planner_bytes, 8);
  if ((slot == nullptr && slot_bytes + planned_bytes != 0) || planner_storage == nullptr) {
    return reporter_.Report(Status::kArenaTooSmall,
                            "arena is too small to plan memory: needs at least "
                            "%zu bytes",
                            arena_.required_bytes());
  }
  int32_t* first = slot + g.num_tensors;
  int32_t* last = first + num_planned;
  int32_t* buffer_id = last + num_planned;
  uint32_t* group_bytes = reinterpret_cast<uint32_t*>(buffer_id + num_planned);
  uint32_t next = 0;
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    if (g.tensors[t].kind != TensorKind::kPlanned) {
      slot[t] = -1;
      continue;
    }
    slot[t] = static_cast<int32_t>(next);
    first[next] = INT32_MAX;
    last[next] = -1;
    buffer_id[next] = -1;
    group_bytes[next] = g.tensors[t].bytes;
    ++next;
  }
  const int32_t num_steps = static_cast<int32_t>(g.num_nodes);
  const int32_t end = num_steps > 0 ? num_steps - 1 : 0;
  auto use = [&](int32_t t, int32_t step) {
    if (t < 0 || slot[t] < 0) return;
    const int32_t k = slot[t];
    if (step < first[k]) first[k] = step;
    if (step > last[k]) last[k] = step;
  };
  const Int32Span inputs = model_.subgraph_inputs(s);
  const Int32Span outputs = model_.subgraph_outputs(s);
  for (uint32_t i = 0; i < inputs.size; ++i) use(inputs[i], 0);
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const Node& n = g.nodes[o];
    for (int i = 0; i < n.num_inputs; ++i) use(n.inputs[i], static_cast<int32_t>(o));
    for (int i = 0; i < n.num_outputs; ++i) use(n.outputs[i], static_cast<int32_t>(o));
    for (int i = 0; i < n.num_intermediates; ++i) {
      use(n.intermediates[i], static_cast<int32_t>(o));
    }
  }
  for (uint32_t i = 0; i < outputs.size; ++i) use(outputs[i], end);
  if (options_.preserve_all_tensors) {
    for (uint32_t k = 0; k < num_planned; ++k) {
      if (last[k] >= 0) {
        first[k] = 0;
        last[k] = end;
      }
    }
    for (uint32_t t = 0; t < g.num_tensors; ++t) g.share_source[t] = -1;
  }
  auto root = [&](int32_t t) {
    for (int guard = 0; g.share_source[t] >= 0 && guard < 1024; ++guard) {
      t = g.share_source[t];
    }
    return t;
  };
  auto is_subgraph_io = [&](int32_t t) {
    for (uint32_t i = 0; i < inputs.size; ++i) {
      if (inputs[i] == t) return true;
    }
    for (uint32_t i = 0; i < outputs.size; ++i) {
      if (outputs[i] == t) return true;
    }
    return false;
  };
  // Resolve shared buffers in op order, so that chains (reshape of an
  // in-place add of ...) see their sources' merged lifetimes. An in-place
  // candidate is accepted when its source group is last used by this very op
  // and is neither a subgraph input nor output, and the sizes match. (Both
  // sides of a share are planned tensors: OpContext checks that.)
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    const Node& n = g.nodes[o];
    for (int k = 0; k < n.num_outputs; ++k) {
      const int32_t t = n.outputs[k];
      int32_t source = g.share_source[t];
      if (source == -1) continue;
      if (source <= -2) {
        source = -2 - source;
        const int32_t r = root(source);
        const bool ok = last[slot[r]] == static_cast<int32_t>(o) &&
                        !is_subgraph_io(source) && !is_subgraph_io(r) &&
                        g.tensors[source].bytes == g.tensors[t].bytes &&
                        group_bytes[slot[r]] == g.tensors[t].bytes;
        if (!ok) {
          g.share_source[t] = -1;
          continue;
        }
        g.share_source[t] = source;
      }
      const int32_t kt = slot[t];
      if (last[kt] < 0) continue;
      const int32_t kr = slot[root(t)];
      if (first[kt] < first[kr]) first[kr] = first[kt];
      if (last[kt] > last[kr]) last[kr] = last[kt];
      if (g.tensors[t].bytes > group_bytes[kr]) group_bytes[kr] = g.tensors[t].bytes;
    }
  }
  MemoryPlanner planner(planner_storage, planner_bytes, max_buffers);
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    const int32_t k = slot[t];
    if (k < 0 || last[k] < 0 || g.share_source[t] >= 0) continue;
    // A group's root is as large as the largest tensor sharing it.
    buffer_id[k] = planner.AddBuffer(group_bytes[k], first[k], last[k]);
  }
  for (ScratchRequest* r = scratch_requests_; r != nullptr; r = r->next) {
    if (r->subgraph != s) continue;
    r->planner_id = planner.AddBuffer(r->bytes, static_cast<int32_t>(r->node),
                                      static_cast<int32_t>(r->node));
  }
  // The planner works in 32-bit offsets: refuse plans that could overflow.
  uint64_t sum = 0;
  for (int i = 0; i < planner.num_buffers(); ++i) sum += planner.size(i);
  if (sum > 0x7fffffffu) {
    return reporter_.Report(Status::kUnsupported,
                            "subgraph %u needs more than 2 GiB of tensors", s);
  }
  planner.Plan();
  uint8_t* head = arena_.head() + base;
  for (uint32_t t = 0; t < g.num_tensors; ++t) {
    Tensor& tensor = g.tensors[t];
    if (slot[t] < 0) continue;
    int32_t id = buffer_id[slot[t]];
    if (id < 0 && g.share_source[t] >= 0) id = buffer_id[slot[root(static_cast<int32_t>(t))]];
    tensor.data = id >= 0 ? head + planner.offset(id) : nullptr;
  }
  // Flexible scratch buffers grow into space free during their op.
  for (ScratchRequest* r = scratch_requests_; r != nullptr; r = r->next) {
    if (r->subgraph == s && r->max_bytes > r->bytes) {
      planner.GrowBuffer(r->planner_id, r->max_bytes);
    }
  }
  uint32_t handle = num_scratch_;
  for (ScratchRequest* r = scratch_requests_; r != nullptr; r = r->next) {
    --handle;  // the list is in reverse order of handles
    if (r->subgraph != s) continue;
    scratch_pointers_[handle] = head + planner.offset(r->planner_id);
    const size_t granted = planner.size(r->planner_id);
    scratch_sizes_[handle] = static_cast<uint32_t>(
        granted < r->max_bytes ? granted : r->max_bytes);
  }
  *total = planner.total_bytes();
  arena_.ResetTempTo(temp_mark);
  return Status::kOk;
}

Status MicroInterpreter::DeclareSubgraphCall(uint32_t caller, uint32_t callee) {
  for (SubgraphCall* c = subgraph_calls_; c != nullptr; c = c->next) {
    if (c->caller == caller && c->callee == callee) return Status::kOk;
  }
  SubgraphCall* c = static_cast<SubgraphCall*>(
      arena_.AllocateTemp(sizeof(SubgraphCall), alignof(SubgraphCall)));
  if (c == nullptr) return OutOfMemory();
  c->next = subgraph_calls_;
  c->caller = caller;
  c->callee = callee;
  subgraph_calls_ = c;
  return Status::kOk;
}

Status MicroInterpreter::RequestScratch(uint32_t s, uint32_t o,
                                        size_t min_bytes, size_t max_bytes,
                                        int* handle) {
  if (max_bytes > 0x7fffffffu) max_bytes = 0x7fffffffu;
  if (min_bytes > max_bytes) {
    return reporter_.Report(Status::kUnsupported,
                            "scratch buffer of %zu bytes is over 2 GiB", min_bytes);
  }
  // The request itself is only needed until planning: temp memory.
  ScratchRequest* r = static_cast<ScratchRequest*>(
      arena_.AllocateTemp(sizeof(ScratchRequest), alignof(ScratchRequest)));
  if (r == nullptr) return OutOfMemory();
  r->next = scratch_requests_;
  r->subgraph = s;
  r->node = o;
  r->bytes = static_cast<uint32_t>(min_bytes);
  r->max_bytes = static_cast<uint32_t>(max_bytes);
  r->planner_id = -1;
  scratch_requests_ = r;
  *handle = static_cast<int>(num_scratch_++);
  return Status::kOk;
}

Status MicroInterpreter::ZeroVariables() {
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    SubgraphState& g = subgraphs_[s];
    for (uint32_t t = 0; t < g.num_tensors; ++t) {
      Tensor& tensor = g.tensors[t];
      if ((tensor.flags & kTensorIsVariable) != 0 && tensor.data != nullptr) {
        // As TFLite: an int8 state starts at its zero point (real 0.0).
        int value = 0;
        if (tensor.type == DataType::kInt8) {
          value = model_.quantization(s, t).zero_point(0);
        }
        memset(tensor.data, value, tensor.bytes);
      }
    }
  }
  return Status::kOk;
}

Status MicroInterpreter::InvokeSubgraph(int subgraph) {
  if (!allocated_) {
    return reporter_.Report(Status::kFailedPrecondition,
                            "Invoke called before AllocateTensors succeeded");
  }
  if (subgraph < 0 || static_cast<uint32_t>(subgraph) >= num_subgraphs_) {
    return reporter_.Report(Status::kInvalidArgument,
                            "subgraph %d does not exist (model has %u)",
                            subgraph, num_subgraphs_);
  }
  if (needs_prepare_) TFLM_RETURN_IF_ERROR(Replan());
  const uint32_t s = static_cast<uint32_t>(subgraph);
  SubgraphState& g = subgraphs_[s];
  // Asked before every operator, and once for a subgraph without any (a
  // loop over empty subgraphs must stop too).
  if (g.num_nodes == 0 && cancellation_check_ != nullptr &&
      cancellation_check_(cancellation_data_)) {
    return reporter_.Report(Status::kCancelled, "invoke cancelled in subgraph %u", s);
  }
  for (uint32_t o = 0; o < g.num_nodes; ++o) {
    if (cancellation_check_ != nullptr && cancellation_check_(cancellation_data_)) {
      return reporter_.Report(Status::kCancelled,
                              "invoke cancelled before operator %u of subgraph %u",
                              g.nodes[o].model_op, s);
    }
    Node& n = g.nodes[o];
    // Set per op: a control-flow op may have run another subgraph.
    context_.tensors_ = g.tensors;
    context_.subgraph_ = subgraph;
    context_.phase_ = OpPhase::kEval;
    context_.node_ = &n;
    context_.op_index_ = static_cast<int>(o);
    if (observer_ != nullptr) observer_->BeforeOp(subgraph, static_cast<int>(o));
    const Status status = n.registration->eval(context_);
    if (observer_ != nullptr) observer_->AfterOp(subgraph, static_cast<int>(o));
    if (status != Status::kOk) {
      DecorateError(s, o);
      return status;
    }
  }
  return Status::kOk;
}

Status MicroInterpreter::ResizeInputTensor(int subgraph, int input_index,
                                           const int32_t* dims, int rank) {
  if (subgraph < 0 || static_cast<uint32_t>(subgraph) >= num_subgraphs_) {
    return reporter_.Report(Status::kInvalidArgument,
                            "subgraph %d does not exist", subgraph);
  }
  const Int32Span inputs = model_.subgraph_inputs(subgraph);
  if (input_index < 0 || static_cast<uint32_t>(input_index) >= inputs.size) {
    return reporter_.Report(Status::kInvalidArgument,
                            "input index %d out of range (subgraph %d has %u "
                            "inputs)",
                            input_index, subgraph, inputs.size);
  }
  return ResizeTensor(subgraph, inputs[input_index], dims, rank);
}

Status MicroInterpreter::ResizeTensor(int subgraph, int tensor_index,
                                      const int32_t* dims, int rank) {
  if (!allocated_) {
    return reporter_.Report(Status::kFailedPrecondition,
                            "a tensor was resized before AllocateTensors");
  }
  if (subgraph < 0 || static_cast<uint32_t>(subgraph) >= num_subgraphs_ ||
      tensor_index < 0 ||
      static_cast<uint32_t>(tensor_index) >= subgraphs_[subgraph].num_tensors) {
    return reporter_.Report(Status::kInvalidArgument,
                            "tensor %d of subgraph %d does not exist",
                            tensor_index, subgraph);
  }
  Tensor& tensor = subgraphs_[subgraph].tensors[tensor_index];
  const TensorInfo info = model_.tensor(subgraph, tensor_index);
  if ((tensor.flags & kTensorOwnsShape) == 0 || tensor.kind != TensorKind::kPlanned) {
    return reporter_.Report(Status::kInvalidArgument,
                            "tensor '%s' is not an input and cannot be resized",
                            info.name);
  }
  if (rank != tensor.rank) {
    return reporter_.Report(Status::kInvalidArgument,
                            "input '%s' has rank %d; it cannot be resized to "
                            "rank %d",
                            info.name, tensor.rank, rank);
  }
  bool same = true;
  for (int i = 0; i < rank; ++i) {
    // Without a shape_signature every dimension is fixed.
    const int32_t fixed =
        info.shape_signature.size > 0 ? info.shape_signature[i] : info.shape[i];
    if (dims[i] < 0 || (fixed >= 0 && fixed != dims[i])) {
      return reporter_.Report(Status::kInvalidArgument,
                              "input '%s' dimension %d cannot be %d (the model "
                              "fixes it to %d)",
                              info.name, i, static_cast<int>(dims[i]),
                              static_cast<int>(fixed));
    }
    if (tensor.dims[i] != dims[i]) same = false;
  }
  if (same) return Status::kOk;
  int32_t* mutable_dims = const_cast<int32_t*>(tensor.dims);  // owned storage
  for (int i = 0; i < rank; ++i) mutable_dims[i] = dims[i];
  if (tensor.type == DataType::kString) {
    // The capacity must at least hold the header of the new count.
    const size_t header = StringTensorBytes(static_cast<int32_t>(tensor.NumElements()), 0);
    if (tensor.bytes < header) tensor.bytes = static_cast<uint32_t>(header);
  } else {
    tensor.bytes = ShapeBytes(tensor);
  }
  needs_prepare_ = true;
  return Status::kOk;
}

Status MicroInterpreter::SetStringCapacity(int subgraph, int tensor_index, size_t bytes) {
  if (!allocated_) {
    return reporter_.Report(Status::kFailedPrecondition,
                            "a string tensor was sized before AllocateTensors");
  }
  Tensor* t = tensor(subgraph, tensor_index);
  if (t == nullptr || t->type != DataType::kString || t->kind != TensorKind::kPlanned ||
      (t->flags & kTensorOwnsShape) == 0) {
    return reporter_.Report(Status::kInvalidArgument,
                            "tensor %d of subgraph %d is not a string input", tensor_index,
                            subgraph);
  }
  const size_t header = StringTensorBytes(static_cast<int32_t>(t->NumElements()), 0);
  if (bytes < header) bytes = header;
  if (bytes > 0x7fffffffu) {
    return reporter_.Report(Status::kInvalidArgument, "a string of %zu bytes is too long",
                            bytes);
  }
  bytes = (bytes + 15u) & ~static_cast<size_t>(15u);
  if (bytes != t->bytes) {
    t->bytes = static_cast<uint32_t>(bytes);
    needs_prepare_ = true;
  }
  return Status::kOk;
}

int MicroInterpreter::num_signatures() const {
  return model_.verified() ? static_cast<int>(model_.num_signatures()) : 0;
}

SignatureRunner MicroInterpreter::GetSignatureRunner(const char* key) {
  for (int i = 0; i < num_signatures(); ++i) {
    if (key != nullptr && strcmp(model_.signature_key(i), key) == 0) {
      return SignatureRunner(this, i);
    }
  }
  (void)reporter_.Report(Status::kNotFound, "the model has no signature '%s'",
                         key == nullptr ? "" : key);
  for (int i = 0; i < num_signatures(); ++i) {
    reporter_.Append("%s'%s'", i == 0 ? " (it has " : ", ", model_.signature_key(i));
  }
  if (num_signatures() > 0) reporter_.Append(")");
  return SignatureRunner();
}

Status MicroInterpreter::Reset() {
  if (!allocated_) return Status::kOk;
  TFLM_RETURN_IF_ERROR(ZeroVariables());
  for (int i = 0; i < variables_.size(); ++i) {
    ResourceVariable* v = variables_.get(i);
    if (v->data != nullptr) memset(v->data, 0, v->bytes);
  }
  for (uint32_t s = 0; s < num_subgraphs_; ++s) subgraphs_[s].initialized = false;
  for (uint32_t s = 0; s < num_subgraphs_; ++s) {
    for (uint32_t o = 0; o < subgraphs_[s].num_nodes; ++o) {
      (void)RunPhase(OpPhase::kReset, s, o);
    }
  }
  return Status::kOk;
}

Tensor* MicroInterpreter::input(size_t i) const {
  const Int32Span inputs = subgraph_inputs(0);
  if (!allocated_ || i >= inputs.size) return nullptr;
  return &subgraphs_[0].tensors[inputs[i]];
}

Tensor* MicroInterpreter::output(size_t i) const {
  const Int32Span outputs = subgraph_outputs(0);
  if (!allocated_ || i >= outputs.size) return nullptr;
  return &subgraphs_[0].tensors[outputs[i]];
}

Int32Span MicroInterpreter::subgraph_inputs(int subgraph) const {
  if (!model_.verified() || subgraph < 0 ||
      static_cast<uint32_t>(subgraph) >= model_.num_subgraphs()) {
    return Int32Span();
  }
  return model_.subgraph_inputs(subgraph);
}

Int32Span MicroInterpreter::subgraph_outputs(int subgraph) const {
  if (!model_.verified() || subgraph < 0 ||
      static_cast<uint32_t>(subgraph) >= model_.num_subgraphs()) {
    return Int32Span();
  }
  return model_.subgraph_outputs(subgraph);
}

int MicroInterpreter::num_tensors(int subgraph) const {
  if (subgraphs_ == nullptr || subgraph < 0 ||
      static_cast<uint32_t>(subgraph) >= num_subgraphs_) {
    return 0;
  }
  return static_cast<int>(subgraphs_[subgraph].num_tensors);
}

Tensor* MicroInterpreter::tensor(int subgraph, int index) const {
  if (index < 0 || index >= num_tensors(subgraph)) return nullptr;
  return &subgraphs_[subgraph].tensors[index];
}

int MicroInterpreter::num_nodes(int subgraph) const {
  if (subgraphs_ == nullptr || subgraph < 0 ||
      static_cast<uint32_t>(subgraph) >= num_subgraphs_) {
    return 0;
  }
  return static_cast<int>(subgraphs_[subgraph].num_nodes);
}

const Node& MicroInterpreter::node(int subgraph, int op) const {
  return subgraphs_[subgraph].nodes[op];
}

const char* MicroInterpreter::node_name(int subgraph, int op) const {
  return subgraphs_[subgraph].nodes[op].registration->name;
}

size_t MicroInterpreter::subgraph_plan_bytes(int subgraph) const {
  if (!allocated_ || subgraph < 0 ||
      static_cast<uint32_t>(subgraph) >= num_subgraphs_) {
    return 0;
  }
  return subgraphs_[subgraph].plan_bytes;
}

}  // namespace tflm
