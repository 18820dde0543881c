// SHAPE: the input's dimensions as an int32 or int64 vector (out_type).
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kOutTypeField = 0;  // ShapeOptions.out_type

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  const int8_t out_type_value = ctx.builtin_options().Scalar<int8_t>(
      kOutTypeField, static_cast<int8_t>(DataType::kInt32));
  const DataType out_type = static_cast<DataType>(out_type_value);
  if (out_type != DataType::kInt32 && out_type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "out_type %s is not supported (int32 or int64)",
                     DataTypeName(out_type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, out_type, "output"));
  const int32_t rank = input->rank;
  return ctx.SetOutputShape(0, &rank, 1);
}

Status Eval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  for (int i = 0; i < input->rank; ++i) {
    if (output->type == DataType::kInt64) {
      output->data_as<int64_t>()[i] = input->dims[i];
    } else {
      output->data_as<int32_t>()[i] = input->dims[i];
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SHAPE() {
  static const OpRegistration r = {"SHAPE", nullptr, Prepare, Eval, nullptr, 1,
                                   nullptr, "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
