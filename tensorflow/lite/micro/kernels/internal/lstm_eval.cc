#include "tensorflow/lite/micro/kernels/internal/lstm_eval.h"

#include <cmath>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>  // (and SSE's xmmintrin.h)
#endif

#include "tensorflow/lite/micro/kernels/internal/activation_float.h"
#include "tensorflow/lite/micro/kernels/internal/activation_lut.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/internal/lstm_fixed_point.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {
namespace {

// ---------------------------------------------------------------- float32

inline float DotFloat(const float* a, const float* b, int n) {
  float acc = 0.0f;
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

// gate[b, :] += matrix [rows, cols] x vectors[b, :]
void MatVecAccumulateFloat(const float* matrix, int rows, int cols,
                           const float* vectors, int n_batch, float* gate) {
  for (int b = 0; b < n_batch; ++b) {
    const float* v = vectors + b * cols;
    float* out = gate + b * rows;
    int r = 0;
    // Four rows at a time, each summed over four lanes: the sums are
    // reassociated, which changes results only by float rounding.
#if defined(__SSE2__)
    if ((cols & 3) == 0) {
      for (; r + 4 <= rows; r += 4) {
        const float* m = matrix + r * cols;
        __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int c = 0; c < cols; c += 4) {
          const __m128 x = _mm_loadu_ps(v + c);
          s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(m + c), x));
          s1 = _mm_add_ps(s1, _mm_mul_ps(_mm_loadu_ps(m + cols + c), x));
          s2 = _mm_add_ps(s2, _mm_mul_ps(_mm_loadu_ps(m + 2 * cols + c), x));
          s3 = _mm_add_ps(s3, _mm_mul_ps(_mm_loadu_ps(m + 3 * cols + c), x));
        }
        const __m128 s01 = _mm_add_ps(_mm_unpacklo_ps(s0, s1), _mm_unpackhi_ps(s0, s1));
        const __m128 s23 = _mm_add_ps(_mm_unpacklo_ps(s2, s3), _mm_unpackhi_ps(s2, s3));
        const __m128 sums = _mm_add_ps(_mm_movelh_ps(s01, s23), _mm_movehl_ps(s23, s01));
        _mm_storeu_ps(out + r, _mm_add_ps(_mm_loadu_ps(out + r), sums));
      }
    }
#endif
    for (; r + 4 <= rows; r += 4) {
      float sums[4];
      conv::DotBlockFloat<4>(v, matrix + r * cols, cols, cols, sums);
      for (int k = 0; k < 4; ++k) out[r + k] += sums[k];
    }
    for (; r < rows; ++r) out[r] += DotFloat(matrix + r * cols, v, cols);
  }
}

inline int32_t DotInt8(const int8_t* a, const int8_t* b, int n) {
  int32_t acc = 0;
  for (int i = 0; i < n; ++i) acc += static_cast<int32_t>(a[i]) * b[i];
  return acc;
}


void ActivateFloat(FusedActivation activation, float* values, int count) {
  switch (activation) {
    case FusedActivation::kNone:
      break;
    case FusedActivation::kRelu:
      for (int i = 0; i < count; ++i) values[i] = values[i] < 0.0f ? 0.0f : values[i];
      break;
    case FusedActivation::kReluN1To1:
      for (int i = 0; i < count; ++i) values[i] = ApplyActivation(values[i], -1.0f, 1.0f);
      break;
    case FusedActivation::kRelu6:
      for (int i = 0; i < count; ++i) values[i] = ApplyActivation(values[i], 0.0f, 6.0f);
      break;
    case FusedActivation::kTanh:
      for (int i = 0; i < count; ++i) values[i] = TanhFloat(values[i]);
      break;
    case FusedActivation::kSignBit:  // rejected at prepare
      break;
  }
}

// The branch-free forms vectorize (within 1e-7 of the libm functions).
void SigmoidFloat(float* values, int count) {
  for (int i = 0; i < count; ++i) values[i] = LogisticFloat(values[i]);
}

// Layer normalization of each row (mean 0, variance 1 with a 1e-8 guard).
void NormalizeRowsFloat(float* values, int n, int n_batch) {
  for (int b = 0; b < n_batch; ++b, values += n) {
    float sum = 0.0f;
    for (int i = 0; i < n; ++i) sum += values[i];
    const float mean = sum / n;
    float sum_sq = 0.0f;
    for (int i = 0; i < n; ++i) {
      const float d = values[i] - mean;
      sum_sq += d * d;
    }
    const float inv_stddev = 1.0f / std::sqrt(sum_sq / n + 1e-8f);
    for (int i = 0; i < n; ++i) values[i] = (values[i] - mean) * inv_stddev;
  }
}

void GateFloat(const LstmSizes& s, const LstmFloatWeights& w, int g,
               int n_batch, const float* input, const float* output_state,
               const float* cell_state, bool sigmoid, float* gate) {
  const int n_cell = s.n_cell;
  const bool layer_norm = w.layer_norm[g] != nullptr;
  for (int b = 0; b < n_batch; ++b) {
    float* row = gate + b * n_cell;
    if (layer_norm) {
      for (int c = 0; c < n_cell; ++c) row[c] = 0.0f;
    } else {
      memcpy(row, w.bias[g], sizeof(float) * n_cell);
    }
  }
  MatVecAccumulateFloat(w.input_to_gate[g], n_cell, s.n_input, input, n_batch, gate);
  MatVecAccumulateFloat(w.recurrent_to_gate[g], n_cell, s.n_output, output_state,
                        n_batch, gate);
  if (w.cell_to_gate[g] != nullptr) {
    const float* peephole = w.cell_to_gate[g];
    for (int b = 0; b < n_batch; ++b) {
      const float* c_row = cell_state + b * n_cell;
      float* row = gate + b * n_cell;
      for (int c = 0; c < n_cell; ++c) row[c] += peephole[c] * c_row[c];
    }
  }
  if (layer_norm) {
    NormalizeRowsFloat(gate, n_cell, n_batch);
    for (int b = 0; b < n_batch; ++b) {
      float* row = gate + b * n_cell;
      for (int c = 0; c < n_cell; ++c) {
        row[c] = row[c] * w.layer_norm[g][c] + w.bias[g][c];
      }
    }
  }
  if (sigmoid) {
    SigmoidFloat(gate, n_batch * n_cell);
  } else {
    ActivateFloat(w.activation, gate, n_batch * n_cell);
  }
}

// The float cell update shared by the float and hybrid steps:
// c = clip(f * c + g * i), with i = 1 - f for CIFG.
void UpdateCellFloat(const float* input_gate, const float* forget_gate,
                     const float* cell_gate, bool cifg, float clip, int count,
                     float* cell_state) {
  for (int i = 0; i < count; ++i) {
    const float in = cifg ? 1.0f - forget_gate[i] : input_gate[i];
    cell_state[i] = forget_gate[i] * cell_state[i] + cell_gate[i] * in;
  }
  if (clip > 0.0f) {
    for (int i = 0; i < count; ++i) {
      cell_state[i] = ApplyActivation(cell_state[i], -clip, clip);
    }
  }
}

// ---------------------------------------------------------------- hybrid

bool IsZero(const float* values, int count) {
  for (int i = 0; i < count; ++i) {
    if (values[i] != 0.0f) return false;
  }
  return true;
}

// Quantizes each of `n_batch` rows of `n` floats to int8, symmetrically
// (scale = max|x| / 127) or asymmetrically (over [min(x, 0), max(x, 0)] with
// a nudged zero point), as TFLite's hybrid kernels do.
void QuantizeRows(const float* values, int n_batch, int n, bool asymmetric,
                  int8_t* quantized, float* scales, int32_t* zero_points) {
  for (int b = 0; b < n_batch; ++b, values += n, quantized += n) {
    float lo = values[0], hi = values[0];
    for (int i = 1; i < n; ++i) {
      lo = values[i] < lo ? values[i] : lo;
      hi = values[i] > hi ? values[i] : hi;
    }
    if (!asymmetric) {
      const float lo_abs = std::fabs(lo), hi_abs = std::fabs(hi);
      const float range = lo_abs > hi_abs ? lo_abs : hi_abs;
      if (range == 0.0f) {
        memset(quantized, 0, n);
        scales[b] = 1.0f;
        continue;
      }
      scales[b] = range / 127;
      const float inverse = 127 / range;
      for (int i = 0; i < n; ++i) {
        const int32_t q = TruncateToInt32(std::round(values[i] * inverse));
        quantized[i] = static_cast<int8_t>(q > 127 ? 127 : (q < -127 ? -127 : q));
      }
      continue;
    }
    const double rmin = lo < 0.0f ? lo : 0.0f;
    const double rmax = hi > 0.0f ? hi : 0.0f;
    if (rmin == rmax) {
      memset(quantized, 0, n);
      scales[b] = 1.0f;
      zero_points[b] = 0;
      continue;
    }
    const double scale = (rmax - rmin) / 255.0;
    const double from_min = -128.0 - rmin / scale;
    const double from_max = 127.0 - rmax / scale;
    const double from_min_error = 128.0 + std::fabs(rmin / scale);
    const double from_max_error = 127.0 + std::fabs(rmax / scale);
    const double zero_point = from_min_error < from_max_error ? from_min : from_max;
    int32_t nudged = 0;
    if (!(zero_point > -128.0)) {  // NaN too (from non-finite inputs)
      nudged = -128;
    } else if (zero_point >= 127.0) {
      nudged = 127;
    } else {
      nudged = static_cast<int8_t>(std::round(zero_point));
    }
    scales[b] = static_cast<float>(scale);
    zero_points[b] = nudged;
    const float inverse = 1.0f / scales[b];
    for (int i = 0; i < n; ++i) {
      const int32_t q = TruncateToInt32(std::round(nudged + values[i] * inverse));
      quantized[i] = static_cast<int8_t>(q > 127 ? 127 : (q < -128 ? -128 : q));
    }
  }
}

// out[b, r] += (matrix[r, :] . q[b, :] - row_sums[r] * zp[b]) * scale[b] *
// matrix_scale, with zero_points == nullptr for symmetric rows.
void MatVecAccumulateHybrid(const int8_t* matrix, float matrix_scale, int rows,
                            int cols, const int8_t* quantized,
                            const float* row_scales, const int32_t* zero_points,
                            const int32_t* row_sums, int n_batch,
                            float* product_scales, float* out) {
  for (int b = 0; b < n_batch; ++b) product_scales[b] = row_scales[b] * matrix_scale;
  for (int b = 0; b < n_batch; ++b) {
    const int8_t* v = quantized + b * cols;
    float* o = out + b * rows;
    const float scale = product_scales[b];
    const int32_t offset = zero_points != nullptr ? zero_points[b] : 0;
    for (int r = 0; r < rows; ++r) {
      int32_t dot = DotInt8(matrix + r * cols, v, cols);
      if (zero_points != nullptr) dot -= row_sums[r] * offset;
      o[r] += dot * scale;
    }
  }
}

void GateHybrid(const LstmSizes& s, const LstmHybridWeights& w, int g,
                int n_batch, bool input_is_zero, bool state_is_zero,
                const float* cell_state, bool sigmoid,
                const LstmHybridScratch& scratch, float* gate) {
  const int n_cell = s.n_cell;
  const bool layer_norm = w.layer_norm[g] != nullptr;
  for (int b = 0; b < n_batch; ++b) {
    float* row = gate + b * n_cell;
    if (layer_norm) {
      for (int c = 0; c < n_cell; ++c) row[c] = 0.0f;
    } else {
      memcpy(row, w.bias[g], sizeof(float) * n_cell);
    }
  }
  if (!input_is_zero) {
    MatVecAccumulateHybrid(w.input_to_gate[g], w.input_to_gate_scale[g], n_cell,
                           s.n_input, scratch.quantized_input, scratch.row_scales,
                           w.asymmetric ? scratch.row_zero_points : nullptr,
                           w.input_row_sums[g], n_batch, scratch.product_scales,
                           gate);
  }
  if (!state_is_zero) {
    MatVecAccumulateHybrid(w.recurrent_to_gate[g], w.recurrent_to_gate_scale[g],
                           n_cell, s.n_output, scratch.quantized_state,
                           scratch.row_scales + n_batch,
                           w.asymmetric ? scratch.row_zero_points + n_batch : nullptr,
                           w.recurrent_row_sums[g], n_batch, scratch.product_scales,
                           gate);
  }
  if (w.cell_to_gate[g] != nullptr) {
    const int8_t* peephole = w.cell_to_gate[g];
    const float scale = w.cell_to_gate_scale[g];
    for (int b = 0; b < n_batch; ++b) {
      const float* c_row = cell_state + b * n_cell;
      float* row = gate + b * n_cell;
      for (int c = 0; c < n_cell; ++c) row[c] += (scale * peephole[c]) * c_row[c];
    }
  }
  if (layer_norm) {
    NormalizeRowsFloat(gate, n_cell, n_batch);
    for (int b = 0; b < n_batch; ++b) {
      float* row = gate + b * n_cell;
      for (int c = 0; c < n_cell; ++c) {
        row[c] = row[c] * w.layer_norm[g][c] + w.bias[g][c];
      }
    }
  }
  if (sigmoid) {
    SigmoidFloat(gate, n_batch * n_cell);
  } else {
    ActivateFloat(w.activation, gate, n_batch * n_cell);
  }
}

// ---------------------------------------------------------------- integer

template <typename T>
inline T Saturate(int32_t x) {
  constexpr int32_t lo = std::numeric_limits<T>::min();
  constexpr int32_t hi = std::numeric_limits<T>::max();
  return static_cast<T>(x < lo ? lo : (x > hi ? hi : x));
}

#if defined(__SSE2__)
inline __m128i WidenLow(__m128i x) { return _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8); }
inline __m128i WidenHigh(__m128i x) { return _mm_srai_epi16(_mm_unpackhi_epi8(x, x), 8); }

// [sum of a's lanes, sum of b's, sum of c's, sum of d's]
inline __m128i HorizontalSums(__m128i a, __m128i b, __m128i c, __m128i d) {
  const __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
  const __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
  return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

// bias[k] + m[k, :] . v for the four rows k of `m` ([4, cols]): int8 values
// sign-extended to int16, eight products summed pairwise per pmaddwd.
inline __m128i DotFourRows(const int8_t* m, int cols, const int8_t* v, const int32_t* bias) {
  __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
  __m128i* s[4] = {&s0, &s1, &s2, &s3};
  int c = 0;
  for (; c + 16 <= cols; c += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v + c));
    const __m128i x_lo = WidenLow(x), x_hi = WidenHigh(x);
    for (int k = 0; k < 4; ++k) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(m + k * cols + c));
      *s[k] = _mm_add_epi32(*s[k], _mm_add_epi32(_mm_madd_epi16(WidenLow(w), x_lo),
                                                 _mm_madd_epi16(WidenHigh(w), x_hi)));
    }
  }
  for (; c + 8 <= cols; c += 8) {
    const __m128i x_lo = WidenLow(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(v + c)));
    for (int k = 0; k < 4; ++k) {
      const __m128i w = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m + k * cols + c));
      *s[k] = _mm_add_epi32(*s[k], _mm_madd_epi16(WidenLow(w), x_lo));
    }
  }
  int32_t tail[4] = {0, 0, 0, 0};
  for (; c < cols; ++c) {
    for (int k = 0; k < 4; ++k) tail[k] += static_cast<int32_t>(v[c]) * m[k * cols + c];
  }
  return _mm_add_epi32(
      _mm_add_epi32(HorizontalSums(s0, s1, s2, s3),
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(bias)));
}

// MultiplyByQuantizedMultiplier of four lanes by one multiplier (> 0). The
// rounded high half (x * m + 2^30) >> 31 comes from unsigned 32x32->64
// products: reading a negative x as unsigned adds m * 2^32 to the product,
// which is 2m after the shift.
inline __m128i MultiplyByQuantizedMultiplier4(__m128i x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  x = _mm_sll_epi32(x, _mm_cvtsi32_si128(left_shift));
  const __m128i m = _mm_set1_epi32(multiplier);
  const __m128i round = _mm_set_epi32(0, 1 << 30, 0, 1 << 30);
  const __m128i even = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epu32(x, m), round), 31);
  const __m128i odd =
      _mm_srli_epi64(_mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64(x, 32), m), round), 31);
  const __m128i low_halves = _mm_set_epi32(0, -1, 0, -1);
  __m128i high = _mm_or_si128(_mm_and_si128(even, low_halves), _mm_slli_epi64(odd, 32));
  high = _mm_sub_epi32(high, _mm_and_si128(_mm_srai_epi32(x, 31), _mm_add_epi32(m, m)));
  // RoundingDivideByPOT(high, right_shift)
  const int32_t mask = static_cast<int32_t>((1ll << right_shift) - 1);
  const __m128i remainder = _mm_and_si128(high, _mm_set1_epi32(mask));
  const __m128i threshold = _mm_sub_epi32(_mm_set1_epi32(mask >> 1), _mm_srai_epi32(high, 31));
  return _mm_sub_epi32(_mm_sra_epi32(high, _mm_cvtsi32_si128(right_shift)),
                       _mm_cmpgt_epi32(remainder, threshold));
}

// out[0..3] = saturate(out[0..3] + sums)
inline void AccumulateSaturating4(__m128i sums, int16_t* out) {
  const __m128i o = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(out));
  const __m128i total = _mm_add_epi32(sums, _mm_srai_epi32(_mm_unpacklo_epi16(o, o), 16));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi32(total, total));
}

inline void AccumulateSaturating4(__m128i sums, int8_t* out) {
  int32_t o[4] = {out[0], out[1], out[2], out[3]};
  const __m128i total =
      _mm_add_epi32(sums, _mm_loadu_si128(reinterpret_cast<const __m128i*>(o)));
  const __m128i narrow = _mm_packs_epi32(total, total);
  const int32_t packed = _mm_cvtsi128_si32(_mm_packs_epi16(narrow, narrow));
  memcpy(out, &packed, 4);
}
#endif  // __SSE2__

// out[b, r] = saturate(out[b, r] + zero_point +
//                      rescale(bias[r] + matrix[r, :] . vectors[b, :]))
template <typename Out>
void MatVecAccumulateInt8(const int8_t* matrix, const int32_t* bias, int rows,
                          int cols, const int8_t* vectors, int n_batch,
                          int32_t multiplier, int shift, int32_t zero_point,
                          Out* out) {
  for (int b = 0; b < n_batch; ++b) {
    const int8_t* v = vectors + b * cols;
    Out* o = out + b * rows;
    int r = 0;
    // Four rows at a time: the gate matrices are small (cols ~ 8..64), so
    // sharing each input element across rows beats a dot product's set-up
    // per row.
#if defined(__SSE2__)
    for (; r + 4 <= rows; r += 4) {
      const __m128i acc = DotFourRows(matrix + r * cols, cols, v, bias + r);
      AccumulateSaturating4(
          _mm_add_epi32(MultiplyByQuantizedMultiplier4(acc, multiplier, shift),
                        _mm_set1_epi32(zero_point)),
          o + r);
    }
#else
    for (; r + 4 <= rows; r += 4) {
      const int8_t* m = matrix + r * cols;
      int32_t a0 = bias[r], a1 = bias[r + 1], a2 = bias[r + 2], a3 = bias[r + 3];
      for (int c = 0; c < cols; ++c) {
        const int32_t x = v[c];
        a0 += x * m[c];
        a1 += x * m[cols + c];
        a2 += x * m[2 * cols + c];
        a3 += x * m[3 * cols + c];
      }
      const int32_t acc[4] = {a0, a1, a2, a3};
      for (int k = 0; k < 4; ++k) {
        o[r + k] = Saturate<Out>(MultiplyByQuantizedMultiplier(acc[k], multiplier, shift) +
                                 zero_point + o[r + k]);
      }
    }
#endif
    for (; r < rows; ++r) {
      const int32_t acc = bias[r] + DotInt8(matrix + r * cols, v, cols);
      o[r] = Saturate<Out>(MultiplyByQuantizedMultiplier(acc, multiplier, shift) +
                           zero_point + o[r]);
    }
  }
}

void LayerNormInteger(const int16_t* coefficients, const int32_t* bias,
                      int32_t multiplier, int shift, int32_t variance_guard,
                      int n, int n_batch, int16_t* values) {
  constexpr int32_t kTwoToThe20 = 1 << 20;
  for (int b = 0; b < n_batch; ++b, values += n) {
    int64_t sum = 0;
    int64_t sum_sq = 0;
    for (int i = 0; i < n; ++i) {
      const int32_t v = values[i];
      sum += v;
      sum_sq += v * v;
    }
    const int32_t mean = static_cast<int32_t>(sum * 1024 / n);
    const int64_t variance =
        sum_sq * (kTwoToThe20 / n) - static_cast<int64_t>(mean) * mean;
    int32_t variance_q = static_cast<int32_t>(variance / kTwoToThe20);
    if (variance_q < 1) variance_q = variance_guard;
    int32_t inv_multiplier;
    int inv_shift;
    LstmInverseSqrtMultiplier(variance_q, &inv_multiplier, &inv_shift);
    for (int i = 0; i < n; ++i) {
      const int32_t shifted = 1024 * static_cast<int32_t>(values[i]) - mean;
      const int32_t rescaled =
          MultiplyByQuantizedMultiplier(shifted, inv_multiplier, inv_shift);
      // The reference forms this product and sum in 32 bits (wrapping).
      const int64_t weighted = static_cast<int32_t>(
          static_cast<uint32_t>(rescaled) * static_cast<uint32_t>(
                                                static_cast<int32_t>(coefficients[i])) +
          static_cast<uint32_t>(bias[i]));
      const int32_t rounded = static_cast<int32_t>(
          (weighted > 0 ? weighted + 512 : weighted - 512) / 1024);
      values[i] = Saturate<int16_t>(
          MultiplyByQuantizedMultiplier(rounded, multiplier, shift + 12));
    }
  }
}

template <int kIntegerBits>
void TanhOfCellFixed(const int16_t* cell, int count, int16_t* out) {
  for (int i = 0; i < count; ++i) out[i] = lstm_fixed_point::Tanh<kIntegerBits>(cell[i]);
}

// tanh of the cell state read with `integer_bits` (0..6, checked at prepare).
void TanhOfCell(int integer_bits, const int16_t* cell, int count, int16_t* out) {
#if TFLM_LSTM_ACTIVATION_TABLES
  lstm_fixed_point::Lookup(lstm_fixed_point::TanhTable(integer_bits), cell, count, out);
#else
  switch (integer_bits) {
    case 0: return TanhOfCellFixed<0>(cell, count, out);
    case 1: return TanhOfCellFixed<1>(cell, count, out);
    case 2: return TanhOfCellFixed<2>(cell, count, out);
    case 3: return TanhOfCellFixed<3>(cell, count, out);
    case 4: return TanhOfCellFixed<4>(cell, count, out);
    case 5: return TanhOfCellFixed<5>(cell, count, out);
    default: return TanhOfCellFixed<6>(cell, count, out);
  }
#endif
}

// Gate activations, in place: Q3.12 in, Q0.15 out.
void GateActivation(bool tanh_activation, int16_t* gate, int count) {
#if TFLM_LSTM_ACTIVATION_TABLES
  lstm_fixed_point::Lookup(tanh_activation ? lstm_fixed_point::TanhTable(3)
                                           : lstm_fixed_point::GateLogisticTable(),
                           gate, count, gate);
#else
  if (tanh_activation) {
    for (int i = 0; i < count; ++i) gate[i] = lstm_fixed_point::Tanh<3>(gate[i]);
  } else {
    for (int i = 0; i < count; ++i) gate[i] = lstm_fixed_point::Logistic<3>(gate[i]);
  }
#endif
}

void GateInteger(const LstmSizes& s, const LstmIntegerWeights& w, int g,
                 int n_batch, const int8_t* input, const int8_t* output_state,
                 const int16_t* cell_state, bool tanh_activation,
                 int16_t* gate) {
  const int n_cell = s.n_cell;
  const LstmGateQuant& q = w.gate[g];
  for (int i = 0; i < n_batch * n_cell; ++i) gate[i] = 0;
  MatVecAccumulateInt8<int16_t>(w.input_to_gate[g], q.input_effective_bias, n_cell,
                                s.n_input, input, n_batch, q.input_multiplier,
                                q.input_shift, 0, gate);
  MatVecAccumulateInt8<int16_t>(w.recurrent_to_gate[g], q.recurrent_effective_bias,
                                n_cell, s.n_output, output_state, n_batch,
                                q.recurrent_multiplier, q.recurrent_shift, 0, gate);
  if (w.cell_to_gate[g] != nullptr) {
    const int16_t* peephole = w.cell_to_gate[g];
    for (int b = 0; b < n_batch; ++b) {
      const int16_t* c_row = cell_state + b * n_cell;
      int16_t* row = gate + b * n_cell;
      for (int c = 0; c < n_cell; ++c) {
        const int32_t product = static_cast<int32_t>(peephole[c]) * c_row[c];
        row[c] = Saturate<int16_t>(
            MultiplyByQuantizedMultiplier(product, q.cell_multiplier, q.cell_shift) +
            row[c]);
      }
    }
  }
  if (w.layer_norm[g] != nullptr) {
    LayerNormInteger(w.layer_norm[g], w.bias[g], q.layer_norm_multiplier,
                     q.layer_norm_shift, q.variance_guard, n_cell, n_batch, gate);
  }
  GateActivation(tanh_activation, gate, n_batch * n_cell);
}

// ---------------------------------------------------------------- integer,
// upstream TFLM's arithmetic (see LstmTflmQuant)

#if TFLM_LSTM_ACTIVATION_TABLES
// TFLM's gate activations for every int16 input (hosts only, built once per
// process like lstm_fixed_point's tables, from the same functions).
template <bool kTanh>
const lstm_fixed_point::ActivationTable& TflmGateTable() {
  struct Filled : lstm_fixed_point::ActivationTable {
    Filled() {
      for (int i = 0; i < 65536; ++i) {
        const int16_t x = static_cast<int16_t>(i - 32768);
        values[i] = kTanh ? TanhInt16(x, 3, 0, 0) : LogisticInt16(x, 3, 0, 0);
      }
    }
  };
  static const Filled table;
  return table;
}
#endif

// gate = activation(sat16(sat16(FC(input)) + sat16(FC(output_state)))); the
// input FC's effective bias carries the gate bias. `recurrent`: scratch.
void GateTflm(const LstmSizes& s, const LstmIntegerWeights& w, int g, int n_batch,
              const int8_t* input, const int8_t* output_state, bool tanh_activation,
              int16_t* gate, int16_t* recurrent) {
  const int n_cell = s.n_cell;
  const int count = n_batch * n_cell;
  const LstmGateQuant& q = w.gate[g];
  for (int i = 0; i < count; ++i) gate[i] = 0;
  for (int i = 0; i < count; ++i) recurrent[i] = 0;
  MatVecAccumulateInt8<int16_t>(w.input_to_gate[g], q.input_effective_bias, n_cell,
                                s.n_input, input, n_batch, q.input_multiplier,
                                q.input_shift, 0, gate);
  MatVecAccumulateInt8<int16_t>(w.recurrent_to_gate[g], q.recurrent_effective_bias,
                                n_cell, s.n_output, output_state, n_batch,
                                q.recurrent_multiplier, q.recurrent_shift, 0, recurrent);
  // int16 LOGISTIC / TANH of Q3.12 values: input multiplier 3, no shift.
#if TFLM_LSTM_ACTIVATION_TABLES
  const int16_t* table =
      (tanh_activation ? TflmGateTable<true>() : TflmGateTable<false>()).values + 32768;
  for (int i = 0; i < count; ++i) gate[i] = table[Saturate<int16_t>(gate[i] + recurrent[i])];
#else
  if (tanh_activation) {
    for (int i = 0; i < count; ++i) {
      gate[i] = TanhInt16(Saturate<int16_t>(gate[i] + recurrent[i]), 3, 0, 0);
    }
  } else {
    for (int i = 0; i < count; ++i) {
      gate[i] = LogisticInt16(Saturate<int16_t>(gate[i] + recurrent[i]), 3, 0, 0);
    }
  }
#endif
}

void LstmStepIntegerTflm(const LstmSizes& s, const LstmIntegerWeights& w,
                         int n_batch, const int8_t* input, int8_t* output_state,
                         int16_t* cell_state, int8_t* output, int16_t* scratch16) {
  const LstmTflmQuant& t = *w.tflm;
  const int count = n_batch * s.n_cell;
  int16_t* forget_gate = scratch16;
  int16_t* input_gate = scratch16 + count;
  int16_t* cell_gate = scratch16 + 2 * count;
  int16_t* recurrent = scratch16 + 3 * count;
  GateTflm(s, w, kLstmForgetGate, n_batch, input, output_state, false, forget_gate,
           recurrent);
  GateTflm(s, w, kLstmInputGate, n_batch, input, output_state, false, input_gate,
           recurrent);
  GateTflm(s, w, kLstmCellGate, n_batch, input, output_state, true, cell_gate,
           recurrent);
  for (int i = 0; i < count; ++i) {
    const int16_t kept = Saturate<int16_t>(MultiplyByQuantizedMultiplier(
        static_cast<int32_t>(forget_gate[i]) * cell_state[i], t.forget_cell_multiplier,
        t.forget_cell_shift));
    const int16_t added = Saturate<int16_t>(MultiplyByQuantizedMultiplier(
        static_cast<int32_t>(input_gate[i]) * cell_gate[i], t.input_cell_multiplier,
        t.input_cell_shift));
    cell_state[i] = lstm_fixed_point::SaturatingAdd(kept, added);
  }
  if (t.clip) {
    const int16_t hi = t.quantized_cell_clip;
    const int16_t lo = static_cast<int16_t>(-hi);
    for (int i = 0; i < count; ++i) {
      cell_state[i] = cell_state[i] > hi ? hi : (cell_state[i] < lo ? lo : cell_state[i]);
    }
  }
  int16_t* output_gate = input_gate;  // dead after the cell update
  GateTflm(s, w, kLstmOutputGate, n_batch, input, output_state, false, output_gate,
           recurrent);
  // Without projection n_output == n_cell: h is written in place.
  for (int i = 0; i < count; ++i) {
    const int16_t tanh_cell =
        TanhInt16(cell_state[i], t.tanh_multiplier, t.tanh_shift, t.tanh_round);
    const int32_t product = static_cast<int32_t>(tanh_cell) * output_gate[i];
    output_state[i] = Saturate<int8_t>(
        MultiplyByQuantizedMultiplier(product, t.hidden_multiplier, t.hidden_shift) +
        t.hidden_zero_point);
  }
  memcpy(output, output_state, count);
}

}  // namespace

void LstmStepFloat(const LstmSizes& s, const LstmFloatWeights& w, int n_batch,
                   const float* input, float* output_state, float* cell_state,
                   float* output, float* scratch) {
  const int count = n_batch * s.n_cell;
  float* input_gate = scratch;
  float* forget_gate = scratch + count;
  float* cell_gate = scratch + 2 * count;
  float* output_gate = scratch + 3 * count;
  const bool cifg = w.input_to_gate[kLstmInputGate] == nullptr;
  if (!cifg) {
    GateFloat(s, w, kLstmInputGate, n_batch, input, output_state, cell_state,
              true, input_gate);
  }
  GateFloat(s, w, kLstmForgetGate, n_batch, input, output_state, cell_state,
            true, forget_gate);
  GateFloat(s, w, kLstmCellGate, n_batch, input, output_state, cell_state,
            false, cell_gate);
  UpdateCellFloat(input_gate, forget_gate, cell_gate, cifg, w.cell_clip, count,
                  cell_state);
  GateFloat(s, w, kLstmOutputGate, n_batch, input, output_state, cell_state,
            true, output_gate);
  // h = o * act(c), then the optional projection.
  float* hidden = cell_gate;
  for (int i = 0; i < count; ++i) hidden[i] = cell_state[i];
  ActivateFloat(w.activation, hidden, count);
  for (int i = 0; i < count; ++i) hidden[i] *= output_gate[i];
  const int n_out = n_batch * s.n_output;
  if (w.projection != nullptr) {
    for (int b = 0; b < n_batch; ++b) {
      float* row = output_state + b * s.n_output;
      for (int r = 0; r < s.n_output; ++r) {
        row[r] = w.projection_bias != nullptr ? w.projection_bias[r] : 0.0f;
      }
    }
    MatVecAccumulateFloat(w.projection, s.n_output, s.n_cell, hidden, n_batch,
                          output_state);
    if (w.proj_clip > 0.0f) {
      for (int i = 0; i < n_out; ++i) {
        output_state[i] = ApplyActivation(output_state[i], -w.proj_clip, w.proj_clip);
      }
    }
  } else {
    memcpy(output_state, hidden, sizeof(float) * n_out);
  }
  memcpy(output, output_state, sizeof(float) * n_out);
}

void LstmStepHybrid(const LstmSizes& s, const LstmHybridWeights& w, int n_batch,
                    const float* input, float* output_state, float* cell_state,
                    float* output, const LstmHybridScratch& scratch) {
  const int count = n_batch * s.n_cell;
  float* input_gate = scratch.gates;
  float* forget_gate = scratch.gates + count;
  float* cell_gate = scratch.gates + 2 * count;
  float* output_gate = scratch.gates + 3 * count;
  const bool cifg = w.input_to_gate[kLstmInputGate] == nullptr;
  // All-zero rows are skipped (quantizing them would give exact zeros).
  const bool input_is_zero = IsZero(input, n_batch * s.n_input);
  const bool state_is_zero = IsZero(output_state, n_batch * s.n_output);
  if (!input_is_zero) {
    QuantizeRows(input, n_batch, s.n_input, w.asymmetric, scratch.quantized_input,
                 scratch.row_scales, scratch.row_zero_points);
  }
  if (!state_is_zero) {
    QuantizeRows(output_state, n_batch, s.n_output, w.asymmetric,
                 scratch.quantized_state, scratch.row_scales + n_batch,
                 scratch.row_zero_points + n_batch);
  }
  if (!cifg) {
    GateHybrid(s, w, kLstmInputGate, n_batch, input_is_zero, state_is_zero,
               cell_state, true, scratch, input_gate);
  }
  GateHybrid(s, w, kLstmForgetGate, n_batch, input_is_zero, state_is_zero,
             cell_state, true, scratch, forget_gate);
  GateHybrid(s, w, kLstmCellGate, n_batch, input_is_zero, state_is_zero,
             cell_state, false, scratch, cell_gate);
  UpdateCellFloat(input_gate, forget_gate, cell_gate, cifg, w.cell_clip, count,
                  cell_state);
  GateHybrid(s, w, kLstmOutputGate, n_batch, input_is_zero, state_is_zero,
             cell_state, true, scratch, output_gate);
  float* hidden = cell_gate;
  for (int i = 0; i < count; ++i) hidden[i] = cell_state[i];
  ActivateFloat(w.activation, hidden, count);
  for (int i = 0; i < count; ++i) hidden[i] = output_gate[i] * hidden[i];
  const int n_out = n_batch * s.n_output;
  if (w.projection != nullptr) {
    for (int b = 0; b < n_batch; ++b) {
      float* row = output_state + b * s.n_output;
      for (int r = 0; r < s.n_output; ++r) {
        row[r] = w.projection_bias != nullptr ? w.projection_bias[r] : 0.0f;
      }
    }
    if (!IsZero(hidden, count)) {
      float* scales = scratch.row_scales + 2 * n_batch;
      int32_t* zero_points = scratch.row_zero_points + 2 * n_batch;
      QuantizeRows(hidden, n_batch, s.n_cell, w.asymmetric, scratch.quantized_hidden,
                   scales, zero_points);
      MatVecAccumulateHybrid(w.projection, w.projection_scale, s.n_output, s.n_cell,
                             scratch.quantized_hidden, scales,
                             w.asymmetric ? zero_points : nullptr,
                             w.projection_row_sums, n_batch, scratch.product_scales,
                             output_state);
    }
    if (w.proj_clip > 0.0f) {
      for (int i = 0; i < n_out; ++i) {
        output_state[i] = ApplyActivation(output_state[i], -w.proj_clip, w.proj_clip);
      }
    }
  } else {
    memcpy(output_state, hidden, sizeof(float) * n_out);
  }
  memcpy(output, output_state, sizeof(float) * n_out);
}

void LstmStepInteger(const LstmSizes& s, const LstmIntegerWeights& w,
                     int n_batch, const int8_t* input, int8_t* output_state,
                     int16_t* cell_state, int8_t* output, int16_t* scratch16,
                     int8_t* scratch8) {
  if (w.follow_tflm) {
    LstmStepIntegerTflm(s, w, n_batch, input, output_state, cell_state, output, scratch16);
    return;
  }
  const int count = n_batch * s.n_cell;
  int16_t* input_gate = scratch16;
  int16_t* forget_gate = scratch16 + count;
  int16_t* cell_gate = scratch16 + 2 * count;
  int16_t* output_gate = scratch16 + 3 * count;
  const bool cifg = w.input_to_gate[kLstmInputGate] == nullptr;
  if (!cifg) {
    GateInteger(s, w, kLstmInputGate, n_batch, input, output_state, cell_state,
                false, input_gate);
  }
  GateInteger(s, w, kLstmForgetGate, n_batch, input, output_state, cell_state,
              false, forget_gate);
  GateInteger(s, w, kLstmCellGate, n_batch, input, output_state, cell_state,
              true, cell_gate);
  // c = f * c + i * g, with f, i, g in Q0.15 and c in Q(-cell_scale_log2).
  const int input_times_cell_shift = 30 + w.cell_scale_log2;
  for (int i = 0; i < count; ++i) {
    const int32_t kept = RoundingDivideByPOT(
        static_cast<int32_t>(forget_gate[i]) * cell_state[i], 15);
    const int32_t in = cifg ? lstm_fixed_point::kInt16Max - forget_gate[i]
                            : static_cast<int32_t>(input_gate[i]);
    // The reference narrows each term to int16 before the saturating sum.
    const int16_t kept16 = static_cast<int16_t>(kept);
    const int16_t added16 = static_cast<int16_t>(RoundingDivideByPOT(
        static_cast<int32_t>(static_cast<int16_t>(in)) * cell_gate[i],
        input_times_cell_shift));
    cell_state[i] = lstm_fixed_point::SaturatingAdd(kept16, added16);
  }
  if (w.quantized_cell_clip > 0) {
    const int16_t clip = w.quantized_cell_clip;
    for (int i = 0; i < count; ++i) {
      cell_state[i] = cell_state[i] > clip ? clip
                                           : (cell_state[i] < -clip ? -clip : cell_state[i]);
    }
  }
  GateInteger(s, w, kLstmOutputGate, n_batch, input, output_state, cell_state,
              false, output_gate);
  // h = o * tanh(c): tanh reads the cell state with 15 + log2(scale)
  // integer bits (checked to be 0..6 at prepare).
  int16_t* tanh_cell = input_gate;  // the input gate is dead by now
  const int cell_integer_bits = 15 + w.cell_scale_log2;
  TanhOfCell(cell_integer_bits, cell_state, count, tanh_cell);
  const bool projection = w.projection != nullptr;
  // With projection the reference subtracts the hidden zero point here (and
  // adds zero_point * row sums back through the projection's bias).
  const int32_t hidden_zp = projection ? -w.hidden_zero_point : w.hidden_zero_point;
  int8_t* hidden = projection ? scratch8 : output_state;
  for (int i = 0; i < count; ++i) {
    const int32_t product = static_cast<int32_t>(output_gate[i]) * tanh_cell[i];
    hidden[i] = Saturate<int8_t>(
        MultiplyByQuantizedMultiplier(product, w.hidden_multiplier, w.hidden_shift) +
        hidden_zp);
  }
  const int n_out = n_batch * s.n_output;
  if (projection) {
    for (int i = 0; i < n_out; ++i) output_state[i] = 0;
    MatVecAccumulateInt8<int8_t>(w.projection, w.projection_effective_bias,
                                 s.n_output, s.n_cell, hidden, n_batch,
                                 w.projection_multiplier, w.projection_shift,
                                 w.output_state_zero_point, output_state);
    if (w.quantized_proj_clip > 0) {
      const int8_t clip = w.quantized_proj_clip;
      for (int i = 0; i < n_out; ++i) {
        output_state[i] = output_state[i] > clip
                              ? clip
                              : (output_state[i] < -clip ? static_cast<int8_t>(-clip)
                                                         : output_state[i]);
      }
    }
  }
  memcpy(output, output_state, n_out);
}

void LstmPrepareIntegerActivations(int cell_scale_log2, bool follow_tflm) {
#if TFLM_LSTM_ACTIVATION_TABLES
  if (follow_tflm) {
    TflmGateTable<false>();
    TflmGateTable<true>();
    return;
  }
  lstm_fixed_point::GateLogisticTable();
  lstm_fixed_point::TanhTable(3);
  lstm_fixed_point::TanhTable(15 + cell_scale_log2);
#else
  (void)cell_scale_log2;
  (void)follow_tflm;
#endif
}

void LstmInverseSqrtMultiplier(int32_t input, int32_t* multiplier, int* shift) {
  if (input <= 1) {
    *multiplier = 0x7FFFFFFF;
    *shift = 0;
    return;
  }
  int right_shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++right_shift;
  }
  int leading_zeros = 0;
  for (uint32_t v = static_cast<uint32_t>(input); (v & 0x80000000u) == 0; v <<= 1) {
    ++leading_zeros;
  }
  const int pairs = (leading_zeros - 1) / 2 - 1;
  right_shift -= pairs;
  input <<= 2 * pairs;
  // Newton-Raphson for 1/sqrt in Q3.28, starting from 1.
  auto mul_pot = [](int32_t x, int exponent) -> int32_t {
    const int32_t threshold = static_cast<int32_t>((1u << (31 - exponent)) - 1);
    if (x > threshold) return 0x7FFFFFFF;
    if (x < -threshold) return static_cast<int32_t>(0x80000000u);
    return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
  };
  const int32_t half_input = RoundingDivideByPOT(input >> 1, 1);
  const int32_t three_halves = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = mul_pot(SaturatingRoundingDoublingHighMul(
                                   SaturatingRoundingDoublingHighMul(x, x), x),
                               6);
    x = mul_pot(static_cast<int32_t>(
                    static_cast<uint32_t>(SaturatingRoundingDoublingHighMul(three_halves, x)) -
                    static_cast<uint32_t>(SaturatingRoundingDoublingHighMul(half_input, x3))),
                3);
  }
  x = SaturatingRoundingDoublingHighMul(x, 1518500250);  // * sqrt(2) / 2
  if (right_shift < 0) {
    x = static_cast<int32_t>(static_cast<uint32_t>(x) << -right_shift);
    right_shift = 0;
  }
  *multiplier = x;
  *shift = -right_shift;
}

}  // namespace tflm
