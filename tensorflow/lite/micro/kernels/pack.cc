// PACK: stacks N same-shaped inputs along a new axis. Quantized inputs whose
// scale or zero point differs from the output's are requantized.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_concat.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kValuesCountField = 0;  // PackOptions.values_count
constexpr int kAxisField = 1;         // PackOptions.axis

Status Prepare(OpContext& ctx) {
  const fb::Table options = ctx.builtin_options();
  const int n = ctx.num_inputs();
  if (options.Scalar<int32_t>(kValuesCountField, n) != n) {
    return ctx.Error(Status::kInvalidArgument,
                     "values_count does not match the %d inputs", n);
  }
  const Tensor* first = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, first, "input 0", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), first->type, "output"));
  const int rank = first->rank + 1;
  int32_t axis = 0;
  if (rank > kMaxRank ||
      !NormalizeAxis(options.Scalar<int32_t>(kAxisField, 0), rank, &axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis is out of range for an output of rank %d", rank);
  }
  for (int i = 1; i < n; ++i) {
    const Tensor* t = ctx.input(i);
    if (t->type != first->type || t->rank != first->rank ||
        t->NumElements() != first->NumElements()) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d differs in dtype or shape from input 0", i);
    }
    for (int d = 0; d < first->rank; ++d) {
      if (t->dims[d] != first->dims[d]) {
        return ctx.Error(Status::kInvalidArgument,
                         "input %d differs in shape from input 0", i);
      }
    }
  }
  int32_t dims[kMaxRank];
  for (int d = 0,
       j = 0; d < rank; ++d) dims[d] = d == axis ? n : first->dims[j++];
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  JoinPlan* plan = nullptr;
  TFLM_RETURN_IF_ERROR(AllocateJoinPlan(ctx, n, &plan));
  plan->type = first->type;
  int64_t outer = 1;
  int64_t block = elem_size;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (int d = axis + 1; d < rank; ++d) block *= dims[d];
  plan->outer = static_cast<int32_t>(outer);
  plan->row_bytes = static_cast<uint32_t>(n * block);
  for (int i = 0; i < n; ++i) plan->block_bytes[i] = static_cast<uint32_t>(block);
  return PrepareJoinRequantize(ctx, plan);
}

Status Eval(OpContext& ctx) {
  RunJoin(ctx, *ctx.op_data_as<JoinPlan>());
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_PACK() {
  static const OpRegistration r = {"PACK", nullptr, Prepare, Eval, nullptr, 4,
                                   nullptr, "values+", "output", nullptr};
  return &r;
}

}  // namespace tflm
