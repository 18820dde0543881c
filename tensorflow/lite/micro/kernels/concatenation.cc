// CONCATENATION: joins the inputs along `axis`. Quantized inputs whose scale
// or zero point differs from the output's are requantized (see JoinPlan).
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_concat.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// ConcatenationOptions fields.
constexpr int kAxisField = 0;
constexpr int kActivationField = 1;  // fused_activation_function

// Checked by the interpreter before prepare (the axis is checked here,
// against the rank).
constexpr OptionRange kConcatenationOptions[] = {
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

Status Prepare(OpContext& ctx) {
  const int n = ctx.num_inputs();
  const Tensor* first = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, first, "input 0", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), first->type, "output"));
  const fb::Table options = ctx.builtin_options();
  if (options.Scalar<int8_t>(kActivationField, 0) != 0) {
    return ctx.Error(Status::kUnsupported,
                     "fused activations are not supported");
  }
  const int rank = first->rank;
  int32_t axis = 0;
  if (!NormalizeAxis(options.Scalar<int32_t>(kAxisField, 0), rank, &axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis is out of range for rank %d",
                     rank);
  }
  int32_t dims[kMaxRank];
  for (int d = 0; d < rank; ++d) dims[d] = first->dims[d];
  dims[axis] = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor* t = ctx.input(i);
    if (t->type != first->type || t->rank != rank) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d has dtype %s and rank %d, expected %s and %d",
                       i, DataTypeName(t->type), t->rank,
                       DataTypeName(first->type), rank);
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && t->dims[d] != first->dims[d]) {
        return ctx.Error(Status::kInvalidArgument,
                         "input %d has size %d in dimension %d, expected %d", i,
                         static_cast<int>(t->dims[d]), d,
                         static_cast<int>(first->dims[d]));
      }
    }
    dims[axis] += t->dims[axis];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  JoinPlan* plan = nullptr;
  TFLM_RETURN_IF_ERROR(AllocateJoinPlan(ctx, n, &plan));
  plan->type = first->type;
  int64_t outer = 1;
  int64_t inner = elem_size;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (int d = axis + 1; d < rank; ++d) inner *= dims[d];
  plan->outer = static_cast<int32_t>(outer);
  plan->row_bytes = static_cast<uint32_t>(dims[axis] * inner);
  for (int i = 0; i < n; ++i) {
    plan->block_bytes[i] = static_cast<uint32_t>(ctx.input(i)->dims[axis] * inner);
  }
  return PrepareJoinRequantize(ctx, plan);
}

Status Eval(OpContext& ctx) {
  RunJoin(ctx, *ctx.op_data_as<JoinPlan>());
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_CONCATENATION() {
  static const OpRegistration r = {"CONCATENATION", nullptr, Prepare, Eval,
                                   nullptr, 4, nullptr,
                                   "values+", "output", kConcatenationOptions};
  return &r;
}

}  // namespace tflm
