// ZEROS_LIKE: zeros of the input's shape and dtype (all-zero bytes are zero
// for every supported dtype).
#include <cstring>

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
  return ctx.SetOutputShapeLike(0, input);
}

Status Eval(OpContext& ctx) {
  Tensor* output = ctx.output(0);
  memset(output->data, 0, output->bytes);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_ZEROS_LIKE() {
  static const OpRegistration r = {"ZEROS_LIKE", nullptr, Prepare, Eval,
                                   nullptr, 1, nullptr, "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
