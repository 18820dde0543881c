// Branch-free float exp / logistic / tanh for the float activation loops
// (SOFTMAX, LOG_SOFTMAX, LOGISTIC, TANH), written so that GCC vectorizes the
// loops that call them (no libm calls, selects instead of branches, float
// rounding by the 1.5 * 2^23 trick instead of floor/round).
//
// Accuracy: ExpFloat within 2 ulp of expf on [-87, 88]; TanhFloat within a
// few ulp of tanhf; LogisticFloat within 1e-7 absolute of the exact value.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_FLOAT_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_FLOAT_H_

#include <cstdint>
#include <cstring>

namespace tflm {

// c ? a : b through integer masks. With a plain ?: GCC (default
// -ftrapping-math) turns clamps into branches and specializes the code after
// them, and the loop no longer vectorizes; the masks keep it branch-free.
inline float SelectFloat(bool c, float a, float b) {
  uint32_t ia, ib;
  std::memcpy(&ia, &a, sizeof(ia));
  std::memcpy(&ib, &b, sizeof(ib));
  const uint32_t mask = 0u - static_cast<uint32_t>(c);
  const uint32_t r = (ia & mask) | (ib & ~mask);
  float f;
  std::memcpy(&f, &r, sizeof(f));
  return f;
}

// e^x for x in [-87.3, 88] (clamped outside: e^x there is below FLT_MIN or
// above 1.6e38). e^x = 2^n * e^r with n = round(x / ln 2), |r| <= ln(2)/2,
// e^r from a degree-6 polynomial (Cephes' coefficients).
inline float ExpFloat(float x) {
  x = SelectFloat(x < -87.3f, -87.3f, x);
  x = SelectFloat(x > 88.0f, 88.0f, x);
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23
  const float n = (x * 1.44269504088896341f + kRoundMagic) - kRoundMagic;
  // r = x - n * ln(2), with ln(2) split in two for precision.
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  // NaN in gives NaN out (through er); n must still convert to an integer.
  const int32_t bits = (static_cast<int32_t>(SelectFloat(n == n, n, 0.0f)) + 127) * (1 << 23);
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return er * scale;
}

// 1 / (1 + e^-x), saturating to 1 above 16.62 (where it rounds to 1) and
// e^x below -9 (where 1 + e^-x rounds to e^-x), as TFLite's float kernel.
inline float LogisticFloat(float x) {
  const bool low = x < -9.0f;
  const float e = ExpFloat(SelectFloat(low, x, -x));
  const float mid = 1.0f / (1.0f + e);
  return SelectFloat(x > 16.619047164916992188f, 1.0f, SelectFloat(low, e, mid));
}

// tanh(x): odd rational approximation (degree 13 / 6) on [-7.9, 7.9], where
// tanh saturates to +-1 in float; x itself below 4e-4 in magnitude.
inline float TanhFloat(float x) {
  constexpr float kClamp = 7.90531110763549805f;
  const float xc = SelectFloat(x < -kClamp, -kClamp, SelectFloat(x > kClamp, kClamp, x));
  const float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * xc;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float t = p / q;
  const float ax = SelectFloat(x < 0.0f, -x, x);
  return SelectFloat(ax < 0.0004f, x, t);
}

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_ACTIVATION_FLOAT_H_
