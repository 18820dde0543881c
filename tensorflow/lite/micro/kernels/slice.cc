// SLICE: the box of `size` (input 2; -1 = to the end) starting at `begin`
// (input 1), both known at prepare.
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
  const int rank = input->rank;
  int32_t begin[kMaxRank];
  int32_t size[kMaxRank];
  int nb = 0;
  int ns = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 1, "begin", begin, kMaxRank,
                                           &nb));
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 2, "size", size, kMaxRank,
                                           &ns));
  if (nb != rank || ns != rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "begin and size need %d entries (got %d and %d)", rank, nb, ns);
  }
  int32_t steps[kMaxRank];
  for (int d = 0; d < rank; ++d) {
    const int32_t dim = input->dims[d];
    if (size[d] == -1) size[d] = dim - begin[d];
    if (begin[d] < 0 || size[d] < 0 || begin[d] > dim
        || size[d] > dim - begin[d]) {
      return ctx.Error(Status::kInvalidArgument,
                       "slice [%d, +%d) is out of range for dimension %d of size %d",
                       static_cast<int>(begin[d]), static_cast<int>(size[d]), d,
                       static_cast<int>(dim));
    }
    steps[d] = 1;
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, size, rank));
  CopyPlan* plan = ctx.AllocateOpData<CopyPlan>();
  if (plan == nullptr) return Status::kArenaTooSmall;
  MakeSliceCopy(input->dims, begin, steps, size, rank, elem_size, plan);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  ctx.op_data_as<CopyPlan>()->Run(ctx.input(0)->data, ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SLICE() {
  // Version 3 adds string tensors (rejected at prepare); the others (int16,
  // rank 5, uint32) are supported.
  static const OpRegistration r = {"SLICE", nullptr, Prepare, Eval, nullptr,
                                   6, nullptr, "input, begin, size", "output", nullptr};
  return &r;
}

}  // namespace tflm
