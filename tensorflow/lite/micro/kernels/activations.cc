// Pointwise activations: RELU RELU6 RELU_N1_TO_1 LEAKY_RELU HARD_SWISH
// LOGISTIC TANH GELU, on the shared Prepare/Eval of internal/unary_kernel.h.
//
// int8 runs through a 256-entry table filled at prepare with the result of
// TFLite's reference integer arithmetic for each input byte (LOGISTIC/TANH/
// GELU: dequantize -> f -> quantize, as TFLite's reference kernels do); int16
// uses the reference per-element formulas, or (GELU) TFLite's 513-entry
// interpolated table.
#include <cmath>
#include <cstdint>
#include <limits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_float.h"
#include "tensorflow/lite/micro/kernels/internal/activation_lut.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/internal/unary_kernel.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

using unary::QuantInfo;
using unary::UnaryParams;

constexpr int kLeakyReluAlphaField = 0;  // LeakyReluOptions.alpha

Status ExpectZeroPoints(OpContext& ctx, const char* op, const QuantInfo& q) {
  if (q.input_zero_point != 0 || q.output_zero_point != 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: int16 zero points must be 0 (got %d and %d)", op,
                     static_cast<int>(q.input_zero_point), static_cast<int>(q.output_zero_point));
  }
  return Status::kOk;
}

inline int32_t Clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// ---- RELU family: out = clamp(rescale(x), act range).

template <int kMin, int kMax, uint32_t kExtraTypes>
struct ReluXOp : unary::OpDefaults {
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | kExtraTypes;
  static constexpr bool kInt8Exact = true;
  static constexpr bool kUnbounded = kMax == std::numeric_limits<int>::max();
  static float Float(float x, const UnaryParams&) {
    const float lo = static_cast<float>(kMin);
    x = x < lo ? lo : x;
    if constexpr (!kUnbounded) {
      const float hi = static_cast<float>(kMax);
      x = x > hi ? hi : x;
    }
    return x;
  }
  static Status PrepareQuantized(OpContext& ctx, const Tensor* input, const QuantInfo& q,
                                 UnaryParams* p) {
    const bool is16 = input->type == DataType::kInt16;
    if (is16) TFLM_RETURN_IF_ERROR(ExpectZeroPoints(ctx, "RELU", q));
    const int32_t qmin = is16 ? -32768 : -128;
    const int32_t qmax = is16 ? 32767 : 127;
    QuantizeMultiplier(q.input_scale / q.output_scale, &p->multiplier, &p->shift);
    p->input_zero_point = q.input_zero_point;
    p->output_zero_point = q.output_zero_point;
    const int32_t lo = q.output_zero_point +
                       TruncateToInt32(std::round(static_cast<float>(kMin) / q.output_scale));
    p->act_min = lo > qmin ? lo : qmin;
    p->act_max = qmax;
    if constexpr (!kUnbounded) {
      const int32_t hi = q.output_zero_point + TruncateToInt32(std::round(
                                                   static_cast<float>(kMax) / q.output_scale));
      p->act_max = hi < qmax ? hi : qmax;
    }
    return Status::kOk;
  }
  static int32_t Quantized(int32_t x, const UnaryParams& p) {
    const int32_t v = p.output_zero_point +
                      MultiplyByQuantizedMultiplier(x - p.input_zero_point, p.multiplier, p.shift);
    return Clamp(v, p.act_min, p.act_max);
  }
  static int32_t Int8Exact(int32_t x, const QuantInfo&, const UnaryParams& p) {
    return Quantized(x, p);
  }
  static int16_t Int16(int16_t x, const UnaryParams& p) {
    return static_cast<int16_t>(Quantized(x, p));
  }
};

struct ReluOp : ReluXOp<0, std::numeric_limits<int>::max(), unary::kI16> {
  static constexpr const char* kName = "RELU";
};
struct Relu6Op : ReluXOp<0, 6, unary::kI16> {
  static constexpr const char* kName = "RELU6";
};
struct ReluN1To1Op : ReluXOp<-1, 1, 0> {
  static constexpr const char* kName = "RELU_N1_TO_1";
};

// ---- LEAKY_RELU: x >= 0 ? x : alpha * x, each branch with its own rescale.

struct LeakyReluOp : unary::OpDefaults {
  static constexpr const char* kName = "LEAKY_RELU";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt8Exact = true;
  static float Float(float x, const UnaryParams& p) { return x > 0.0f ? x : x * p.alpha; }
  static Status PrepareOptions(OpContext& ctx, UnaryParams* p) {
    p->alpha = ctx.builtin_options().Scalar<float>(kLeakyReluAlphaField, 0.0f);
    return Status::kOk;
  }
  static Status PrepareQuantized(OpContext& ctx, const Tensor* input, const QuantInfo& q,
                                 UnaryParams* p) {
    if (input->type == DataType::kInt16) {
      TFLM_RETURN_IF_ERROR(ExpectZeroPoints(ctx, "LEAKY_RELU", q));
    }
    p->input_zero_point = q.input_zero_point;
    p->output_zero_point = q.output_zero_point;
    QuantizeMultiplier(q.input_scale * p->alpha / q.output_scale, &p->multiplier_neg,
                       &p->shift_neg);
    QuantizeMultiplier(q.input_scale / q.output_scale, &p->multiplier, &p->shift);
    p->act_min = input->type == DataType::kInt16 ? -32768 : -128;
    p->act_max = input->type == DataType::kInt16 ? 32767 : 127;
    return Status::kOk;
  }
  static int32_t Quantized(int32_t x, const UnaryParams& p) {
    const int32_t v = x - p.input_zero_point;
    const int32_t r = v >= 0 ? MultiplyByQuantizedMultiplier(v, p.multiplier, p.shift)
                             : MultiplyByQuantizedMultiplier(v, p.multiplier_neg, p.shift_neg);
    return Clamp(p.output_zero_point + r, p.act_min, p.act_max);
  }
  static int32_t Int8Exact(int32_t x, const QuantInfo&, const UnaryParams& p) {
    return Quantized(x, p);
  }
  static int16_t Int16(int16_t x, const UnaryParams& p) {
    return static_cast<int16_t>(Quantized(x, p));
  }
};

// ---- HARD_SWISH: x * relu6(x + 3) / 6.
//
// The int8 path follows TFLite's 16-bit fixed-point algorithm: the input on
// a 128x finer scale, a "reluish" factor in [0, 1] from a saturating
// rescale of x onto [-3, 3], then one product and a final right shift.

inline int16_t SaturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return 32767;
  const int32_t ab = static_cast<int32_t>(a) * b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// As above without the rounding nudge (truncates toward zero).
inline int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return 32767;
  return static_cast<int16_t>((static_cast<int32_t>(a) * b) / (1 << 15));
}

inline int16_t SaturatingLeftShift16(int16_t value, int amount) {
  const int64_t r = static_cast<int64_t>(value) * (int64_t{1} << amount);
  return static_cast<int16_t>(r > 32767 ? 32767 : (r < -32768 ? -32768 : r));
}

// Rounds a non-negative Q31 multiplier to Q15.
inline int32_t DownScaleMultiplierToInt16(int32_t multiplier) {
  constexpr int32_t kRounding = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRounding) return 32767;
  return (multiplier + kRounding) >> 16;
}

struct HardSwishOp : unary::OpDefaults {
  static constexpr const char* kName = "HARD_SWISH";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8;
  static constexpr bool kInt8Exact = true;
  static float Float(float x, const UnaryParams&) {
    float r = x + 3.0f;
    r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
    return x * r / 6.0f;
  }
  // multiplier/shift: output rescale (Q15, exponent <= 0);
  // multiplier_neg/shift_neg: the reluish rescale (Q15, any exponent).
  static Status PrepareQuantized(OpContext& ctx, const Tensor*, const QuantInfo& q,
                                 UnaryParams* p) {
    p->input_zero_point = q.input_zero_point;
    p->output_zero_point = q.output_zero_point;
    const float hires_input_scale = (1.0f / 128.0f) * q.input_scale;
    const float reluish_scale = 3.0f / 32768.0f;
    int32_t m;
    QuantizeMultiplier(hires_input_scale / q.output_scale, &m, &p->shift);
    p->multiplier = DownScaleMultiplierToInt16(m);
    if (p->shift > 0) {
      return ctx.Error(Status::kUnsupported,
                       "HARD_SWISH: output scale below input scale / 128 is not supported");
    }
    QuantizeMultiplier(hires_input_scale / reluish_scale, &m, &p->shift_neg);
    p->multiplier_neg = DownScaleMultiplierToInt16(m);
    return Status::kOk;
  }
  static int32_t Int8Exact(int32_t x, const QuantInfo&, const UnaryParams& p) {
    const int16_t hires = static_cast<int16_t>((x - p.input_zero_point) * (1 << 7));
    const int16_t preshift_output =
        SaturatingRoundingDoublingHighMul16(hires, static_cast<int16_t>(p.multiplier));
    // Rescale onto [-1, 1] (3.0 -> 32768), saturating; in the left-shift case
    // only the last bit of shift can saturate.
    int16_t reluish = hires;
    const int e = p.shift_neg;
    if (e > 0) reluish = SaturatingLeftShift16(reluish, e - 1);
    reluish = SaturatingRoundingDoublingHighMul16(reluish, static_cast<int16_t>(p.multiplier_neg));
    if (e > 0) reluish = SaturatingLeftShift16(reluish, 1);
    if (e < 0) reluish = static_cast<int16_t>(RoundingDivideByPOT(reluish, -e));
    // [-1, 1] -> [0, 1].
    reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
    const int16_t preshift = SaturatingDoublingHighMul16(reluish, preshift_output);
    return RoundingDivideByPOT(preshift, -p.shift) + p.output_zero_point;
  }
};

// ---- LOGISTIC and TANH.

// log2(x) when x is a power of two (within 1e-3 in the exponent).
bool CheckedLog2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  *log2_result = static_cast<int>(rounded);
  return std::fabs(x_log2 - rounded) < 1e-3f;
}

// int16 LOGISTIC/TANH input rescale so that 2^17 represents 10.7 (= 3 *
// 2^12 per unit). `max_pot_shift` is the largest shift TFLite takes as a
// plain power-of-two rescale (0 for LOGISTIC, 1 for TANH).
Status PrepareSigmoidInt16(OpContext& ctx, const char* op, const QuantInfo& q,
                           int max_pot_shift, UnaryParams* p) {
  TFLM_RETURN_IF_ERROR(ExpectZeroPoints(ctx, op, q));
  int input_log2;
  bool pot = CheckedLog2(q.input_scale, &input_log2);
  int shift = 12 + input_log2;
  pot = pot && shift >= 0 && shift <= max_pot_shift;
  int32_t multiplier;
  if (pot) {
    multiplier = 3 << shift;
    shift = 0;
  } else {
    double m = static_cast<double>(q.input_scale) * 4096.0 * 3.0;
    shift = 0;
    while (m <= 32767.0 / 2.0 && shift <= 30) {
      ++shift;
      m *= 2.0;
    }
    multiplier = static_cast<int32_t>(m);
  }
  int output_log2;
  if (!CheckedLog2(q.output_scale, &output_log2) || output_log2 != -15) {
    return ctx.Error(Status::kUnsupported, "%s: int16 output scale must be 1/32768", op);
  }
  p->multiplier = multiplier;
  p->shift = shift;
  p->rounding = shift > 0 ? (1 << (shift - 1)) : 0;
  return Status::kOk;
}

struct LogisticOp : unary::OpDefaults {
  static constexpr const char* kName = "LOGISTIC";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt8Exact = true;
  static float Float(float x, const UnaryParams&) { return LogisticFloat(x); }
  static Status PrepareQuantized(OpContext& ctx, const Tensor* input, const QuantInfo& q,
                                 UnaryParams* p) {
    if (input->type == DataType::kInt16) {
      return PrepareSigmoidInt16(ctx, kName, q, 0, p);
    }
    if (q.output_scale != 1.0f / 256) {
      return ctx.Error(Status::kUnsupported, "LOGISTIC: int8 output scale must be 1/256");
    }
    return Status::kOk;
  }
  // The table uses libm's expf with the plain formula, as TFLite's.
  static int32_t Int8Exact(int32_t x, const QuantInfo& q, const UnaryParams&) {
    return QuantizedLutEntry(x, q.input_scale, q.input_zero_point, q.output_scale,
                             q.output_zero_point,
                             [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
  }
  static int16_t Int16(int16_t x, const UnaryParams& p) {
    return LogisticInt16(x, p.multiplier, p.shift, p.rounding);
  }
};

struct TanhOp : unary::OpDefaults {
  static constexpr const char* kName = "TANH";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt8Exact = true;
  static float Float(float x, const UnaryParams&) { return TanhFloat(x); }
  // The table uses libm's tanhf, as TFLite's.
  static int32_t Int8Exact(int32_t x, const QuantInfo& q, const UnaryParams&) {
    return QuantizedLutEntry(x, q.input_scale, q.input_zero_point, q.output_scale,
                             q.output_zero_point, [](float v) { return std::tanh(v); });
  }
  static Status PrepareQuantized(OpContext& ctx, const Tensor* input, const QuantInfo& q,
                                 UnaryParams* p) {
    if (input->type == DataType::kInt16) return PrepareSigmoidInt16(ctx, kName, q, 1, p);
    return Status::kOk;
  }
  static int16_t Int16(int16_t x, const UnaryParams& p) {
    return TanhInt16(x, p.multiplier, p.shift, p.rounding);
  }
};

// ---- GELU: x * Phi(x), with Phi from erfc (the form TFLite uses: no
// cancellation for large negative x) or, when GeluOptions.approximate is set,
// from the tanh approximation. The quantized tables are filled from Float,
// as TFLite fills its tables from the same scalar libm formulas (its float
// kernel uses vectorized erfc/tanh, hence a tolerance there).

constexpr int kGeluApproximateField = 0;  // GeluOptions.approximate

// 1/sqrt(2) and sqrt(2/pi) rounded to float as TFLite rounds them (the latter
// from the double product 2/sqrt(pi) * 1/sqrt(2)).
constexpr float kSqrtHalf = static_cast<float>(0.70710678118654752440);
constexpr float kSqrtTwoOverPi =
    static_cast<float>(1.12837916709551257390 * 0.70710678118654752440);

inline float GeluFloat(float x) { return 0.5f * x * std::erfc(x * -kSqrtHalf); }

inline float GeluApproximateFloat(float x) {
  return 0.5f * x * (1.0f + std::tanh(kSqrtTwoOverPi * (x + 0.044715f * x * x * x)));
}

struct GeluOp : unary::OpDefaults {
  static constexpr const char* kName = "GELU";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt16Lut = true;
  static constexpr Int16LutRange kInt16LutRange = Int16LutRange::kSaturateEntries;
  static float Float(float x, const UnaryParams& p) {
    return p.approximate ? GeluApproximateFloat(x) : GeluFloat(x);
  }
  static Status PrepareOptions(OpContext& ctx, UnaryParams* p) {
    p->approximate = ctx.builtin_options().Bool(kGeluApproximateField, false);
    return Status::kOk;
  }
};

// Everything a template argument, so the registration is constant-initialized:
// no run-time guard (which on a microcontroller pulls in locking and the C++
// exception runtime).
template <class Op, int kMaxVersion>
const OpRegistration* Registration() {
  static const OpRegistration r = {Op::kName, unary::Init, unary::Prepare<Op>,
                                   unary::Eval<Op>, nullptr, kMaxVersion, nullptr,
                                   "input", "output", nullptr};
  return &r;
}

}  // namespace

// max_version: the highest version TFLite's builtin resolver registers.
const OpRegistration* Register_RELU() { return Registration<ReluOp, 3>(); }
const OpRegistration* Register_RELU6() { return Registration<Relu6Op, 3>(); }
const OpRegistration* Register_RELU_N1_TO_1() { return Registration<ReluN1To1Op, 1>(); }
const OpRegistration* Register_LEAKY_RELU() { return Registration<LeakyReluOp, 2>(); }
const OpRegistration* Register_HARD_SWISH() { return Registration<HardSwishOp, 1>(); }
const OpRegistration* Register_LOGISTIC() { return Registration<LogisticOp, 3>(); }
const OpRegistration* Register_TANH() { return Registration<TanhOp, 3>(); }
// Version 2: int8 (and int16) inputs.
const OpRegistration* Register_GELU() { return Registration<GeluOp, 2>(); }

}  // namespace tflm
