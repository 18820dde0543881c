// Elementwise math: ABS NEG SQRT RSQRT SQUARE EXP LOG FLOOR CEIL ROUND
// LOGICAL_NOT ELU. Each op is a small struct plugged into the shared
// Prepare/Eval of internal/unary_kernel.h.
#include <cmath>
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_fixedpoint.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/internal/unary_kernel.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

using unary::QuantInfo;
using unary::UnaryParams;

struct AbsOp : unary::OpDefaults {
  static constexpr const char* kName = "ABS";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16 | unary::kI32;
  static constexpr bool kInt8Exact = true;
  static constexpr bool kPlainInt16 = true;
  static float Float(float x, const UnaryParams&) { return std::fabs(x); }
  template <typename T>
  static T Integer(T x) {
    return x < 0 ? static_cast<T>(0 - static_cast<uint64_t>(x)) : x;
  }
  static Status PrepareQuantized(OpContext& ctx, const Tensor* input, const QuantInfo& q,
                                 UnaryParams* p) {
    p->quantized = q.quantized;
    if (!q.quantized) return Status::kOk;  // plain int16 abs
    if (input->type == DataType::kInt16 &&
        (q.input_zero_point != 0 || q.output_zero_point != 0)) {
      return ctx.Error(Status::kInvalidArgument, "ABS: int16 zero points must be 0");
    }
    p->input_zero_point = q.input_zero_point;
    p->output_zero_point = q.output_zero_point;
    p->needs_rescale = q.input_scale != q.output_scale;
    if (p->needs_rescale) {
      QuantizeMultiplier(q.input_scale / q.output_scale, &p->multiplier, &p->shift);
    }
    return Status::kOk;
  }
  static int32_t Quantized(int32_t x, const UnaryParams& p) {
    const int32_t value = x - p.input_zero_point;
    const int32_t magnitude = value < 0 ? -value : value;
    if (!p.needs_rescale) return magnitude + p.output_zero_point;
    return MultiplyByQuantizedMultiplier(magnitude, p.multiplier, p.shift) + p.output_zero_point;
  }
  static int32_t Int8Exact(int32_t x, const QuantInfo&, const UnaryParams& p) {
    return Quantized(x, p);
  }
  static int16_t Int16(int16_t x, const UnaryParams& p) {
    if (!p.quantized) return static_cast<int16_t>(x < 0 ? -static_cast<int32_t>(x) : x);
    const int32_t r = Quantized(x, p);
    return static_cast<int16_t>(r < -32768 ? -32768 : (r > 32767 ? 32767 : r));
  }
};

struct NegOp : unary::OpDefaults {
  static constexpr const char* kName = "NEG";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI32 | unary::kI64;
  static float Float(float x, const UnaryParams&) { return -x; }
  template <typename T>
  static T Integer(T x) {
    return static_cast<T>(0 - static_cast<uint64_t>(x));
  }
};

struct SqrtOp : unary::OpDefaults {
  static constexpr const char* kName = "SQRT";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8;
  static constexpr bool kInt8Exact = true;
  static float Float(float x, const UnaryParams&) { return std::sqrt(x); }
  // TFLite's int8 SQRT truncates the rescaled root instead of rounding it.
  static int32_t Int8Exact(int32_t x, const QuantInfo& q, const UnaryParams&) {
    const float root = std::sqrt(q.input_scale * static_cast<float>(x - q.input_zero_point));
    const float rescaled = root / q.output_scale;
    if (!(rescaled >= 0.0f)) return -128;  // negative input (NaN root)
    if (rescaled > 255.0f) return 127;
    return static_cast<int32_t>(rescaled) + q.output_zero_point;
  }
};

struct RsqrtOp : unary::OpDefaults {
  static constexpr const char* kName = "RSQRT";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt8Exact = true;
  static constexpr bool kInt16Lut = true;
  // x <= 0 (only reachable through the int16 table's lower half) maps to the
  // largest output.
  static float Float(float x, const UnaryParams&) {
    return x > 0.0f ? 1.0f / std::sqrt(x) : INFINITY;
  }
  static Status PrepareQuantized(OpContext&, const Tensor*, const QuantInfo& q,
                                 UnaryParams* p) {
    p->inputs_nonnegative = true;
    p->input_zero_point = q.input_zero_point;
    const double scale = 1.0 / (std::sqrt(q.input_scale) * q.output_scale);
    QuantizeMultiplier(scale, &p->multiplier, &p->shift);
    return Status::kOk;
  }
  // Fixed-point 1/sqrt of the integer input, then one rescale; inputs at the
  // zero point give the largest output.
  static int32_t Int8Exact(int32_t x, const QuantInfo& q, const UnaryParams& p) {
    const int32_t value = x - q.input_zero_point;
    if (value <= 0) return 127;
    constexpr int kShift = 20;  // keeps the intermediate an integer
    int32_t inv_sqrt;
    int inv_sqrt_shift;
    fixedpoint::GetInvSqrtQuantizedMultiplierExp(value, -1, &inv_sqrt, &inv_sqrt_shift);
    const int32_t data = MultiplyByQuantizedMultiplier(int32_t{1}, inv_sqrt,
                                                       inv_sqrt_shift + kShift);
    return MultiplyByQuantizedMultiplier(data, p.multiplier, p.shift - kShift) +
           q.output_zero_point;
  }
};

struct SquareOp : unary::OpDefaults {
  static constexpr const char* kName = "SQUARE";
  static constexpr uint32_t kTypes = unary::kF32;
  static float Float(float x, const UnaryParams&) { return x * x; }
};

struct ExpOp : unary::OpDefaults {
  static constexpr const char* kName = "EXP";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt16Lut = true;
  static float Float(float x, const UnaryParams&) { return std::exp(x); }
};

struct LogOp : unary::OpDefaults {
  static constexpr const char* kName = "LOG";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8 | unary::kI16;
  static constexpr bool kInt16Lut = true;
  static float Float(float x, const UnaryParams&) { return std::log(x); }
};

struct FloorOp : unary::OpDefaults {
  static constexpr const char* kName = "FLOOR";
  static constexpr uint32_t kTypes = unary::kF32;
  static float Float(float x, const UnaryParams&) { return std::floor(x); }
};

struct CeilOp : unary::OpDefaults {
  static constexpr const char* kName = "CEIL";
  static constexpr uint32_t kTypes = unary::kF32;
  static float Float(float x, const UnaryParams&) { return std::ceil(x); }
};

struct RoundOp : unary::OpDefaults {
  static constexpr const char* kName = "ROUND";
  static constexpr uint32_t kTypes = unary::kF32;
  // Ties to even, as TFLite (and tf.round).
  static float Float(float x, const UnaryParams&) {
    const float down = std::floor(x);
    const float diff = x - down;
    if (diff < 0.5f) return down;
    if (diff > 0.5f) return down + 1.0f;
    return std::fmod(down, 2.0f) == 0.0f ? down : down + 1.0f;
  }
};

struct LogicalNotOp : unary::OpDefaults {
  static constexpr const char* kName = "LOGICAL_NOT";
  static constexpr uint32_t kTypes = unary::kBool;
  static float Float(float x, const UnaryParams&) { return x; }
  static bool Bool(bool x) { return !x; }
};

struct EluOp : unary::OpDefaults {
  static constexpr const char* kName = "ELU";
  static constexpr uint32_t kTypes = unary::kF32 | unary::kI8;
  static float Float(float x, const UnaryParams&) { return x < 0.0f ? std::expm1(x) : x; }
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

// max_version: the highest version TFLite's builtin resolver registers for
// the op (every dtype of that version is implemented here).
const OpRegistration* Register_ABS() { return Registration<AbsOp, 5>(); }
const OpRegistration* Register_NEG() { return Registration<NegOp, 1>(); }
const OpRegistration* Register_SQRT() { return Registration<SqrtOp, 2>(); }
const OpRegistration* Register_RSQRT() { return Registration<RsqrtOp, 3>(); }
const OpRegistration* Register_SQUARE() { return Registration<SquareOp, 1>(); }
const OpRegistration* Register_EXP() { return Registration<ExpOp, 2>(); }
const OpRegistration* Register_LOG() { return Registration<LogOp, 2>(); }
const OpRegistration* Register_FLOOR() { return Registration<FloorOp, 1>(); }
const OpRegistration* Register_CEIL() { return Registration<CeilOp, 1>(); }
const OpRegistration* Register_ROUND() { return Registration<RoundOp, 1>(); }
const OpRegistration* Register_LOGICAL_NOT() { return Registration<LogicalNotOp, 1>(); }
const OpRegistration* Register_ELU() { return Registration<EluOp, 1>(); }

}  // namespace tflm
