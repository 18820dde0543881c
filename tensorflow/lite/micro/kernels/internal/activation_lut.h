// Lookup tables of the quantized unary kernels.
//
// int8: a 256-entry table indexed by the input byte, filled at prepare with
// the exact integer result for every possible input, so eval is one load per
// element whatever the op.
// int16: a 513-entry table sampled uniformly over the input range and read
// with linear interpolation (TFLite's int16 LUT format: 512 segments of 128
// input steps plus one end point), and the 256-entry sigmoid table of
// TFLite's int16 LOGISTIC/TANH.
//
// Tables are owned by the op data of the kernel that fills them (arena
// persistent memory); the functions here only read or write caller buffers.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_LUT_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_LUT_H_

#include <cmath>
#include <cstdint>

namespace tflm {

constexpr int kInt8LutSize = 256;
constexpr int kInt16LutSize = 513;

// Index of an int8 value in a 256-entry table (the table is ordered by the
// value's byte: 0..127, then -128..-1).
inline uint8_t LutIndex(int8_t value) { return static_cast<uint8_t>(value); }

// out[i] = lut[in[i]] for `count` int8 elements. `lut` has 256 entries.
inline void LookupInt8(const int8_t* in, int8_t* out, int64_t count, const int8_t* lut) {
  for (int64_t i = 0; i < count; ++i) out[i] = lut[LutIndex(in[i])];
}

// The int8 table entry of TFLite's LUT kernels for input `v`:
// dequantize -> f -> quantize, rounding half away from zero; a non-finite
// result maps to -128.
template <typename F>
int8_t QuantizedLutEntry(int32_t v, float input_scale, int32_t input_zero_point,
                         float output_scale, int32_t output_zero_point, F f) {
  const float dequantized = input_scale * static_cast<float>(v - input_zero_point);
  const float transformed = f(dequantized);
  if (!std::isfinite(transformed)) return -128;
  const float rescaled =
      std::round(transformed * (1.0f / output_scale)) + static_cast<float>(output_zero_point);
  return static_cast<int8_t>(rescaled < -128.0f ? -128
                                                : (rescaled > 127.0f ? 127 : static_cast<int32_t>(rescaled)));
}

// Fills `lut` (256 entries) with QuantizedLutEntry for every int8 input.
template <typename F>
void PopulateInt8Lut(float input_scale, int32_t input_zero_point, float output_scale,
                     int32_t output_zero_point, F f, int8_t* lut) {
  for (int32_t v = -128; v <= 127; ++v) {
    lut[LutIndex(static_cast<int8_t>(v))] =
        QuantizedLutEntry(v, input_scale, input_zero_point, output_scale, output_zero_point, f);
  }
}

// How PopulateInt16Lut treats transformed values outside the output range.
enum class Int16LutRange {
  // Clamped to the output range before sampling (NaN counts as the lowest
  // value): the EXP, LOG, RSQRT and softmax tables, bit-exact with TFLite's.
  kClampTransformed,
  // Sampled as they are, only the table entries saturate: TFLite's GELU
  // table. The two differ in the segment where the function leaves the
  // output range.
  kSaturateEntries,
};

// Fills `lut` (513 entries) for an int16 -> int16 function. Each entry is
// the sampled value corrected by half the error of linear interpolation at
// the segment's midpoint. `Real` is float or double: TFLite uses double for
// the softmax tables and float elsewhere.
template <typename Real, typename F>
void PopulateInt16Lut(Real input_scale, int32_t input_zero_point, Real output_scale,
                      int32_t output_zero_point, F f, int16_t* lut,
                      Int16LutRange range = Int16LutRange::kClampTransformed) {
  const Real input_min = input_scale * static_cast<Real>(-32768 - input_zero_point);
  const Real input_max = input_scale * static_cast<Real>(32767 - input_zero_point);
  const Real output_min = output_scale * static_cast<Real>(-32768 - output_zero_point);
  const Real output_max = output_scale * static_cast<Real>(32767 - output_zero_point);
  constexpr int kSteps = kInt16LutSize - 1;
  const Real step = (input_max - input_min) / kSteps;
  const Real half_step = step / 2;
  const Real to_table = static_cast<Real>(65536) / (output_max - output_min);
  const bool clamp = range == Int16LutRange::kClampTransformed;
  auto eval = [&](Real x) {
    Real y = f(x);
    if (clamp) {
      if (std::isnan(y) || y < output_min) y = output_min;
      if (y > output_max) y = output_max;
    }
    return y;
  };
  // NaN (only unclamped, from hostile scales) gives 0, as TFLite's float ->
  // int16 conversion does in practice on x86 (INT32_MIN cut to 16 bits).
  auto clamp16 = [](Real v) {
    if (std::isnan(v)) return int16_t{0};
    return static_cast<int16_t>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
  };
  for (int i = 0; i < kSteps; ++i) {
    const Real value = eval(input_min + i * step);
    const Real value_mid = eval(input_min + i * step + half_step);
    const Real value_next = eval(input_min + (i + 1) * step);
    const Real sample = std::round(value * to_table);
    const Real interpolated_mid = std::round((value_next * to_table + sample) / 2);
    const Real exact_mid = std::round(value_mid * to_table);
    const Real bias = std::round((interpolated_mid - exact_mid) / 2);
    lut[i] = clamp16(sample - bias);
  }
  lut[kSteps] = clamp16(std::round(eval(input_max) * to_table));
}

// Interpolated read of a 513-entry table at an int16 input.
inline int16_t LookupInt16(int16_t value, const int16_t* lut) {
  const int index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int32_t base = lut[index];
  const int32_t slope = static_cast<int16_t>(lut[index + 1] - lut[index]);
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

// sigmoid(i / 24) in unsigned Q0.16 for i = 0..255 (saturated at 65535);
// the table TFLite's int16 LOGISTIC and TANH interpolate in (these are
// TFLite's exact values; they are not reproducible by a simple rounding
// formula, so they are listed).
extern const uint16_t kSigmoidTableQ16[256];

// int16 LOGISTIC / TANH of TFLite: the input is first rescaled so that 2^17
// represents 10.7 (input * multiplier >> shift), then read from the sigmoid
// table with 9 (logistic) or 8 (tanh) fractional bits of interpolation.
// Output scale 1/32768, zero point 0.
inline int16_t LogisticInt16(int16_t x, int32_t multiplier, int shift, int32_t round) {
  const int32_t input = (static_cast<int32_t>(x) * multiplier + round) >> shift;
  const uint32_t abs_input = static_cast<uint32_t>(input < 0 ? -input : input);
  const uint32_t uh = abs_input >> 9;
  uint32_t result;
  if (uh >= 255) {
    result = 0x7FFFu << 10;
  } else {
    const uint32_t ua = kSigmoidTableQ16[uh];
    const uint32_t ub = kSigmoidTableQ16[uh + 1];
    const uint32_t ut = abs_input & 0x1ff;
    result = (ua << 9) + ut * (ub - ua);
  }
  result = input >= 0 ? (result + (1u << 9)) : ((1u << (16 + 9)) - result + (1u << 9) - 1);
  return static_cast<int16_t>(result >> 10);
}

inline int16_t TanhInt16(int16_t x, int32_t multiplier, int shift, int32_t round) {
  const int32_t input = (static_cast<int32_t>(x) * multiplier + round) >> shift;
  const uint32_t abs_input = static_cast<uint32_t>(input < 0 ? -input : input);
  const uint32_t uh = abs_input >> 8;
  int32_t result;
  if (uh >= 255) {
    result = 0xFFFF << 8;
  } else {
    const uint32_t ua = kSigmoidTableQ16[uh];
    const uint32_t ub = kSigmoidTableQ16[uh + 1];
    const uint32_t ut = abs_input & 0xFF;
    result = static_cast<int32_t>((ua << 8) + ut * (ub - ua));
  }
  result = input >= 0 ? (result - (1 << (14 + 9)) + (1 << (9 - 2)))
                      : (-result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1);
  return static_cast<int16_t>(result >> (9 - 1));
}

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_LUT_H_
