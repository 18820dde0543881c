// TILE: repeats the input `multiples[d]` times along each axis (input 1,
// known at prepare). See TilePlan: one memcpy per contiguous input run, then
// memcpys of the blocks already written.
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
  int32_t multiples[kMaxRank];
  int count = 0;
  TFLM_RETURN_IF_ERROR(
      ReadPrepareTimeInts(ctx, 1, "multiples", multiples, kMaxRank, &count));
  if (count != input->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "multiples has %d entries for an input of rank %d", count,
                     input->rank);
  }
  int32_t dims[kMaxRank];
  for (int d = 0; d < count; ++d) {
    if (multiples[d] < 0) {
      return ctx.Error(Status::kInvalidArgument, "multiples[%d] is negative",
                       d);
    }
    dims[d] = input->dims[d] * multiples[d];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, count));
  TilePlan* plan = ctx.AllocateOpData<TilePlan>();
  if (plan == nullptr) return Status::kArenaTooSmall;
  MakeTilePlan(input->dims, multiples, count, elem_size, plan);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  RunTilePlan(*ctx.op_data_as<TilePlan>(), ctx.input(0)->data,
              ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_TILE() {
  // Version 2 adds string tensors, rejected at prepare.
  static const OpRegistration r = {"TILE", nullptr, Prepare, Eval, nullptr, 3,
                                   nullptr, "input, multiples", "output", nullptr};
  return &r;
}

}  // namespace tflm
