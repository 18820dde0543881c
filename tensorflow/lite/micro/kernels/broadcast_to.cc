// BROADCAST_TO: NumPy-style broadcast of the input to `shape` (input 1,
// known at prepare). Implemented as a tile of the size-1 axes.
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
  int32_t dims[kMaxRank];
  int rank = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 1, "shape", dims, kMaxRank,
                                           &rank));
  if (rank < input->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "shape has rank %d, below the input's rank %d", rank,
                     input->rank);
  }
  int32_t in_dims[kMaxRank];
  int32_t multiples[kMaxRank];
  const int pad = rank - input->rank;
  for (int d = 0; d < rank; ++d) {
    in_dims[d] = d < pad ? 1 : input->dims[d - pad];
    if (dims[d] < 0 || (in_dims[d] != dims[d] && in_dims[d] != 1)) {
      return ctx.Error(Status::kInvalidArgument,
                       "cannot broadcast dimension %d of size %d to %d", d,
                       static_cast<int>(in_dims[d]), static_cast<int>(dims[d]));
    }
    multiples[d] = in_dims[d] == dims[d] ? 1 : dims[d];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  TilePlan* plan = ctx.AllocateOpData<TilePlan>();
  if (plan == nullptr) return Status::kArenaTooSmall;
  MakeTilePlan(in_dims, multiples, rank, elem_size, plan);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  RunTilePlan(*ctx.op_data_as<TilePlan>(), ctx.input(0)->data,
              ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_BROADCAST_TO() {
  static const OpRegistration r = {"BROADCAST_TO", nullptr, Prepare, Eval,
                                   nullptr, 3, nullptr, "input, shape", "output", nullptr};
  return &r;
}

}  // namespace tflm
