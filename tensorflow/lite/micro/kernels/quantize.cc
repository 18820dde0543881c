// QUANTIZE: float32 -> int8/uint8/int16 (per-tensor or per-channel affine
// quantization), and requantization between int8, uint8 and int16 with a new
// scale and zero point. Bit-exact with TFLite's reference kernel:
//   quantize:   q = clamp(round_half_away(x / scale) + zero_point)
//   requantize: q = clamp(MultiplyByQuantizedMultiplier(x - in_zp, M, s) + out_zp)
#include <cmath>
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData;
using QuantizeFn = void (*)(const OpData& data, const void* in, void* out);

struct OpData {
  QuantizeFn run;
  // Float input: the elements are walked as [outer][channels][inner], with
  // channels = 1 for per-tensor quantization. Arrays live in the arena tail.
  const float* scales;
  const int32_t* zero_points;
  int32_t outer;
  int32_t channels;
  int32_t inner;
  // Quantized input.
  int32_t multiplier;
  int shift;
  int32_t input_zero_point;
  int32_t output_zero_point;
};

template <typename OutT>
void QuantizeFloat(const OpData& data, const void* in, void* out) {
  const float* src = static_cast<const float*>(in);
  OutT* dst = static_cast<OutT*>(out);
  for (int32_t o = 0; o < data.outer; ++o) {
    for (int32_t c = 0; c < data.channels; ++c) {
      const float scale = data.scales[c];
      const int32_t zero_point = data.zero_points[c];
      // Clamping the rounded value before adding the zero point gives the
      // reference's result without int32 overflow for huge inputs.
      const float lo = static_cast<float>(QuantizedMin<OutT>() - zero_point);
      const float hi = static_cast<float>(QuantizedMax<OutT>() - zero_point);
      for (int32_t i = 0; i < data.inner; ++i) {
        float r = RoundHalfAway(src[i] / scale);
        // NaN goes to the low end (TFLite's conversion gives INT32_MIN there).
        r = r >= lo ? (r > hi ? hi : r) : lo;
        dst[i] = static_cast<OutT>(static_cast<int32_t>(r) + zero_point);
      }
      src += data.inner;
      dst += data.inner;
    }
  }
}

template <typename InT, typename OutT>
void Requantize(const OpData& data, const void* in, void* out) {
  const InT* src = static_cast<const InT*>(in);
  OutT* dst = static_cast<OutT*>(out);
  const int32_t count = data.outer * data.channels * data.inner;
  const int32_t lo = QuantizedMin<OutT>();
  const int32_t hi = QuantizedMax<OutT>();
  for (int32_t i = 0; i < count; ++i) {
    int32_t v = MultiplyByQuantizedMultiplier(
                    static_cast<int32_t>(src[i]) - data.input_zero_point,
                    data.multiplier, data.shift) +
                data.output_zero_point;
    v = v < lo ? lo : (v > hi ? hi : v);
    dst[i] = static_cast<OutT>(v);
  }
}

QuantizeFn SelectQuantize(DataType in, DataType out) {
  if (in == DataType::kFloat32) {
    return misc::VisitQuantizedType<QuantizeFn>(out, [](auto out_tag) -> QuantizeFn {
      return &QuantizeFloat<typename decltype(out_tag)::type>;
    });
  }
  return misc::VisitQuantizedType<QuantizeFn>(in, [out](auto in_tag) {
    using InT = typename decltype(in_tag)::type;
    return misc::VisitQuantizedType<QuantizeFn>(out, [](auto out_tag) -> QuantizeFn {
      return &Requantize<InT, typename decltype(out_tag)::type>;
    });
  });
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() == nullptr ? Status::kArenaTooSmall
                                                 : Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* output = ctx.output(0);
  OpData* data = ctx.op_data_as<OpData>();
  data->run = SelectQuantize(input->type, output->type);
  if (data->run == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "quantizing %s to %s is not supported (input float32, "
                     "int8, uint8 or int16; output int8, uint8 or int16)",
                     DataTypeName(input->type), DataTypeName(output->type));
  }
  const QuantParams out_q = ctx.output_quant(0);
  if (!out_q.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument,
                     "output '%s' has no quantization parameters",
                     ctx.output_name(0));
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, input));
  const int64_t count = input->NumElements();
  data->outer = 1;
  data->channels = 1;
  data->inner = static_cast<int32_t>(count);

  if (input->type != DataType::kFloat32) {
    const QuantParams in_q = ctx.input_quant(0);
    if (!in_q.is_quantized() || in_q.count != 1 || out_q.count != 1) {
      return ctx.Error(Status::kUnsupported,
                       "requantization needs per-tensor quantization "
                       "parameters on input and output");
    }
    QuantizeMultiplier(static_cast<double>(in_q.scale(0)) /
                           static_cast<double>(out_q.scale(0)),
                       &data->multiplier, &data->shift);
    data->input_zero_point = in_q.zero_point(0);
    data->output_zero_point = out_q.zero_point(0);
    return Status::kOk;
  }

  TFLM_RETURN_IF_ERROR(misc::PrepareChannelQuant(ctx, out_q, input, "output", &data->outer,
                                                 &data->channels, &data->inner,
                                                 &data->scales, &data->zero_points));
  for (int32_t c = 0; c < data->channels; ++c) {
    if (!(data->scales[c] > 0.0f)) {
      return ctx.Error(Status::kInvalidArgument,
                       "output scale %d of '%s' is not positive", static_cast<int>(c),
                       ctx.output_name(0));
    }
  }
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const OpData& data = *ctx.op_data_as<OpData>();
  data.run(data, ctx.input(0)->data, ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

// Version 2 adds int16 output, 3 per-channel output; 4 (int4) is not
// supported.
const OpRegistration* Register_QUANTIZE() {
  static const OpRegistration r = {"QUANTIZE", Init, Prepare, Eval, nullptr, 3, nullptr,
                                   "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
