// Fixed-point arithmetic shared by the quantized kernels.
//
// These follow TFLite's reference semantics exactly (gemmlowp-style rounding:
// a saturating rounding doubling high multiply followed by a rounding right
// shift), so int8 results are bit-exact with TFLite's reference kernels.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_QUANTIZATION_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_QUANTIZATION_H_

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <limits>

namespace tflm {

// Splits a real multiplier into a Q31 fixed-point multiplier and a power of
// two exponent: real = multiplier * 2^(shift - 31). shift > 0 is a left shift.
void QuantizeMultiplier(double real_multiplier, int32_t* quantized_multiplier,
                        int* shift);
// For multipliers in (0, 1): shift <= 0.
void QuantizeMultiplierSmallerThanOne(double real_multiplier,
                                      int32_t* quantized_multiplier, int* shift);
// For multipliers > 1: shift >= 0.
void QuantizeMultiplierGreaterThanOne(double real_multiplier,
                                      int32_t* quantized_multiplier,
                                      int* left_shift);
// The input_beta multiplier for softmax-like ops with `input_integer_bits`.
void PreprocessSoftmaxScaling(double beta, double input_scale,
                              int input_integer_bits,
                              int32_t* quantized_multiplier, int* left_shift);
int CalculateInputRadius(int input_integer_bits, int input_left_shift,
                         int total_signed_bits = 31);

// gemmlowp's rounding, (ab + nudge) / 2^31 truncated with nudge = 2^30 for
// ab >= 0 and 1 - 2^30 below, equals floor((ab + 2^30) / 2^31) for every ab
// (for ab = -m < 0 both are -floor((m + 2^30 - 1) / 2^31)): one add and an
// arithmetic shift instead of a select and a signed division.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t high = static_cast<int32_t>((ab + (int64_t{1} << 30)) >> 31);
  return overflow ? std::numeric_limits<int32_t>::max() : high;
}

// Division by 2^exponent rounding to nearest, ties away from zero.
// static_cast<int32_t>(x) as x86 computes it (cvttsd2si): NaN and values
// outside int32's range give INT32_MIN, which is what TFLite's kernels get
// from hostile scales and non-finite inputs; defined behaviour everywhere.
inline int32_t TruncateToInt32(double x) {
  return x >= -2147483648.0 && x < 2147483648.0 ? static_cast<int32_t>(x) : INT32_MIN;
}

// Integer arithmetic that wraps as TFLite's kernels do in practice when
// hostile values overflow, without the undefined behaviour of signed
// overflow (the same instructions otherwise); plain arithmetic for floats.
template <typename T>
inline T WrappingAdd(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    using U = typename std::make_unsigned<T>::type;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
inline T WrappingMul(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    // Promote through uint64 so that uint16/uint8 products cannot overflow int.
    return static_cast<T>(static_cast<uint64_t>(static_cast<int64_t>(a)) *
                          static_cast<uint64_t>(static_cast<int64_t>(b)));
  } else {
    return a * b;
  }
}


inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1ll << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier,
                                             int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return RoundingDivideByPOT(
      SaturatingRoundingDoublingHighMul(
          static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift),
          multiplier),
      right_shift);
}

// x * multiplier * 2^(shift - 31) with one rounding (to nearest, ties
// toward +inf). TF 2.21's reference FULLY_CONNECTED requantizes this way
// (checked on thousands of outputs: the two-step form above disagrees on
// about 0.2% of them), while its convolutions, arithmetic and activations
// use the two-step form.
inline int32_t MultiplyByQuantizedMultiplierSingleRounding(int32_t x,
                                                           int32_t multiplier,
                                                           int shift) {
  const int total_shift = 31 - shift;
  const int64_t round = static_cast<int64_t>(1) << (total_shift - 1);
  return static_cast<int32_t>(
      (static_cast<int64_t>(x) * multiplier + round) >> total_shift);
}

// 64-bit input variant (int16 kernels with int64 accumulators). As TFLite's
// reference: the multiplier is first reduced to 16 bits (rounded), then
// result = round(x * reduced * 2^(shift - 15)).
inline int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier,
                                             int shift) {
  const int32_t reduced =
      multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  // Multipliers of 2^15 and more (only from hostile scales) shift by at
  // least 1; hostile accumulators wrap as the reference's do in practice.
  const int64_t total_shift = shift < 15 ? 15 - shift : 1;
  const int64_t round = static_cast<int64_t>(1) << (total_shift - 1);
  const int64_t result =
      WrappingAdd(WrappingMul(x, static_cast<int64_t>(reduced)), round) >> total_shift;
  return static_cast<int32_t>(result);
}

inline int32_t MultiplyByQuantizedMultiplierSmallerThanOneExp(
    int32_t x, int32_t multiplier, int left_shift) {
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, multiplier),
                             -left_shift);
}

inline int32_t MultiplyByQuantizedMultiplierGreaterThanOne(int32_t x,
                                                           int32_t multiplier,
                                                           int left_shift) {
  return SaturatingRoundingDoublingHighMul(
      static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift), multiplier);
}

// Fused activation functions of the schema (ActivationFunctionType).
enum class FusedActivation : int8_t {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};

// Clamp range of a fused activation for plain (unquantized) values, as
// TFLite's CalculateActivationRange<T>: "none" (and tanh / sign bit, which
// kernels reject or treat as none) clamps to the finite range of T.
template <typename T>
void ActivationRange(FusedActivation activation, T* min, T* max) {
  switch (activation) {
    case FusedActivation::kRelu:
      *min = 0;
      *max = std::numeric_limits<T>::max();
      break;
    case FusedActivation::kRelu6:
      *min = 0;
      *max = 6;
      break;
    case FusedActivation::kReluN1To1:
      *min = static_cast<T>(-1);
      *max = 1;
      break;
    default:
      *min = std::numeric_limits<T>::lowest();
      *max = std::numeric_limits<T>::max();
      break;
  }
}

inline void ActivationRangeFloat(FusedActivation activation, float* min, float* max) {
  ActivationRange<float>(activation, min, max);
}

// Quantized clamp range of a fused activation for an output with the given
// scale and zero point, within [qmin, qmax] of the output type.
void ActivationRangeQuantized(FusedActivation activation, float scale,
                              int32_t zero_point, int32_t qmin, int32_t qmax,
                              int32_t* act_min, int32_t* act_max);

inline float ApplyActivation(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

template <typename T>
inline int32_t QuantizedMin() {
  return std::numeric_limits<T>::min();
}
template <typename T>
inline int32_t QuantizedMax() {
  return std::numeric_limits<T>::max();
}

// Rounds half away from zero, as TFLite's TfLiteRound / std::round.
inline float RoundHalfAway(float x) { return std::round(x); }

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_QUANTIZATION_H_
