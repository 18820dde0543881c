#include "tensorflow/lite/micro/interpreter/op_context.h"

#include <cstring>

#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"
#include "tensorflow/lite/micro/schema/builtin_ops.h"

namespace tflm {

int OpContext::num_inputs() const { return node_->num_inputs; }
int OpContext::num_outputs() const { return node_->num_outputs; }
int OpContext::num_intermediates() const { return node_->num_intermediates; }

Tensor* OpContext::input(int k) const {
  if (k < 0 || k >= node_->num_inputs) return nullptr;
  const int32_t index = node_->inputs[k];
  return index < 0 ? nullptr : &tensors_[index];
}

Tensor* OpContext::output(int k) const {
  if (k < 0 || k >= node_->num_outputs) return nullptr;
  const int32_t index = node_->outputs[k];
  return index < 0 ? nullptr : &tensors_[index];
}

Tensor* OpContext::intermediate(int k) const {
  if (k < 0 || k >= node_->num_intermediates) return nullptr;
  const int32_t index = node_->intermediates[k];
  return index < 0 ? nullptr : &tensors_[index];
}

int OpContext::input_index(int k) const {
  if (k < 0 || k >= node_->num_inputs) return -1;
  return node_->inputs[k];
}

int OpContext::output_index(int k) const {
  if (k < 0 || k >= node_->num_outputs) return -1;
  return node_->outputs[k];
}

QuantParams OpContext::input_quant(int k) const {
  const int index = input_index(k);
  if (index < 0) return QuantParams();
  return interpreter_->model().quantization(subgraph_, index);
}

QuantParams OpContext::output_quant(int k) const {
  const int index = output_index(k);
  if (index < 0) return QuantParams();
  return interpreter_->model().quantization(subgraph_, index);
}

QuantParams OpContext::intermediate_quant(int k) const {
  if (k < 0 || k >= node_->num_intermediates || node_->intermediates[k] < 0) {
    return QuantParams();
  }
  return interpreter_->model().quantization(subgraph_, node_->intermediates[k]);
}

const char* OpContext::input_name(int k) const {
  const int index = input_index(k);
  if (index < 0) return "(omitted)";
  return interpreter_->model().tensor(subgraph_, index).name;
}

const char* OpContext::output_name(int k) const {
  const int index = output_index(k);
  if (index < 0) return "(omitted)";
  return interpreter_->model().tensor(subgraph_, index).name;
}

int OpContext::op_version() const { return node_->version; }
const char* OpContext::op_name() const { return node_->registration->name; }
const OpRegistration& OpContext::registration() const {
  return *node_->registration;
}

fb::Table OpContext::builtin_options() const {
  return interpreter_->model().op(subgraph_, node_->model_op).builtin_options;
}

const uint8_t* OpContext::custom_options(size_t* size) const {
  const OperatorInfo info = interpreter_->model().op(subgraph_, node_->model_op);
  *size = info.custom_options_size;
  return info.custom_options;
}

void* OpContext::op_data() const { return node_->op_data; }
void OpContext::set_op_data(void* data) { node_->op_data = data; }

void* OpContext::AllocatePersistent(size_t bytes, size_t alignment) {
  if (phase_ != OpPhase::kInit && phase_ != OpPhase::kPrepare) {
    (void)Error(Status::kFailedPrecondition,
          "AllocatePersistent called outside init/prepare");
    return nullptr;
  }
  void* p = interpreter_->arena_.AllocatePersistent(bytes, alignment,
                                                    AllocationKind::kOpData);
  if (p == nullptr) {
    (void)Error(Status::kArenaTooSmall,
          "arena is too small: needs at least %zu bytes",
          interpreter_->arena_.required_bytes());
  }
  return p;
}

Status OpContext::RequestScratch(size_t bytes, int* handle) {
  if (phase_ != OpPhase::kPrepare) {
    return Error(Status::kFailedPrecondition,
                 "RequestScratch called outside prepare");
  }
  return interpreter_->RequestScratch(static_cast<uint32_t>(subgraph_),
                                      static_cast<uint32_t>(op_index_), bytes,
                                      bytes, handle);
}

Status OpContext::RequestFlexibleScratch(size_t min_bytes, size_t max_bytes,
                                         int* handle) {
  if (phase_ != OpPhase::kPrepare) {
    return Error(Status::kFailedPrecondition,
                 "RequestFlexibleScratch called outside prepare");
  }
  if (max_bytes < min_bytes) max_bytes = min_bytes;
  return interpreter_->RequestScratch(static_cast<uint32_t>(subgraph_),
                                      static_cast<uint32_t>(op_index_),
                                      min_bytes, max_bytes, handle);
}

size_t OpContext::scratch_size(int handle) const {
  return interpreter_->scratch_sizes_[handle];
}

void* OpContext::scratch(int handle) const {
  return interpreter_->scratch_pointers_[handle];
}

Status OpContext::SetShape(Tensor* tensor, const int32_t* dims, int rank) {
  if (tensor == nullptr) {
    return Error(Status::kInvalidArgument, "SetShape on a missing tensor");
  }
  if (tensor->kind == TensorKind::kConstant) {
    // A constant's shape is fixed; accept only the same shape.
    bool same = tensor->rank == rank;
    for (int i = 0; same && i < rank; ++i) same = tensor->dims[i] == dims[i];
    if (same) return Status::kOk;
    return Error(Status::kInvalidArgument,
                 "cannot change the shape of a constant tensor");
  }
  if (rank < 0 || rank > kMaxRank) {
    return Error(Status::kUnsupported, "rank %d exceeds the maximum of %d",
                 rank, kMaxRank);
  }
  if (tensor->kind == TensorKind::kUnused) return Status::kOk;
  bool same = tensor->rank == rank;
  for (int i = 0; same && i < rank; ++i) same = tensor->dims[i] == dims[i];
  if (same) return Status::kOk;
  if ((tensor->flags & (kTensorOwnsShape | kTensorPrepareShape)) == 0) {
    // Still pointing at the model's shape: take storage for this plan.
    if (phase_ != OpPhase::kPrepare) {
      return Error(Status::kFailedPrecondition, "SetShape called outside prepare");
    }
    int32_t* storage = static_cast<int32_t*>(
        interpreter_->arena_.AllocatePersistent(sizeof(int32_t) * kMaxRank,
                                                alignof(int32_t),
                                                AllocationKind::kTensorShapes));
    if (storage == nullptr) {
      return Error(Status::kArenaTooSmall,
                   "arena is too small: needs at least %zu bytes",
                   interpreter_->arena_.required_bytes());
    }
    tensor->dims = storage;
    tensor->flags |= kTensorPrepareShape;
  }
  int32_t* storage = const_cast<int32_t*>(tensor->dims);
  if (tensor->kind == TensorKind::kPersistent) {
    // Persistent storage has a fixed size: the new shape must fit in it.
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    if (n * static_cast<int64_t>(DataTypeSize(tensor->type)) >
        static_cast<int64_t>(tensor->bytes)) {
      return Error(Status::kInvalidArgument,
                   "shape does not fit the storage of a variable tensor");
    }
  }
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) {
      return Error(Status::kInvalidArgument, "negative dimension %d",
                   static_cast<int>(dims[i]));
    }
    storage[i] = dims[i];
  }
  tensor->rank = static_cast<uint8_t>(rank);
  if (tensor->kind == TensorKind::kPlanned) {
    tensor->bytes = static_cast<uint32_t>(
        DataTypeSize(tensor->type) * static_cast<size_t>(tensor->NumElements()));
  }
  return Status::kOk;
}

namespace {
// Shared checks of ShareInputBuffer and AllowInPlace: both tensors planned,
// the output not written by the caller.
bool CanShare(const Tensor* tensors, const Model& model, int subgraph,
              int out_index, int in_index) {
  if (out_index < 0 || in_index < 0 || out_index == in_index) return false;
  if (tensors[in_index].kind != TensorKind::kPlanned ||
      tensors[out_index].kind != TensorKind::kPlanned) {
    return false;
  }
  const Int32Span inputs = model.subgraph_inputs(subgraph);
  for (uint32_t i = 0; i < inputs.size; ++i) {
    if (inputs[i] == out_index) return false;
  }
  return true;
}
}  // namespace

void OpContext::ShareInputBuffer(int out, int in) {
  const int out_index = output_index(out);
  const int in_index = input_index(in);
  int32_t* share = interpreter_->subgraphs_[subgraph_].share_source;
  if (share == nullptr || phase_ != OpPhase::kPrepare ||
      !CanShare(tensors_, interpreter_->model(), subgraph_, out_index, in_index)) {
    return;
  }
  share[out_index] = in_index;
}

void OpContext::AllowInPlace(int out, int in) {
  const int out_index = output_index(out);
  const int in_index = input_index(in);
  int32_t* share = interpreter_->subgraphs_[subgraph_].share_source;
  if (share == nullptr || phase_ != OpPhase::kPrepare || share[out_index] != -1 ||
      !CanShare(tensors_, interpreter_->model(), subgraph_, out_index, in_index)) {
    return;
  }
  share[out_index] = -2 - in_index;
}

Status OpContext::AllowOutputShapeAtEval(int k, bool* may_differ) {
  Tensor* t = output(k);
  if (t == nullptr) return Error(Status::kInvalidArgument, "output %d is missing", k);
  if (phase_ != OpPhase::kPrepare) {
    return Error(Status::kFailedPrecondition, "AllowOutputShapeAtEval called outside prepare");
  }
  if (t->kind != TensorKind::kPlanned || (t->flags & kTensorOwnsShape) != 0 ||
      t->type == DataType::kString) {
    return Error(Status::kUnsupported,
                 "output %d ('%s') is not a plain planned tensor: its shape cannot be set "
                 "during invoke",
                 k, output_name(k));
  }
  if ((t->flags & kTensorPrepareShape) == 0) {
    // Still the model's (read-only) shape: copy it into storage of this plan.
    int32_t* storage = static_cast<int32_t*>(interpreter_->arena_.AllocatePersistent(
        sizeof(int32_t) * kMaxRank, alignof(int32_t), AllocationKind::kTensorShapes));
    if (storage == nullptr) {
      return Error(Status::kArenaTooSmall, "arena is too small: needs at least %zu bytes",
                   interpreter_->arena_.required_bytes());
    }
    for (int i = 0; i < t->rank; ++i) storage[i] = t->dims[i];
    t->dims = storage;
    t->flags |= kTensorPrepareShape;
  }
  const int index = output_index(k);
  bool read = interpreter_->subgraphs_[subgraph_].claimed;
  const int n = interpreter_->num_nodes(subgraph_);
  for (int o = 0; o < n && !read; ++o) {
    if (o == op_index_) continue;
    const Node& node = interpreter_->node(subgraph_, o);
    for (int i = 0; i < node.num_inputs; ++i) {
      if (node.inputs[i] == index) read = true;
    }
  }
  *may_differ = !read;
  return Status::kOk;
}

Status OpContext::SetOutputShapeAtEval(int k, const int32_t* dims, int rank) {
  Tensor* t = output(k);
  if (t == nullptr) return Error(Status::kInvalidArgument, "output %d is missing", k);
  if (phase_ != OpPhase::kEval || t->kind != TensorKind::kPlanned ||
      (t->flags & kTensorPrepareShape) == 0) {
    return Error(Status::kFailedPrecondition,
                 "output %d ('%s'): its shape can be set during invoke only in eval, after "
                 "prepare called AllowOutputShapeAtEval",
                 k, output_name(k));
  }
  if (rank != t->rank) {
    return Error(Status::kInvalidArgument,
                 "output %d ('%s') was prepared with rank %d, not %d", k, output_name(k),
                 static_cast<int>(t->rank), rank);
  }
  int64_t bytes = static_cast<int64_t>(DataTypeSize(t->type));
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) {
      return Error(Status::kInvalidArgument, "negative dimension %d",
                   static_cast<int>(dims[i]));
    }
    bytes *= dims[i];
    if (bytes > static_cast<int64_t>(t->bytes)) {
      return Error(Status::kInvalidArgument,
                   "output %d ('%s') needs more than the %u bytes planned for it", k,
                   output_name(k), t->bytes);
    }
  }
  int32_t* storage = const_cast<int32_t*>(t->dims);  // this plan's storage
  for (int i = 0; i < rank; ++i) storage[i] = dims[i];
  return Status::kOk;
}

Status OpContext::MaterializeOutput(int k) {
  Tensor* t = output(k);
  if (t == nullptr) return Error(Status::kInvalidArgument, "output %d is missing", k);
  if (phase_ != OpPhase::kPrepare) {
    return Error(Status::kFailedPrecondition, "MaterializeOutput called outside prepare");
  }
  if (t->kind != TensorKind::kPlanned) {
    return Error(Status::kInvalidArgument, "output %d cannot hold a prepare-time value", k);
  }
  const size_t bytes = DataTypeSize(t->type) * static_cast<size_t>(t->NumElements());
  void* data = interpreter_->arena_.AllocatePersistent(bytes == 0 ? 1 : bytes, 16,
                                                       AllocationKind::kOpData);
  if (data == nullptr) {
    return Error(Status::kArenaTooSmall, "arena is too small: needs at least %zu bytes",
                 interpreter_->arena_.required_bytes());
  }
  t->data = data;
  t->bytes = static_cast<uint32_t>(bytes);
  t->kind = TensorKind::kPersistent;
  t->flags |= kTensorValueAtPrepare;
  // No longer planned: drop any buffer sharing its prepare asked for.
  int32_t* share = interpreter_->subgraphs_[subgraph_].share_source;
  if (share != nullptr) share[output_index(k)] = -1;
  return Status::kOk;
}

bool OpContext::VariableStableWhileOutputLive(int k, int id) const {
  const int out = output_index(k);
  if (out < 0) return false;
  const int n = interpreter_->num_nodes(subgraph_);
  // The last op that reads the output (a subgraph output lives to the end).
  int last = op_index_;
  const Int32Span outputs = interpreter_->subgraph_outputs(subgraph_);
  for (uint32_t i = 0; i < outputs.size; ++i) {
    if (outputs[i] == out) last = n - 1;
  }
  for (int o = op_index_ + 1; o < n; ++o) {
    const Node& node = interpreter_->node(subgraph_, o);
    for (int i = 0; i < node.num_inputs; ++i) {
      if (node.inputs[i] == out) last = o;
    }
  }
  constexpr int32_t kAssign = static_cast<int32_t>(BuiltinOp::kASSIGN_VARIABLE);
  for (int o = op_index_ + 1; o <= last; ++o) {
    const Node& node = interpreter_->node(subgraph_, o);
    if (node.builtin_code == static_cast<int32_t>(BuiltinOp::kCALL_ONCE) ||
        node.builtin_code == static_cast<int32_t>(BuiltinOp::kIF) ||
        node.builtin_code == static_cast<int32_t>(BuiltinOp::kWHILE)) {
      return false;
    }
    if (node.builtin_code != kAssign || node.num_inputs < 1 || node.inputs[0] < 0) continue;
    // An assignment whose variable is not known yet may be this one.
    const Tensor& handle = tensors_[node.inputs[0]];
    if (!ValueKnownAtPrepare(&handle) || handle.data == nullptr ||
        *static_cast<const int32_t*>(handle.data) == id) {
      return false;
    }
  }
  return true;
}

const ResourceVariable* OpContext::AssignedVariable(int k) const {
  const int out = output_index(k);
  if (out < 0) return nullptr;
  const int n = interpreter_->num_nodes(subgraph_);
  for (int o = 0; o < n; ++o) {
    const Node& node = interpreter_->node(subgraph_, o);
    if (node.builtin_code != static_cast<int32_t>(BuiltinOp::kASSIGN_VARIABLE) ||
        node.num_inputs < 2 || node.inputs[1] != out || node.inputs[0] < 0) {
      continue;
    }
    return resource_variable(
        interpreter_->VariableOfResource(static_cast<uint32_t>(subgraph_), node.inputs[0]));
  }
  return nullptr;
}

FileSystem* OpContext::file_system() const { return interpreter_->file_system(); }

Status OpContext::AliasOutput(int k, void* data) {
  Tensor* t = output(k);
  if (t == nullptr || t->kind != TensorKind::kPlanned || phase_ != OpPhase::kPrepare) {
    return Error(Status::kInvalidArgument, "output %d cannot alias other storage", k);
  }
  t->data = data;
  t->kind = TensorKind::kPersistent;  // not planned: consumers cannot write it in place
  t->flags |= kTensorAliased;
  int32_t* share = interpreter_->subgraphs_[subgraph_].share_source;
  if (share != nullptr) share[output_index(k)] = -1;
  return Status::kOk;
}

int OpContext::FindResourceVariable(const char* container, const char* shared_name) const {
  return interpreter_->variables_.Find(container, shared_name);
}

ResourceVariable* OpContext::resource_variable(int id) const {
  return interpreter_->variables_.get(id);
}

int OpContext::num_subgraphs() const { return interpreter_->num_subgraphs(); }

Status OpContext::DeclareSubgraphCall(int subgraph) {
  if (subgraph < 0 || subgraph >= interpreter_->num_subgraphs()) {
    return Error(Status::kMalformedModel, "subgraph %d does not exist (the model has %d)",
                 subgraph, interpreter_->num_subgraphs());
  }
  if (subgraph == subgraph_) {
    return Error(Status::kUnsupported, "subgraph %d calls itself", subgraph);
  }
  return interpreter_->DeclareSubgraphCall(static_cast<uint32_t>(subgraph_),
                                           static_cast<uint32_t>(subgraph));
}

Status OpContext::ClaimSubgraph(int subgraph) {
  if (subgraph < 0 || subgraph >= interpreter_->num_subgraphs()) {
    return Error(Status::kMalformedModel, "subgraph %d does not exist (the model has %d)",
                 subgraph, interpreter_->num_subgraphs());
  }
  if (subgraph == subgraph_) {
    return Error(Status::kUnsupported, "subgraph %d calls itself", subgraph);
  }
  interpreter_->subgraphs_[subgraph].claimed = true;
  return Status::kOk;
}

Status OpContext::PrepareSubgraph(int subgraph, int first_input, int loop_body) {
  TFLM_RETURN_IF_ERROR(DeclareSubgraphCall(subgraph));
  const Int32Span inputs = interpreter_->subgraph_inputs(subgraph);
  const int count = num_inputs() - first_input;
  if (first_input < 0 || count < 0 || static_cast<uint32_t>(count) != inputs.size) {
    return Error(Status::kInvalidArgument, "subgraph %d takes %u inputs, the op passes it %d",
                 subgraph, inputs.size, count < 0 ? 0 : count);
  }
  const MicroInterpreter::SubgraphState& g = interpreter_->subgraphs_[subgraph];
  if (g.prepare_state == MicroInterpreter::kPreparing) {
    return Error(Status::kUnsupported,
                 "subgraph %d calls subgraph %d, which is being prepared: a cycle of "
                 "subgraph calls",
                 subgraph_, subgraph);
  }
  const bool prepared = g.prepare_state == MicroInterpreter::kPrepared;
  for (int k = 0; k < count; ++k) {
    const Tensor* src = input(first_input + k);
    Tensor* dst = interpreter_->tensor(subgraph, inputs[k]);
    if (src == nullptr || dst == nullptr) {
      return Error(Status::kMalformedModel, "input %d of the op or of subgraph %d is missing",
                   first_input + k, subgraph);
    }
    if (src->type != dst->type) {
      return Error(Status::kInvalidArgument,
                   "input %d ('%s') has dtype %s but input %d of subgraph %d has dtype %s",
                   first_input + k, input_name(first_input + k), DataTypeName(src->type), k,
                   subgraph, DataTypeName(dst->type));
    }
    // A value known at prepare (a resource id, shape arithmetic) that stays
    // the same for every run of the callee is known there too: it shares
    // the op input's storage, and eval copies nothing into it.
    const bool pass_value =
        ValueKnownAtPrepare(src) &&
        (loop_body < 0 || (subgraph_output_index(loop_body, k) >= 0 &&
                           subgraph_output_index(loop_body, k) ==
                               subgraph_input_index(loop_body, k)));
    if (!prepared) {
      if (dst->kind != TensorKind::kPlanned) {
        return Error(Status::kUnsupported,
                     "input %d of subgraph %d is a constant or variable tensor; a called "
                     "subgraph's inputs must be plain tensors",
                     k, subgraph);
      }
      TFLM_RETURN_IF_ERROR(SetShape(dst, src->dims, src->rank));
      if (pass_value) {
        dst->data = src->data;
        dst->bytes = src->bytes;
        dst->kind = TensorKind::kPersistent;  // released at the next prepare
        dst->flags |= kTensorValueAtPrepare | kTensorAliased;
      }
      continue;
    }
    if (pass_value != ValueKnownAtPrepare(dst) ||
        (pass_value && (src->bytes != dst->bytes ||
                        (src->bytes > 0 && memcmp(src->data, dst->data, src->bytes) != 0)))) {
      return Error(Status::kUnsupported,
                   "subgraph %d is called with different prepare-time values for its input "
                   "%d; this runtime prepares a subgraph once",
                   subgraph, k);
    }
    bool same = src->rank == dst->rank;
    for (int i = 0; same && i < src->rank; ++i) same = src->dims[i] == dst->dims[i];
    if (!same) {
      return Error(Status::kUnsupported,
                   "subgraph %d is called with two different shapes for its input %d "
                   "(rank %d and rank %d, or different dimensions); this runtime plans one "
                   "shape per subgraph",
                   subgraph, k, static_cast<int>(src->rank), static_cast<int>(dst->rank));
    }
  }
  if (prepared) return Status::kOk;
  // The interpreter reuses this context for the callee; restore it after.
  Node* node = node_;
  Tensor* tensors = tensors_;
  const int caller = subgraph_;
  const int op = op_index_;
  const OpPhase phase = phase_;
  const Status status = interpreter_->PrepareSubgraph(static_cast<uint32_t>(subgraph));
  node_ = node;
  tensors_ = tensors;
  subgraph_ = caller;
  op_index_ = op;
  phase_ = phase;
  return status;
}

Status OpContext::InvokeSubgraph(int subgraph) {
  // The interpreter reuses this context for the callee; restore it after.
  Node* node = node_;
  Tensor* tensors = tensors_;
  const int caller = subgraph_;
  const int op = op_index_;
  const OpPhase phase = phase_;
  const Status status = interpreter_->InvokeSubgraph(subgraph);
  node_ = node;
  tensors_ = tensors;
  subgraph_ = caller;
  op_index_ = op;
  phase_ = phase;
  return status;
}

bool OpContext::subgraph_initialized(int subgraph) const {
  if (subgraph < 0 || subgraph >= interpreter_->num_subgraphs()) return false;
  return interpreter_->subgraphs_[subgraph].initialized;
}

void OpContext::set_subgraph_initialized(int subgraph) {
  if (subgraph < 0 || subgraph >= interpreter_->num_subgraphs()) return;
  interpreter_->subgraphs_[subgraph].initialized = true;
}

Tensor* OpContext::subgraph_tensor(int subgraph, int index) const {
  return interpreter_->tensor(subgraph, index);
}

int OpContext::subgraph_input_index(int subgraph, int k) const {
  const Int32Span inputs = interpreter_->subgraph_inputs(subgraph);
  return k >= 0 && static_cast<uint32_t>(k) < inputs.size ? inputs[k] : -1;
}

int OpContext::subgraph_output_index(int subgraph, int k) const {
  const Int32Span outputs = interpreter_->subgraph_outputs(subgraph);
  return k >= 0 && static_cast<uint32_t>(k) < outputs.size ? outputs[k] : -1;
}

bool OpContext::subgraph_reads_input(int subgraph, int k) const {
  const int t = subgraph_input_index(subgraph, k);
  if (t < 0) return false;
  const Int32Span outputs = interpreter_->subgraph_outputs(subgraph);
  for (uint32_t i = 0; i < outputs.size; ++i) {
    if (outputs[i] == t) return true;
  }
  for (int o = 0; o < interpreter_->num_nodes(subgraph); ++o) {
    const Node& n = interpreter_->node(subgraph, o);
    for (int i = 0; i < n.num_inputs; ++i) {
      if (n.inputs[i] == t) return true;
    }
  }
  return false;
}

Status OpContext::Error(Status code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  (void)interpreter_->reporter_.ReportV(code, fmt, args);
  va_end(args);
  return code;
}

Status OpContext::ExpectInputs(int min, int max) {
  if (num_inputs() < min || num_inputs() > max) {
    if (min == max) {
      return Error(Status::kInvalidArgument, "expected %d inputs, got %d", min,
                   num_inputs());
    }
    return Error(Status::kInvalidArgument, "expected %d to %d inputs, got %d",
                 min, max, num_inputs());
  }
  return Status::kOk;
}

Status OpContext::ExpectOutputs(int count) {
  if (num_outputs() != count) {
    return Error(Status::kInvalidArgument, "expected %d outputs, got %d", count,
                 num_outputs());
  }
  return Status::kOk;
}

Status OpContext::ExpectType(const Tensor* t, DataType type, const char* what) {
  if (t == nullptr) {
    return Error(Status::kInvalidArgument, "%s is missing", what);
  }
  if (t->type != type) {
    return Error(Status::kInvalidArgument, "%s has dtype %s, expected %s", what,
                 DataTypeName(t->type), DataTypeName(type));
  }
  return Status::kOk;
}

}  // namespace tflm
