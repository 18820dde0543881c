#include "tensorflow/lite/micro/kernels/internal/quantization.h"

#include <algorithm>
#include <cmath>

namespace tflm {

void QuantizeMultiplier(double real_multiplier, int32_t* quantized_multiplier,
                        int* shift) {
  // Zero, negative or NaN (from hostile scales): no signal. +inf saturates
  // below, through the shift > 30 case.
  if (!(real_multiplier > 0.0)) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  if (real_multiplier > 1e30) real_multiplier = 1e30;
  const double q = std::frexp(real_multiplier, shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * (1ll << 31)));
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  // As TFLite: too small is zero, too large saturates, so every shift a
  // kernel derives from these stays within [-31, 30].
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  if (*shift > 30) {
    *shift = 30;
    q_fixed = (1ll << 31) - 1;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

void QuantizeMultiplierSmallerThanOne(double real_multiplier,
                                      int32_t* quantized_multiplier,
                                      int* shift) {
  QuantizeMultiplier(real_multiplier, quantized_multiplier, shift);
}

void QuantizeMultiplierGreaterThanOne(double real_multiplier,
                                      int32_t* quantized_multiplier,
                                      int* left_shift) {
  QuantizeMultiplier(real_multiplier, quantized_multiplier, left_shift);
}

void PreprocessSoftmaxScaling(double beta, double input_scale,
                              int input_integer_bits,
                              int32_t* quantized_multiplier, int* left_shift) {
  const double max_real_multiplier = (1ll << 31) - 1.0;
  const double real = std::min<double>(
      beta * input_scale * (1 << (31 - input_integer_bits)),
      max_real_multiplier);
  QuantizeMultiplierGreaterThanOne(real, quantized_multiplier, left_shift);
  // A real multiplier below 1 (only from a hostile, tiny input scale) would
  // be a negative left shift: fold it into the multiplier instead.
  if (*left_shift < 0) {
    *quantized_multiplier = RoundingDivideByPOT(*quantized_multiplier, -*left_shift);
    *left_shift = 0;
  }
}

int CalculateInputRadius(int input_integer_bits, int input_left_shift,
                         int total_signed_bits) {
  // ldexp, not shifts: hostile scales give negative or huge left shifts.
  const double max_input_rescaled =
      std::ldexp(1.0 * ((1 << input_integer_bits) - 1),
                 total_signed_bits - input_integer_bits - input_left_shift);
  const double radius = std::floor(max_input_rescaled);
  return radius < 2147483647.0 ? static_cast<int>(radius) : 2147483647;
}

void ActivationRangeQuantized(FusedActivation activation, float scale,
                              int32_t zero_point, int32_t qmin, int32_t qmax,
                              int32_t* act_min, int32_t* act_max) {
  auto quantize = [&](float f) {
    return zero_point + TruncateToInt32(std::round(f / scale));
  };
  switch (activation) {
    case FusedActivation::kRelu:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = qmax;
      break;
    case FusedActivation::kRelu6:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = std::min(qmax, quantize(6.0f));
      break;
    case FusedActivation::kReluN1To1:
      *act_min = std::max(qmin, quantize(-1.0f));
      *act_max = std::min(qmax, quantize(1.0f));
      break;
    default:
      *act_min = qmin;
      *act_max = qmax;
      break;
  }
}

}  // namespace tflm
