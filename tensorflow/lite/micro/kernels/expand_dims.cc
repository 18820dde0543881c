// EXPAND_DIMS: inserts a size-1 dimension at `axis` (input 1). The data is
// unchanged; the output shares the input's buffer when the planner allows it.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  int32_t axis = 0;
  int count = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 1, "axis", &axis, 1, &count));
  if (count != 1) {
    return ctx.Error(Status::kInvalidArgument, "axis must hold one value");
  }
  const int rank = input->rank + 1;
  if (!NormalizeAxis(axis, rank, &axis) || rank > kMaxRank) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis %d is out of range for an input of rank %d",
                     static_cast<int>(axis), input->rank);
  }
  int32_t dims[kMaxRank];
  for (int i = 0, j = 0; i < rank; ++i) {
    dims[i] = i == axis ? 1 : input->dims[j++];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  ctx.ShareInputBuffer(0, 0);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_EXPAND_DIMS() {
  static const OpRegistration r = {"EXPAND_DIMS", nullptr, Prepare,
                                   EvalCopyUnlessShared, nullptr, 1, nullptr,
                                   "input, axis", "output", nullptr};
  return &r;
}

}  // namespace tflm
