// QUANTIZE: float32 -> int8/uint8/int16 (per-tensor or per-channel affine
// quantization), and requantization to a new scale and zero point between the
// integer types TFLite or upstream TFLM accept (see SelectRequantize).
// Bit-exact with TFLite's reference kernel:
//   quantize:   q = clamp(round_half_away(x / scale) + zero_point)
//   requantize: q = clamp(MultiplyByQuantizedMultiplier(x - in_zp, M, s) + out_zp)
// with int32 arithmetic that wraps as TFLite's does for int32 operands (an
// int32 output is not clamped).
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

// static_cast<int32_t>(x) as x86 computes it: NaN and values outside
// int32's range give INT32_MIN (float compares: no double math on an FPU
// without it).
inline int32_t FloatToInt32(float x) {
  return x >= -2147483648.0f && x < 2147483648.0f ? static_cast<int32_t>(x) : INT32_MIN;
}

template <typename OutT>
void QuantizeFloat(const OpData& data, const void* in, void* out) {
  const float* src = static_cast<const float*>(in);
  OutT* dst = static_cast<OutT*>(out);
  const int32_t lo = QuantizedMin<OutT>();
  const int32_t hi = QuantizedMax<OutT>();
  for (int32_t o = 0; o < data.outer; ++o) {
    for (int32_t c = 0; c < data.channels; ++c) {
      const float scale = data.scales[c];
      const int32_t zero_point = data.zero_points[c];
      for (int32_t i = 0; i < data.inner; ++i) {
        // As TFLite's reference: NaN and quotients beyond int32 become
        // INT32_MIN before the zero point is added (wrapping), so they land
        // at the low end, or at the high end when the zero point is negative.
        const int32_t v = WrappingAdd(FloatToInt32(RoundHalfAway(src[i] / scale)), zero_point);
        dst[i] = static_cast<OutT>(v < lo ? lo : (v > hi ? hi : v));
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
    const int32_t centered = static_cast<int32_t>(static_cast<uint32_t>(src[i]) -
                                                  static_cast<uint32_t>(data.input_zero_point));
    int32_t v = WrappingAdd(MultiplyByQuantizedMultiplier(centered, data.multiplier, data.shift),
                            data.output_zero_point);
    if constexpr (sizeof(OutT) < sizeof(int32_t)) v = v < lo ? lo : (v > hi ? hi : v);
    dst[i] = static_cast<OutT>(v);
  }
}

constexpr int TypePair(DataType in, DataType out) {
  return static_cast<int>(in) * kNumDataTypes + static_cast<int>(out);
}

// The requantizations TF 2.21's QUANTIZE accepts (int8 -> int8/uint8,
// uint8 -> int8/uint8, int16 -> int8/int16/int32, int32 -> int8/int16) and
// those only upstream TFLM has (int8 -> int16/int32); the arithmetic is the
// same for all.
QuantizeFn SelectRequantize(DataType in, DataType out) {
  switch (TypePair(in, out)) {
    case TypePair(DataType::kInt8, DataType::kInt8): return &Requantize<int8_t, int8_t>;
    case TypePair(DataType::kInt8, DataType::kUInt8): return &Requantize<int8_t, uint8_t>;
    case TypePair(DataType::kInt8, DataType::kInt16): return &Requantize<int8_t, int16_t>;
    case TypePair(DataType::kInt8, DataType::kInt32): return &Requantize<int8_t, int32_t>;
    case TypePair(DataType::kUInt8, DataType::kInt8): return &Requantize<uint8_t, int8_t>;
    case TypePair(DataType::kUInt8, DataType::kUInt8): return &Requantize<uint8_t, uint8_t>;
    case TypePair(DataType::kInt16, DataType::kInt8): return &Requantize<int16_t, int8_t>;
    case TypePair(DataType::kInt16, DataType::kInt16): return &Requantize<int16_t, int16_t>;
    case TypePair(DataType::kInt16, DataType::kInt32): return &Requantize<int16_t, int32_t>;
    case TypePair(DataType::kInt32, DataType::kInt8): return &Requantize<int32_t, int8_t>;
    case TypePair(DataType::kInt32, DataType::kInt16): return &Requantize<int32_t, int16_t>;
    default: return nullptr;
  }
}

// float32 -> int8, uint8, int16. (TFLite also quantizes to int4/uint4, which
// this runtime has no activation tensors for.)
QuantizeFn SelectQuantize(DataType in, DataType out) {
  if (in != DataType::kFloat32) return SelectRequantize(in, out);
  return misc::VisitQuantizedType<QuantizeFn>(out, [](auto out_tag) -> QuantizeFn {
    return &QuantizeFloat<typename decltype(out_tag)::type>;
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
                     "quantizing %s to %s is not supported (float32 -> int8, "
                     "uint8 or int16; int8 -> int8, uint8, int16 or int32; "
                     "uint8 -> int8 or uint8; int16 -> int8, int16 or int32; "
                     "int32 -> int8 or int16)",
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
