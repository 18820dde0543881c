// Element functors of the binary arithmetic kernels (binary_arithmetic.cc):
// plain arithmetic with TFLite's wrap-around and clamp semantics, and the
// fixed-point requantizing variants that are bit-exact with TFLite's
// reference kernels. Each functor is a small value type whose operator() is
// inlined into the loops of binary_broadcast.h.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_BINARY_ARITHMETIC_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_BINARY_ARITHMETIC_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {

struct Complex64 {
  float re;
  float im;
};

namespace binary_internal {

// Unsigned type wide enough that +,-,* never overflow into UB; the result is
// truncated back to T (two's complement wrap, as TFLite's kernels behave).
template <typename T>
using WrapType =
    typename std::conditional<(sizeof(T) < 4), uint32_t,
                              typename std::make_unsigned<T>::type>::type;

template <typename T>
inline T WrapAdd(T a, T b) {
  using U = WrapType<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
inline T WrapSub(T a, T b) {
  using U = WrapType<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
inline T WrapMul(T a, T b) {
  using U = WrapType<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
inline float WrapAdd(float a, float b) { return a + b; }
inline float WrapSub(float a, float b) { return a - b; }
inline float WrapMul(float a, float b) { return a * b; }

// std::min(std::max(x, lo), hi), spelled out so NaN passes through as in
// TFLite's ActivationFunctionWithMinMax.
template <typename T>
inline T Clamp(T x, T lo, T hi) {
  const T y = x < lo ? lo : x;
  return hi < y ? hi : y;
}

}  // namespace binary_internal

// ---- plain (non-quantized) element operations ----

struct AddFn {
  template <typename T>
  T operator()(T a, T b) const { return binary_internal::WrapAdd(a, b); }
};
struct SubFn {
  template <typename T>
  T operator()(T a, T b) const { return binary_internal::WrapSub(a, b); }
};
struct MulFn {
  template <typename T>
  T operator()(T a, T b) const { return binary_internal::WrapMul(a, b); }
  Complex64 operator()(Complex64 a, Complex64 b) const {
    return Complex64{a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  }
};
// Integer division truncates; the caller rejects zero divisors first.
// INT_MIN / -1 wraps to INT_MIN instead of trapping.
struct DivFn {
  float operator()(float a, float b) const { return a / b; }
  template <typename T>
  T operator()(T a, T b) const {
    return b == -1 ? binary_internal::WrapSub(T(0), a) : static_cast<T>(a / b);
  }
};
struct SquaredDifferenceFn {
  template <typename T>
  T operator()(T a, T b) const {
    const T d = binary_internal::WrapSub(a, b);
    return binary_internal::WrapMul(d, d);
  }
};
// As TFLite: the first operand wins unless the second compares greater
// (resp. smaller), so a NaN first operand yields the second.
struct MaximumFn {
  template <typename T>
  T operator()(T a, T b) const { return a > b ? a : b; }
};
struct MinimumFn {
  template <typename T>
  T operator()(T a, T b) const { return a < b ? a : b; }
};
// Integer powers by squaring (wrapping); the caller rejects negative
// exponents first.
struct PowFn {
  float operator()(float a, float b) const { return std::pow(a, b); }
  int32_t operator()(int32_t base, int32_t exponent) const {
    uint32_t result = 1;
    uint32_t b = static_cast<uint32_t>(base);
    uint32_t e = static_cast<uint32_t>(exponent);
    while (e != 0) {
      if (e & 1u) result *= b;
      e >>= 1;
      b *= b;
    }
    return static_cast<int32_t>(result);
  }
};
// floor(a / b) computed in double for every type, as TFLite's reference;
// an integer result outside the type (INT32_MIN / -1) converts as x86 does.
struct FloorDivFn {
  template <typename T>
  T operator()(T a, T b) const {
    const double q = std::floor(static_cast<double>(a) / static_cast<double>(b));
    if constexpr (!std::is_integral<T>::value) {
      return static_cast<T>(q);
    } else if constexpr (sizeof(T) == 8) {
      return static_cast<T>(q >= -9223372036854775808.0 && q < 9223372036854775808.0
                                ? static_cast<int64_t>(q)
                                : INT64_MIN);
    } else {
      return static_cast<T>(TruncateToInt32(q));
    }
  }
};
// Remainder with the sign of the divisor (Python's %).
struct FloorModFn {
  float operator()(float a, float b) const {
    const float r = std::fmod(a, b);
    return (r != 0) && ((b < 0) != (r < 0)) ? r + b : r;
  }
  template <typename T>
  T operator()(T a, T b) const {
    const T r = b == -1 ? T(0) : static_cast<T>(a % b);
    return (r != 0) && ((b < 0) != (r < 0)) ? static_cast<T>(r + b) : r;
  }
};

// Applies F then the fused-activation clamp [lo, hi].
template <typename T, typename F>
struct ClampedFn {
  F f;
  T lo;
  T hi;
  T operator()(T a, T b) const {
    return binary_internal::Clamp(f(a, b), lo, hi);
  }
};
// Applies F alone (ops or types without a fused activation).
template <typename T, typename F>
struct PlainFn {
  F f;
  T operator()(T a, T b) const { return f(a, b); }
};

// ---- quantized element operations ----

// Parameters of the requantizing kernels, filled by Prepare.
struct QuantizedArithmeticParams {
  int32_t input1_offset;  // -zero_point
  int32_t input2_offset;
  int32_t output_offset;  // +zero_point
  int32_t input1_multiplier;
  int32_t input2_multiplier;
  int32_t output_multiplier;
  int input1_shift;  // <= 0 for the add/sub/squared-difference rescaling
  int input2_shift;
  int output_shift;
  int left_shift;
  int32_t act_min;
  int32_t act_max;
};

// ADD / SUB (general scales): both inputs rescaled to a common scale with
// `left_shift` bits of headroom, added, then rescaled to the output.
template <typename T, bool kSubtract>
struct QuantizedAddSubFn {
  QuantizedArithmeticParams p;
  T operator()(T a, T b) const {
    const int32_t a_scaled = MultiplyByQuantizedMultiplierSmallerThanOneExp(
        (p.input1_offset + a) * (1 << p.left_shift), p.input1_multiplier,
        p.input1_shift);
    const int32_t b_scaled = MultiplyByQuantizedMultiplierSmallerThanOneExp(
        (p.input2_offset + b) * (1 << p.left_shift), p.input2_multiplier,
        p.input2_shift);
    const int32_t raw = kSubtract ? a_scaled - b_scaled : a_scaled + b_scaled;
    const int32_t out = MultiplyByQuantizedMultiplierSmallerThanOneExp(
                            raw, p.output_multiplier, p.output_shift) +
                        p.output_offset;
    return static_cast<T>(binary_internal::Clamp(out, p.act_min, p.act_max));
  }
};

// int16 ADD / SUB with power-of-two scales and zero offsets (TFLite's
// pot_scale_int16 path): one input is right-shifted onto the output scale,
// the result saturates to int16.
template <bool kSubtract>
struct QuantizedPotAddSubFn {
  int input1_right_shift;
  int input2_right_shift;
  int32_t act_min;
  int32_t act_max;
  int16_t operator()(int16_t a, int16_t b) const {
    const int32_t a_scaled = RoundingDivideByPOT(a, input1_right_shift);
    const int32_t b_scaled = RoundingDivideByPOT(b, input2_right_shift);
    int32_t raw = kSubtract ? a_scaled - b_scaled : a_scaled + b_scaled;
    raw = binary_internal::Clamp<int32_t>(raw, -32768, 32767);
    return static_cast<int16_t>(binary_internal::Clamp(raw, act_min, act_max));
  }
};

// MUL: (a - za) * (b - zb) rescaled by s1 * s2 / so.
template <typename T>
struct QuantizedMulFn {
  QuantizedArithmeticParams p;
  T operator()(T a, T b) const {
    const int32_t prod = (p.input1_offset + a) * (p.input2_offset + b);
    const int32_t out = p.output_offset +
                        MultiplyByQuantizedMultiplier(
                            prod, p.output_multiplier, p.output_shift);
    return static_cast<T>(binary_internal::Clamp(out, p.act_min, p.act_max));
  }
};

// SQUARED_DIFFERENCE: like ADD/SUB with 7 bits of headroom, squared.
template <typename T>
struct QuantizedSquaredDifferenceFn {
  QuantizedArithmeticParams p;
  T operator()(T a, T b) const {
    const int32_t a_scaled = MultiplyByQuantizedMultiplierSmallerThanOneExp(
        (p.input1_offset + a) * (1 << p.left_shift), p.input1_multiplier,
        p.input1_shift);
    const int32_t b_scaled = MultiplyByQuantizedMultiplierSmallerThanOneExp(
        (p.input2_offset + b) * (1 << p.left_shift), p.input2_multiplier,
        p.input2_shift);
    const int32_t diff = a_scaled - b_scaled;
    const int32_t out = MultiplyByQuantizedMultiplierSmallerThanOneExp(
                            diff * diff, p.output_multiplier, p.output_shift) +
                        p.output_offset;
    return static_cast<T>(binary_internal::Clamp(out, p.act_min, p.act_max));
  }
};

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_BINARY_ARITHMETIC_H_
