// PAD and PADV2: constant padding. `paddings` (input 1, shape [rank, 2],
// known at prepare) gives the elements before and after each dimension. The
// pad value is PADV2's input 2 (its raw value, also for quantized types) or,
// for PAD, zero (the output zero point for quantized types). Eval fills the
// output with the pad value and copies the input into the interior in
// contiguous runs.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData {
  CopyPlan interior;
  uint8_t pad_value[8];   // PAD: one element of the pad value
  uint32_t elem_size;
  bool has_padding;
};

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  const int rank = input->rank;
  int32_t before[kMaxRank];
  int32_t after[kMaxRank];
  TFLM_RETURN_IF_ERROR(ReadPaddings(ctx, input, before, after));
  int32_t dims[kMaxRank];
  for (int d = 0; d < rank; ++d) dims[d] = input->dims[d] + before[d] + after[d];
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));

  OpData* data = ctx.AllocateOpData<OpData>();
  if (data == nullptr) return Status::kArenaTooSmall;
  data->elem_size = elem_size;
  data->has_padding = input->NumElements() != output->NumElements();
  const Tensor* value = ctx.input(2);
  if (value != nullptr) {
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(value, input->type, "constant_values"));
    if (value->NumElements() != 1) {
      return ctx.Error(Status::kInvalidArgument,
                       "constant_values must hold one value");
    }
  } else {
    const QuantParams q = ctx.output_quant(0);
    const int32_t zero_point = q.is_quantized() ? q.zero_point() : 0;
    memset(data->pad_value, 0, sizeof(data->pad_value));
    if (input->type == DataType::kInt8 || input->type == DataType::kUInt8) {
      data->pad_value[0] = static_cast<uint8_t>(zero_point);
    } else if (input->type == DataType::kInt16) {
      const int16_t z = static_cast<int16_t>(zero_point);
      memcpy(data->pad_value, &z, sizeof(z));
    }
  }
  MakeEmbedCopy(input->dims, dims, before, rank, elem_size, &data->interior);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  Tensor* output = ctx.output(0);
  if (d.has_padding) {
    const Tensor* value = ctx.input(2);
    FillElements(output->data, output->bytes / d.elem_size,
                 value != nullptr ? value->data : d.pad_value, d.elem_size);
  }
  d.interior.Run(ctx.input(0)->data, output->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_PAD() {
  static const OpRegistration r = {"PAD", nullptr, Prepare, Eval, nullptr, 4,
                                   nullptr,
                                   "input, paddings, constant_values?", "output", nullptr};
  return &r;
}

const OpRegistration* Register_PADV2() {
  static const OpRegistration r = {"PADV2", nullptr, Prepare, Eval, nullptr, 4,
                                   nullptr,
                                   "input, paddings, constant_values?", "output", nullptr};
  return &r;
}

}  // namespace tflm
