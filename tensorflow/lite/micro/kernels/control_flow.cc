// Control flow: CALL_ONCE runs a subgraph (the variable initialization of
// training models) once per interpreter, and again after Reset(). IF runs one
// of two subgraphs on its inputs 1..n, chosen by its bool input 0; WHILE runs
// a body subgraph on its loop variables as long as a cond subgraph says so.
//
// The called subgraphs are planned above their caller, so the op's own
// tensors stay valid while they run; values pass by copy into the callee's
// inputs and out of its outputs. Their input shapes come from the op (the
// interpreter lets the op's prepare prepare them), and their output shapes
// must be static: both IF branches give the same shapes, and a WHILE body
// gives each loop variable the shape it came in with.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/binary_broadcast.h"  // FormatShape
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kInitSubgraphField = 0;  // CallOnceOptions.init_subgraph_index

struct CallOnceData {
  int32_t subgraph;
};

Status CallOnceInit(OpContext& ctx) {
  CallOnceData* d = ctx.AllocateOpData<CallOnceData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  // An omitted field is the schema default, 0.
  d->subgraph = ctx.builtin_options().Scalar<int32_t>(kInitSubgraphField, 0);
  return Status::kOk;
}

Status CallOncePrepare(OpContext& ctx) {
  const CallOnceData* d = ctx.op_data_as<CallOnceData>();
  if (ctx.subgraph_input_index(d->subgraph, 0) >= 0 ||
      ctx.subgraph_output_index(d->subgraph, 0) >= 0) {
    return ctx.Error(Status::kUnsupported,
                     "the initialization subgraph %d must have no inputs or outputs",
                     static_cast<int>(d->subgraph));
  }
  return ctx.DeclareSubgraphCall(d->subgraph);
}

Status CallOnceEval(OpContext& ctx) {
  const CallOnceData* d = ctx.op_data_as<CallOnceData>();
  // Once per interpreter (and per Reset), whichever CALL_ONCE gets there first.
  if (ctx.subgraph_initialized(d->subgraph)) return Status::kOk;
  TFLM_RETURN_IF_ERROR(ctx.InvokeSubgraph(d->subgraph));
  ctx.set_subgraph_initialized(d->subgraph);
  return Status::kOk;
}

// ---- shared by IF and WHILE ----

// Reads a subgraph index field of the options and claims that subgraph (its
// input shapes come from this op).
Status ClaimSubgraphField(OpContext& ctx, int field, const char* field_name,
                          int32_t* subgraph) {
  // Absent means the schema default, 0 (flatbuffers omit default values).
  *subgraph = ctx.builtin_options().Scalar<int32_t>(field, 0);
  if (*subgraph < 0 || *subgraph >= ctx.num_subgraphs()) {
    return ctx.Error(Status::kMalformedModel,
                     "%s is %d, but the model has subgraphs 0 to %d", field_name,
                     static_cast<int>(*subgraph), ctx.num_subgraphs() - 1);
  }
  return ctx.ClaimSubgraph(*subgraph);
}

Tensor* SubgraphInput(const OpContext& ctx, int subgraph, int k) {
  return ctx.subgraph_tensor(subgraph, ctx.subgraph_input_index(subgraph, k));
}

Tensor* SubgraphOutput(const OpContext& ctx, int subgraph, int k) {
  return ctx.subgraph_tensor(subgraph, ctx.subgraph_output_index(subgraph, k));
}

int NumSubgraphOutputs(const OpContext& ctx, int subgraph) {
  int n = 0;
  while (ctx.subgraph_output_index(subgraph, n) >= 0) ++n;
  return n;
}

bool SameShape(const Tensor* a, const Tensor* b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; ++i) {
    if (a->dims[i] != b->dims[i]) return false;
  }
  return true;
}

// Prepare: output k of `subgraph` must be there and have `want`'s dtype.
Status CheckSubgraphOutput(OpContext& ctx, int subgraph, int k, const Tensor* want,
                           const char* role) {
  const Tensor* t = SubgraphOutput(ctx, subgraph, k);
  if (t == nullptr) {
    return ctx.Error(Status::kMalformedModel, "output %d of the %s subgraph %d is missing", k,
                     role, subgraph);
  }
  if (t->type != want->type) {
    return ctx.Error(Status::kInvalidArgument,
                     "output %d of the %s subgraph %d has dtype %s, expected %s", k, role,
                     subgraph, DataTypeName(t->type), DataTypeName(want->type));
  }
  return Status::kOk;
}

// Prepare: a subgraph condition is a bool with one element.
Status CheckCondition(OpContext& ctx, const Tensor* t, const char* what) {
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(t, DataType::kBool, what));
  if (t->NumElements() != 1) {
    char shape[64];
    return ctx.Error(Status::kInvalidArgument, "%s must have one element, its shape is %s",
                     what, FormatShape(ShapeOf(t), shape, sizeof(shape)));
  }
  return Status::kOk;
}

bool ConditionValue(const Tensor* t) {
  return *static_cast<const uint8_t*>(t->data) != 0;
}

// Eval: copies a value between tensors of the same dtype and shape (checked
// at prepare). The buffers are in different subgraphs' plans (or constant).
// A destination known at prepare already holds the value (a resource id the
// op passes on unchanged).
Status CopyValue(OpContext& ctx, const Tensor* src, Tensor* dst) {
  const uint32_t bytes = dst->bytes;
  if (bytes == 0 || src->data == dst->data || OpContext::ValueKnownAtPrepare(dst)) {
    return Status::kOk;
  }
  if (src->bytes < bytes || src->data == nullptr || dst->data == nullptr) {
    return ctx.Error(Status::kInternal, "cannot copy %u bytes from a tensor of %u bytes",
                     bytes, src->bytes);
  }
  memcpy(dst->data, src->data, bytes);
  return Status::kOk;
}

// ---- IF ----

constexpr int kThenSubgraphField = 0;  // IfOptions.then_subgraph_index
constexpr int kElseSubgraphField = 1;  // IfOptions.else_subgraph_index

struct IfData {
  int32_t branch[2];  // [0] else, [1] then: indexed by the condition
  // Per op input (prepare zone): bit b set when branch[b] reads input k + 1.
  uint8_t* reads;
};

Status IfInit(OpContext& ctx) {
  IfData* d = ctx.AllocateOpData<IfData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  TFLM_RETURN_IF_ERROR(
      ClaimSubgraphField(ctx, kThenSubgraphField, "then_subgraph_index", &d->branch[1]));
  return ClaimSubgraphField(ctx, kElseSubgraphField, "else_subgraph_index", &d->branch[0]);
}

Status IfPrepare(OpContext& ctx) {
  IfData* d = ctx.op_data_as<IfData>();
  TFLM_RETURN_IF_ERROR(CheckCondition(ctx, ctx.input(0), "the condition (input 0)"));
  d->reads = ctx.AllocatePersistentArray<uint8_t>(static_cast<size_t>(ctx.num_inputs()));
  if (d->reads == nullptr) return Status::kArenaTooSmall;
  memset(d->reads, 0, static_cast<size_t>(ctx.num_inputs()));
  static const char* const kRole[2] = {"else", "then"};
  for (int b = 1; b >= 0; --b) {
    TFLM_RETURN_IF_ERROR(ctx.PrepareSubgraph(d->branch[b], 1));
    const int n = NumSubgraphOutputs(ctx, d->branch[b]);
    if (n != ctx.num_outputs()) {
      return ctx.Error(Status::kInvalidArgument,
                       "the %s subgraph %d has %d outputs, the op has %d", kRole[b],
                       static_cast<int>(d->branch[b]), n, ctx.num_outputs());
    }
    for (int k = 1; k < ctx.num_inputs(); ++k) {
      if (ctx.subgraph_reads_input(d->branch[b], k - 1)) d->reads[k] |= 1u << b;
    }
  }
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    Tensor* out = ctx.output(k);
    TFLM_RETURN_IF_ERROR(CheckSubgraphOutput(ctx, d->branch[1], k, out, "then"));
    TFLM_RETURN_IF_ERROR(CheckSubgraphOutput(ctx, d->branch[0], k, out, "else"));
    const Tensor* then_out = SubgraphOutput(ctx, d->branch[1], k);
    const Tensor* else_out = SubgraphOutput(ctx, d->branch[0], k);
    if (!SameShape(then_out, else_out)) {
      char a[64];
      char b[64];
      return ctx.Error(Status::kUnsupported,
                       "output %d ('%s') has shape %s in the then branch and %s in the else "
                       "branch; this runtime needs one static shape per tensor",
                       k, ctx.output_name(k), FormatShape(ShapeOf(then_out), a, sizeof(a)),
                       FormatShape(ShapeOf(else_out), b, sizeof(b)));
    }
    TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(k, then_out));
  }
  return Status::kOk;
}

Status IfEval(OpContext& ctx) {
  const IfData* d = ctx.op_data_as<IfData>();
  const int b = ConditionValue(ctx.input(0)) ? 1 : 0;
  const int branch = d->branch[b];
  for (int k = 1; k < ctx.num_inputs(); ++k) {
    if ((d->reads[k] & (1u << b)) == 0) continue;
    TFLM_RETURN_IF_ERROR(CopyValue(ctx, ctx.input(k), SubgraphInput(ctx, branch, k - 1)));
  }
  TFLM_RETURN_IF_ERROR(ctx.InvokeSubgraph(branch));
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    TFLM_RETURN_IF_ERROR(CopyValue(ctx, SubgraphOutput(ctx, branch, k), ctx.output(k)));
  }
  return Status::kOk;
}

// ---- WHILE ----

constexpr int kCondSubgraphField = 0;  // WhileOptions.cond_subgraph_index
constexpr int kBodySubgraphField = 1;  // WhileOptions.body_subgraph_index

struct WhileData {
  int32_t cond;
  int32_t body;
  uint8_t* flags;  // per loop variable (prepare zone): LoopVarFlags
};

enum LoopVarFlags : uint8_t {
  kCondReads = 1,  // the cond subgraph reads it: copy it in
  kBodyReads = 2,  // the body reads it: copy it in
  kBodyKeeps = 4,  // the body returns its input unchanged: nothing to copy back
};

Status WhileInit(OpContext& ctx) {
  WhileData* d = ctx.AllocateOpData<WhileData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  TFLM_RETURN_IF_ERROR(
      ClaimSubgraphField(ctx, kCondSubgraphField, "cond_subgraph_index", &d->cond));
  TFLM_RETURN_IF_ERROR(
      ClaimSubgraphField(ctx, kBodySubgraphField, "body_subgraph_index", &d->body));
  if (d->cond == d->body) {
    return ctx.Error(Status::kMalformedModel,
                     "cond_subgraph_index and body_subgraph_index are both %d",
                     static_cast<int>(d->cond));
  }
  return Status::kOk;
}

Status WhilePrepare(OpContext& ctx) {
  WhileData* d = ctx.op_data_as<WhileData>();
  const int n = ctx.num_inputs();
  // One output per loop variable (the declaration cannot say "as many").
  TFLM_RETURN_IF_ERROR(ctx.ExpectOutputs(n));
  d->flags = ctx.AllocatePersistentArray<uint8_t>(static_cast<size_t>(n > 0 ? n : 1));
  if (d->flags == nullptr) return Status::kArenaTooSmall;
  TFLM_RETURN_IF_ERROR(ctx.PrepareSubgraph(d->cond, 0, d->body));
  if (NumSubgraphOutputs(ctx, d->cond) != 1) {
    return ctx.Error(Status::kInvalidArgument, "the cond subgraph %d has %d outputs, expected 1",
                     static_cast<int>(d->cond), NumSubgraphOutputs(ctx, d->cond));
  }
  TFLM_RETURN_IF_ERROR(
      CheckCondition(ctx, SubgraphOutput(ctx, d->cond, 0), "the output of the cond subgraph"));
  TFLM_RETURN_IF_ERROR(ctx.PrepareSubgraph(d->body, 0, d->body));
  if (NumSubgraphOutputs(ctx, d->body) != n) {
    return ctx.Error(Status::kInvalidArgument,
                     "the body subgraph %d has %d outputs, the op has %d loop variables",
                     static_cast<int>(d->body), NumSubgraphOutputs(ctx, d->body), n);
  }
  for (int k = 0; k < n; ++k) {
    const Tensor* in = ctx.input(k);
    Tensor* out = ctx.output(k);
    if (out->type != in->type) {
      return ctx.Error(Status::kInvalidArgument,
                       "loop variable %d has dtype %s as input and %s as output", k,
                       DataTypeName(in->type), DataTypeName(out->type));
    }
    TFLM_RETURN_IF_ERROR(CheckSubgraphOutput(ctx, d->body, k, in, "body"));
    const Tensor* body_out = SubgraphOutput(ctx, d->body, k);
    if (!SameShape(body_out, in)) {
      char a[64];
      char b[64];
      return ctx.Error(Status::kUnsupported,
                       "the body subgraph %d changes the shape of loop variable %d ('%s') "
                       "from %s to %s; this runtime supports loops whose variables keep "
                       "their shapes",
                       static_cast<int>(d->body), k, ctx.input_name(k),
                       FormatShape(ShapeOf(in), a, sizeof(a)),
                       FormatShape(ShapeOf(body_out), b, sizeof(b)));
    }
    TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(k, in));
    d->flags[k] = static_cast<uint8_t>(
        (ctx.subgraph_reads_input(d->cond, k) ? kCondReads : 0) |
        (ctx.subgraph_reads_input(d->body, k) ? kBodyReads : 0) |
        (SubgraphInput(ctx, d->body, k) == body_out ? kBodyKeeps : 0));
    // A known value the body passes through unchanged (a resource id) is
    // known after the loop too.
    if (OpContext::ValueKnownAtPrepare(in) && SubgraphInput(ctx, d->body, k) == body_out) {
      TFLM_RETURN_IF_ERROR(ctx.MaterializeOutput(k));
      if (in->bytes > 0) memcpy(out->data, in->data, in->bytes);
    }
  }
  return Status::kOk;
}

// The op's outputs hold the loop variables between the subgraph runs: the
// body reads its own input tensors and writes its own outputs, which are
// copied back only after it has finished.
Status WhileEval(OpContext& ctx) {
  const WhileData* d = ctx.op_data_as<WhileData>();
  const int n = ctx.num_inputs();
  for (int k = 0; k < n; ++k) {
    TFLM_RETURN_IF_ERROR(CopyValue(ctx, ctx.input(k), ctx.output(k)));
  }
  const Tensor* condition = SubgraphOutput(ctx, d->cond, 0);
  // Inputs are filled every time: after its last use, a subgraph's input
  // buffer may hold other tensors of that subgraph.
  while (true) {
    for (int k = 0; k < n; ++k) {
      if ((d->flags[k] & kCondReads) == 0) continue;
      TFLM_RETURN_IF_ERROR(CopyValue(ctx, ctx.output(k), SubgraphInput(ctx, d->cond, k)));
    }
    TFLM_RETURN_IF_ERROR(ctx.InvokeSubgraph(d->cond));
    if (!ConditionValue(condition)) break;
    for (int k = 0; k < n; ++k) {
      if ((d->flags[k] & kBodyReads) == 0) continue;
      TFLM_RETURN_IF_ERROR(CopyValue(ctx, ctx.output(k), SubgraphInput(ctx, d->body, k)));
    }
    TFLM_RETURN_IF_ERROR(ctx.InvokeSubgraph(d->body));
    for (int k = 0; k < n; ++k) {
      if ((d->flags[k] & kBodyKeeps) != 0) continue;
      TFLM_RETURN_IF_ERROR(CopyValue(ctx, SubgraphOutput(ctx, d->body, k), ctx.output(k)));
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_IF() {
  static const OpRegistration r = {"IF", IfInit, IfPrepare, IfEval, nullptr, 1, nullptr,
                                   "cond, inputs...", "outputs...", nullptr};
  return &r;
}

const OpRegistration* Register_WHILE() {
  static const OpRegistration r = {"WHILE", WhileInit, WhilePrepare, WhileEval, nullptr, 1,
                                   nullptr, "inputs...", "outputs...", nullptr};
  return &r;
}

const OpRegistration* Register_CALL_ONCE() {
  static const OpRegistration r = {"CALL_ONCE", CallOnceInit, CallOncePrepare, CallOnceEval,
                                   nullptr, 1, nullptr, "", "", nullptr};
  return &r;
}

}  // namespace tflm
