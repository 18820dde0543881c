// SOFTMAX and LOG_SOFTMAX over the last dimension.
//
// float32: exp(beta * (x - max)) normalized by its sum (log: x - max -
// log(sum)).
// int8 (-> int8 or int16): TFLite's reference fixed-point algorithm: the
// difference to the row maximum is rescaled to Q5.26, exponentiated with the
// fixed-point exp, summed in Q12.19 and multiplied by its fixed-point
// reciprocal (log-softmax: subtracts the fixed-point log of the sum).
// int16: TFLite's table algorithm: exp and 1/(1+x) from two 513-entry
// interpolated tables built at prepare.
#include <cmath>
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_fixedpoint.h"
#include "tensorflow/lite/micro/kernels/internal/activation_float.h"
#include "tensorflow/lite/micro/kernels/internal/activation_lut.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kSoftmaxBetaField = 0;  // SoftmaxOptions.beta
// Integer bits of the rescaled input difference (Q5.26) and of the sum of
// exponentials (Q12.19) in the int8 algorithms.
constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

struct SoftmaxData {
  float beta = 1.0f;
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int32_t diff_min = 0;
  // LOG_SOFTMAX int8: rescale from Q5.26 back to the input scale.
  int32_t reverse_multiplier = 0;
  int reverse_shift = 0;
  // int16 SOFTMAX tables (513 entries each, arena).
  const int16_t* exp_lut = nullptr;
  const int16_t* one_over_one_plus_x_lut = nullptr;
};

// Rows of the last dimension.
struct Rows {
  int64_t outer;
  int32_t depth;
};

Rows RowsOf(const Tensor* t) {
  const int32_t depth = t->dims[t->rank - 1];
  return {depth == 0 ? 0 : t->NumElements() / depth, depth};
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<SoftmaxData>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

Status PrepareCommon(OpContext& ctx, const char* op) {
  const Tensor* input = ctx.input(0);
  if (input->rank < 1) {
    return ctx.Error(Status::kInvalidArgument, "%s needs an input of rank >= 1", op);
  }
  return ctx.SetOutputShapeLike(0, input);
}

Status UnsupportedTypes(OpContext& ctx, const char* op) {
  return ctx.Error(Status::kUnsupported, "%s does not support %s input with %s output", op,
                   DataTypeName(ctx.input(0)->type), DataTypeName(ctx.output(0)->type));
}

Status SoftmaxPrepare(OpContext& ctx) {
  TFLM_RETURN_IF_ERROR(PrepareCommon(ctx, "SOFTMAX"));
  SoftmaxData* data = ctx.op_data_as<SoftmaxData>();
  *data = SoftmaxData();
  data->beta = ctx.builtin_options().Scalar<float>(kSoftmaxBetaField, 0.0f);
  const DataType in = ctx.input(0)->type;
  const DataType out = ctx.output(0)->type;
  if (in == DataType::kFloat32 && out == DataType::kFloat32) return Status::kOk;
  const bool int8_in = in == DataType::kInt8 && (out == DataType::kInt8 || out == DataType::kInt16);
  const bool int16_in = in == DataType::kInt16 && out == DataType::kInt16;
  if (!int8_in && !int16_in) return UnsupportedTypes(ctx, "SOFTMAX");
  const QuantParams iq = ctx.input_quant(0);
  const QuantParams oq = ctx.output_quant(0);
  if (!iq.is_quantized() || !oq.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument, "SOFTMAX: quantized tensors need scales");
  }
  const float out_scale = oq.scale(0);
  if (out == DataType::kInt8) {
    if (oq.zero_point(0) != -128 || std::fabs(out_scale - 1.0f / 256) > 0.001f / 256) {
      return ctx.Error(Status::kInvalidArgument,
                       "SOFTMAX: int8 output needs scale 1/256 and zero point -128");
    }
  } else if (in == DataType::kInt16) {
    if (iq.zero_point(0) != 0 || oq.zero_point(0) != 0 ||
        std::fabs(out_scale - 1.0f / 32768) > 0.001f / 32768) {
      return ctx.Error(Status::kInvalidArgument,
                       "SOFTMAX: int16 needs zero points 0 and output scale 1/32768");
    }
  }
  if (int8_in) {
    PreprocessSoftmaxScaling(data->beta, iq.scale(0), kScaledDiffIntegerBits,
                             &data->input_multiplier, &data->input_left_shift);
    data->diff_min = -CalculateInputRadius(kScaledDiffIntegerBits, data->input_left_shift);
    return Status::kOk;
  }
  int16_t* exp_lut = ctx.AllocatePersistentArray<int16_t>(kInt16LutSize);
  int16_t* recip_lut = ctx.AllocatePersistentArray<int16_t>(kInt16LutSize);
  if (exp_lut == nullptr || recip_lut == nullptr) return Status::kArenaTooSmall;
  // exp on [-10, 0] (smaller values are negligible in the sum) and 1/(1+x)
  // on [0, 1], both with outputs on [-1, 1].
  const double range = 65535.0;
  PopulateInt16Lut<double>(10.0 / range, 32767, 2.0 / range, 0,
                           [](double x) { return std::exp(x); }, exp_lut);
  PopulateInt16Lut<double>(1.0 / range, -32768, 2.0 / range, 0,
                           [](double x) { return 1.0 / (1.0 + x); }, recip_lut);
  data->exp_lut = exp_lut;
  data->one_over_one_plus_x_lut = recip_lut;
  // Differences scaled so that [-65535, 0] covers [-10, 0].
  QuantizeMultiplier(static_cast<double>(iq.scale(0)) * data->beta / (10.0 / 65535.0),
                     &data->input_multiplier, &data->input_left_shift);
  return Status::kOk;
}

void SoftmaxFloat(const float* in, float* out, Rows rows, float beta) {
  for (int64_t r = 0; r < rows.outer; ++r, in += rows.depth, out += rows.depth) {
    float max = in[0];
    for (int32_t c = 1; c < rows.depth; ++c) max = in[c] > max ? in[c] : max;
    // Separate loops: the exp loop vectorizes, the float sum does not.
    for (int32_t c = 0; c < rows.depth; ++c) out[c] = ExpFloat((in[c] - max) * beta);
    float sum = 0.0f;
    for (int32_t c = 0; c < rows.depth; ++c) sum += out[c];
    const float inv_sum = 1.0f / sum;
    for (int32_t c = 0; c < rows.depth; ++c) out[c] *= inv_sum;
  }
}

// int8 input, int8 or int16 output (the output type's minimum is 0.0).
template <typename Out>
void SoftmaxInt8(const int8_t* in, Out* out, Rows rows, const SoftmaxData& d) {
  constexpr int kOutBits = 8 * sizeof(Out);
  constexpr int32_t kOutMin = -(1 << (kOutBits - 1));
  constexpr int32_t kOutMax = (1 << (kOutBits - 1)) - 1;
  // The exponentials of a row's first kCached values are kept (on the stack)
  // from the sum for the output pass; later ones are computed again.
  constexpr int32_t kCached = 64;
  int32_t cached[kCached];
  const auto exp_of_diff = [&d](int32_t diff) {
    const int32_t scaled = MultiplyByQuantizedMultiplierGreaterThanOne(
        diff, d.input_multiplier, d.input_left_shift);
    return fixedpoint::ExpOnNegativeValues<kScaledDiffIntegerBits>(scaled);
  };
  for (int64_t r = 0; r < rows.outer; ++r, in += rows.depth, out += rows.depth) {
    int32_t max = -128;
    for (int32_t c = 0; c < rows.depth; ++c) max = in[c] > max ? in[c] : max;
    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= d.diff_min) {
        const int32_t e = exp_of_diff(diff);
        if (c < kCached) cached[c] = e;
        sum_of_exps = fixedpoint::WrapAdd(
            sum_of_exps, fixedpoint::Rescale<0, kAccumulationIntegerBits>(e));
      }
    }
    int num_bits_over_unit;
    const int32_t reciprocal =
        fixedpoint::GetReciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= d.diff_min) {
        const int32_t e = c < kCached ? cached[c] : exp_of_diff(diff);
        const int32_t unsat = RoundingDivideByPOT(fixedpoint::Mul(reciprocal, e),
                                                  num_bits_over_unit + 31 - kOutBits);
        const int32_t v = unsat + kOutMin;
        out[c] = static_cast<Out>(v < kOutMin ? kOutMin : (v > kOutMax ? kOutMax : v));
      } else {
        out[c] = static_cast<Out>(kOutMin);
      }
    }
  }
}

inline int16_t SaturateInt16(int32_t v) {
  return static_cast<int16_t>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

void SoftmaxInt16(const int16_t* in, int16_t* out, Rows rows, const SoftmaxData& d) {
  for (int64_t r = 0; r < rows.outer; ++r, in += rows.depth, out += rows.depth) {
    int32_t max = -32768;
    for (int32_t c = 0; c < rows.depth; ++c) max = in[c] > max ? in[c] : max;
    // The output buffer holds exp(x - max) in Q0.15 until the final rescale.
    int32_t sum_of_exps = 0;  // Q16.15
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t scaled =
          MultiplyByQuantizedMultiplier(in[c] - max, d.input_multiplier, d.input_left_shift);
      // Recenter [-65535, 0] onto the table's [-32768, 32767].
      out[c] = LookupInt16(SaturateInt16(scaled + 32767), d.exp_lut);
      sum_of_exps += out[c];
    }
    // 1 / sum through the 1/(1+x) table, with x = sum normalized to [1, 2) - 1.
    const int headroom_plus_one =
        fixedpoint::CountLeadingZeros32(static_cast<uint32_t>(sum_of_exps));
    const int32_t shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t x = shifted_sum - ((1 << 15) + (1 << 16));
    const int16_t reciprocal = LookupInt16(SaturateInt16(x), d.one_over_one_plus_x_lut);
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t v = static_cast<int32_t>(
          (static_cast<int64_t>(out[c]) * reciprocal + round) >> right_shift);
      out[c] = static_cast<int16_t>(v < 0 ? 0 : (v > 32767 ? 32767 : v));
    }
  }
}

Status SoftmaxEval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  const SoftmaxData& d = *ctx.op_data_as<SoftmaxData>();
  const Rows rows = RowsOf(input);
  switch (input->type) {
    case DataType::kFloat32:
      SoftmaxFloat(input->data_as<float>(), output->data_as<float>(), rows, d.beta);
      return Status::kOk;
    case DataType::kInt8:
      if (output->type == DataType::kInt8) {
        SoftmaxInt8(input->data_as<int8_t>(), output->data_as<int8_t>(), rows, d);
      } else {
        SoftmaxInt8(input->data_as<int8_t>(), output->data_as<int16_t>(), rows, d);
      }
      return Status::kOk;
    case DataType::kInt16:
      SoftmaxInt16(input->data_as<int16_t>(), output->data_as<int16_t>(), rows, d);
      return Status::kOk;
    default:
      return UnsupportedTypes(ctx, "SOFTMAX");
  }
}

// ---- LOG_SOFTMAX

Status LogSoftmaxPrepare(OpContext& ctx) {
  TFLM_RETURN_IF_ERROR(PrepareCommon(ctx, "LOG_SOFTMAX"));
  SoftmaxData* data = ctx.op_data_as<SoftmaxData>();
  *data = SoftmaxData();
  const DataType in = ctx.input(0)->type;
  const DataType out = ctx.output(0)->type;
  if (in != out || (in != DataType::kFloat32 && in != DataType::kInt8)) {
    return UnsupportedTypes(ctx, "LOG_SOFTMAX");
  }
  if (in == DataType::kFloat32) return Status::kOk;
  const QuantParams iq = ctx.input_quant(0);
  const QuantParams oq = ctx.output_quant(0);
  if (!iq.is_quantized() || !oq.is_quantized() || oq.scale(0) != 16.0f / 256 ||
      oq.zero_point(0) != 127) {
    return ctx.Error(Status::kInvalidArgument,
                     "LOG_SOFTMAX: int8 output needs scale 16/256 and zero point 127");
  }
  PreprocessSoftmaxScaling(1.0, iq.scale(0), kScaledDiffIntegerBits, &data->input_multiplier,
                           &data->input_left_shift);
  // The inverse rescale, from Q5.26 back to input units.
  const double reverse = static_cast<double>(int64_t{1} << (31 - data->input_left_shift)) /
                         data->input_multiplier;
  QuantizeMultiplier(reverse, &data->reverse_multiplier, &data->reverse_shift);
  data->diff_min = -CalculateInputRadius(kScaledDiffIntegerBits, data->input_left_shift);
  return Status::kOk;
}

void LogSoftmaxFloat(const float* in, float* out, Rows rows) {
  for (int64_t r = 0; r < rows.outer; ++r, in += rows.depth, out += rows.depth) {
    float max = in[0];
    for (int32_t c = 1; c < rows.depth; ++c) max = in[c] > max ? in[c] : max;
    // out holds the exponentials until the last loop.
    for (int32_t c = 0; c < rows.depth; ++c) out[c] = ExpFloat(in[c] - max);
    float sum = 0.0f;
    for (int32_t c = 0; c < rows.depth; ++c) sum += out[c];
    const float offset = max + std::log(sum);
    for (int32_t c = 0; c < rows.depth; ++c) out[c] = in[c] - offset;
  }
}

void LogSoftmaxInt8(const int8_t* in, int8_t* out, Rows rows, const SoftmaxData& d) {
  constexpr int kOutputIntegerBits = 4;  // output range [-16, 0]
  constexpr int32_t kOutputZeroPoint = 127;
  for (int64_t r = 0; r < rows.outer; ++r, in += rows.depth, out += rows.depth) {
    int32_t max = -128;
    for (int32_t c = 0; c < rows.depth; ++c) max = in[c] > max ? in[c] : max;
    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff >= d.diff_min) {
        const int32_t scaled =
            MultiplyByQuantizedMultiplier(diff, d.input_multiplier, d.input_left_shift);
        sum_of_exps = fixedpoint::WrapAdd(
            sum_of_exps, fixedpoint::Rescale<0, kAccumulationIntegerBits>(
                             fixedpoint::ExpOnNegativeValues<kScaledDiffIntegerBits>(scaled)));
      }
    }
    const int32_t log_sum =  // Q5.26
        fixedpoint::LogXForXGreaterThanOrEqualTo1<kScaledDiffIntegerBits,
                                                  kAccumulationIntegerBits>(sum_of_exps);
    // Differences below this give outputs under the representable range.
    const int32_t shifted_log_sum = fixedpoint::WrapAdd(log_sum, fixedpoint::kInt32Min);
    const int32_t rescaled_min =
        MultiplyByQuantizedMultiplier(shifted_log_sum, d.reverse_multiplier, d.reverse_shift);
    const int32_t adjusted_diff_min = d.diff_min - 1 > rescaled_min ? d.diff_min - 1 : rescaled_min;
    for (int32_t c = 0; c < rows.depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff > adjusted_diff_min) {
        const int32_t scaled =
            MultiplyByQuantizedMultiplier(diff, d.input_multiplier, d.input_left_shift);
        int32_t v = RoundingDivideByPOT(fixedpoint::WrapSub(scaled, log_sum),
                                        31 - kScaledDiffIntegerBits - kOutputIntegerBits) +
                    kOutputZeroPoint;
        out[c] = static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
      } else {
        out[c] = -128;
      }
    }
  }
}

Status LogSoftmaxEval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  const Rows rows = RowsOf(input);
  if (input->type == DataType::kFloat32) {
    LogSoftmaxFloat(input->data_as<float>(), output->data_as<float>(), rows);
  } else {
    LogSoftmaxInt8(input->data_as<int8_t>(), output->data_as<int8_t>(), rows,
                   *ctx.op_data_as<SoftmaxData>());
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SOFTMAX() {
  static const OpRegistration r = {"SOFTMAX", Init, SoftmaxPrepare, SoftmaxEval, nullptr, 3,
                                   nullptr, "input", "output", nullptr};
  return &r;
}

const OpRegistration* Register_LOG_SOFTMAX() {
  static const OpRegistration r = {"LOG_SOFTMAX", Init, LogSoftmaxPrepare, LogSoftmaxEval,
                                   nullptr,       2,    nullptr, "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
