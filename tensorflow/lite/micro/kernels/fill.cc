// FILL: a tensor of shape `dims` (input 0, known at prepare) holding the
// scalar `value` (input 1) everywhere; its raw bytes are repeated, so every
// fixed-size dtype (and quantized values) works the same way.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

Status Prepare(OpContext& ctx) {
  const Tensor* value = ctx.input(1);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, value, "value", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), value->type, "output"));
  if (value->NumElements() != 1) {
    return ctx.Error(Status::kInvalidArgument, "value must be a scalar");
  }
  int32_t dims[kMaxRank];
  int rank = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 0, "dims", dims, kMaxRank,
                                           &rank));
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) {
      return ctx.Error(Status::kInvalidArgument, "dims[%d] is negative", i);
    }
  }
  return ctx.SetOutputShape(0, dims, rank);
}

Status Eval(OpContext& ctx) {
  const Tensor* value = ctx.input(1);
  Tensor* output = ctx.output(0);
  const uint32_t elem_size = static_cast<uint32_t>(DataTypeSize(value->type));
  FillElements(output->data, output->NumElements(), value->data, elem_size);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FILL() {
  // Version 2 adds bool and string values; strings are rejected at prepare.
  static const OpRegistration r = {"FILL", nullptr, Prepare, Eval, nullptr, 4,
                                   nullptr, "dims, value", "output", nullptr};
  return &r;
}

}  // namespace tflm
