// DEQUANTIZE: int8/uint8/int16 (per-tensor or per-channel) and float16 to
// float32: x = scale * (q - zero_point).
//
// TFLite's reference multiplies in double for per-tensor parameters; the
// exact product of a float scale and a 17-bit integer fits in a double, so one
// float multiplication (also correctly rounded) gives the same float. The
// float path here is therefore bit-exact with it, without soft double math on
// a Cortex-M.
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData;
using DequantizeFn = void (*)(const OpData& data, const void* in, float* out);

struct OpData {
  DequantizeFn run;
  // Elements walked as [outer][channels][inner]; channels = 1 per-tensor.
  const float* scales;        // arena tail
  const int32_t* zero_points;  // arena tail
  int32_t outer;
  int32_t channels;
  int32_t inner;
};

template <typename InT>
void DequantizeInteger(const OpData& data, const void* in, float* out) {
  const InT* src = static_cast<const InT*>(in);
  for (int32_t o = 0; o < data.outer; ++o) {
    for (int32_t c = 0; c < data.channels; ++c) {
      const float scale = data.scales[c];
      const int32_t zero_point = data.zero_points[c];
      for (int32_t i = 0; i < data.inner; ++i) {
        out[i] = scale * static_cast<float>(static_cast<int32_t>(src[i]) - zero_point);
      }
      src += data.inner;
      out += data.inner;
    }
  }
}

void DequantizeHalf(const OpData& data, const void* in, float* out) {
  const uint16_t* src = static_cast<const uint16_t*>(in);
  const int32_t count = data.outer * data.channels * data.inner;
  for (int32_t i = 0; i < count; ++i) out[i] = misc::HalfToFloat(src[i]);
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() == nullptr ? Status::kArenaTooSmall
                                                 : Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, input));
  OpData* data = ctx.op_data_as<OpData>();
  data->outer = 1;
  data->channels = 1;
  data->inner = static_cast<int32_t>(input->NumElements());
  if (input->type == DataType::kFloat16) {
    data->run = DequantizeHalf;
    return Status::kOk;
  }
  data->run = misc::VisitQuantizedType<DequantizeFn>(
      input->type, [](auto tag) -> DequantizeFn {
        return &DequantizeInteger<typename decltype(tag)::type>;
      });
  if (data->run == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "input dtype %s is not supported (int8, uint8, int16, "
                     "float16)",
                     DataTypeName(input->type));
  }
  const QuantParams q = ctx.input_quant(0);
  if (!q.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument,
                     "input '%s' has no quantization parameters",
                     ctx.input_name(0));
  }
  return misc::PrepareChannelQuant(ctx, q, input, "input", &data->outer, &data->channels,
                                   &data->inner, &data->scales, &data->zero_points);
}

Status Eval(OpContext& ctx) {
  const OpData& data = *ctx.op_data_as<OpData>();
  data.run(data, ctx.input(0)->data, ctx.output(0)->data_as<float>());
  return Status::kOk;
}

}  // namespace

// Version 3 adds int16/float16, 5 per-channel int8; 6 (int4) is not supported.
const OpRegistration* Register_DEQUANTIZE() {
  static const OpRegistration r = {"DEQUANTIZE", Init, Prepare, Eval, nullptr, 5, nullptr,
                                   "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
