// The matrix engine of the convolution family (CONV_2D, TRANSPOSE_CONV,
// FULLY_CONNECTED, BATCH_MATMUL): a row-by-row dot-product GEMM
//
//   out[r][n] = stage(r, n, sum_k a[r * lda + k] * w[n * ldw + k])
//
// where `a` holds activation rows (image patches, input rows) and `w` holds
// weight rows as TFLite stores them ([out_channels][k]; never copied into
// persistent memory, only rows shorter than kPadK are padded into scratch).
//
// Integer paths feed `a` as int16 rows that already had the input zero point
// subtracted (padding is then plain 0), so the inner loop is a pure integer
// dot product with int32 products; a block of 2 rows x 4 channels shares
// every load, and each finished row is requantized in one vectorizable pass
// (QuantizedStage::StoreRow). Float paths split each dot product over 8
// lanes so the inner loop needs no reassociation to vectorize (results differ
// from a sequential sum only by float rounding); short float dot products
// vectorize across rows instead (GemmSmallKFloat).
//
// Everything here is header-only templates; all pointers are borrowed for
// the duration of the call.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_CONV_GEMM_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_CONV_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {
namespace conv {

// Bytes of scratch a float kernel may use for one tile of packed rows. Small
// enough to stay in L1 next to a block of weights and to keep the arena
// modest.
constexpr int kTileBudgetBytes = 2048;
constexpr int kMaxTileRows = 32;

// Rows of `k` elements per packed tile (even, >= 2). Only the float GEMM
// reuses weights across a tile; the integer GEMM works on two rows at a
// time, so integer tiles are two rows.
inline int TileRows(int k, bool float_rows) {
  if (!float_rows) return 2;
  int rows = kTileBudgetBytes / (k > 0 ? k * static_cast<int>(sizeof(float)) : 1);
  if (rows > kMaxTileRows) rows = kMaxTileRows;
  rows &= ~1;
  return rows < 2 ? 2 : rows;
}

// ---------------------------------------------------------------- stages

// Requantizes integer accumulators per output channel (TFLite's per-channel
// reference arithmetic) and clamps to the activation range. `bias`,
// `multiplier`, `shift` are indexed by the stage's channel n.
//
// TScale is the accumulator width the multiplier is applied at (the int32
// and int64 forms of MultiplyByQuantizedMultiplier round differently). As
// TFLite's reference kernels: int16 convolutions rescale in the width of
// their bias (int64 or int32); int16 fully connected always rescales the sum
// truncated to int32.
//
// When `right_mult` is set (int32 accumulators, no channel with a left
// shift), right_mult[n] = 2^(31 - right_shift[n]) and StoreRow uses a form of
// the same arithmetic that vectorizes: both rounding steps are done on
// magnitudes with unsigned 32x32->64 products. (The gemmlowp rounding is
// symmetric in sign except for ties of the first step, which the
// `- negative` term reproduces.)
template <typename TOut, typename TAcc, typename TBias, typename TScale = TAcc>
struct QuantizedStage {
  using Acc = TAcc;
  TOut* out;
  int ldo;
  const TBias* bias;  // nullptr when the op has no bias
  const int32_t* multiplier;
  const int8_t* shift;
  const uint32_t* right_mult;  // nullptr: scalar requantization
  int32_t zero_point;
  int32_t act_min;
  int32_t act_max;
  // Requantize with one rounding step (fully connected; see
  // MultiplyByQuantizedMultiplierSingleRounding) instead of two.
  bool single_rounding;

  TAcc Bias(int n) const {
    // Model constants may sit at any alignment (int64 biases often do).
    TBias b;
    memcpy(&b, bias + n, sizeof(b));
    return static_cast<TAcc>(b);
  }

  void Store(int r, int n, TAcc acc) const {
    if (bias != nullptr) acc = WrappingAdd(acc, Bias(n));
    int32_t v;
    if constexpr (std::is_same<TScale, int32_t>::value) {
      v = single_rounding
              ? MultiplyByQuantizedMultiplierSingleRounding(
                    static_cast<int32_t>(acc), multiplier[n], shift[n])
              : MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc),
                                              multiplier[n], shift[n]);
    } else {
      v = MultiplyByQuantizedMultiplier(static_cast<TScale>(acc), multiplier[n],
                                        shift[n]);
    }
    v = WrappingAdd(v, zero_point);
    v = v < act_min ? act_min : (v > act_max ? act_max : v);
    out[r * ldo + n] = static_cast<TOut>(v);
  }

  // Stores output row `r` from `count` accumulators (channels 0..count-1).
  void StoreRow(int r, const TAcc* acc, int count) const {
    if constexpr (std::is_same<TAcc, int32_t>::value &&
                  std::is_same<TScale, int32_t>::value) {
      if (right_mult != nullptr && !single_rounding) {
        const uint32_t* m = reinterpret_cast<const uint32_t*>(multiplier);
        const uint32_t* s = right_mult;
        TOut* o = out + r * ldo;
        for (int n = 0; n < count; ++n) {
          const int32_t x = WrappingAdd(acc[n], bias != nullptr ? Bias(n) : 0);
          const uint32_t negative = x < 0 ? 1u : 0u;
          const uint32_t magnitude =
              negative != 0 ? 0u - static_cast<uint32_t>(x) : static_cast<uint32_t>(x);
          const uint32_t high = static_cast<uint32_t>(
              (static_cast<uint64_t>(magnitude) * m[n] + (1u << 30) - negative) >> 31);
          const uint32_t scaled = static_cast<uint32_t>(
              (static_cast<uint64_t>(high) * s[n] + (1u << 30)) >> 31);
          int32_t v = negative != 0 ? -static_cast<int32_t>(scaled)
                                    : static_cast<int32_t>(scaled);
          v += zero_point;
          v = v < act_min ? act_min : v;
          v = v > act_max ? act_max : v;
          o[n] = static_cast<TOut>(v);
        }
        return;
      }
    }
    for (int n = 0; n < count; ++n) Store(r, n, acc[n]);
  }

  // The same stage starting `rows` output rows and `channels` channels on.
  QuantizedStage Shifted(int rows, int channels) const {
    QuantizedStage s = *this;
    s.out += rows * ldo + channels;
    if (s.bias != nullptr) s.bias += channels;
    s.multiplier += channels;
    s.shift += channels;
    if (s.right_mult != nullptr) s.right_mult += channels;
    return s;
  }
};

struct FloatStage {
  using Acc = float;
  float* out;
  int ldo;
  const float* bias;  // nullptr when the op has no bias
  float act_min;
  float act_max;

  void Store(int r, int n, float acc) const {
    if (bias != nullptr) acc += bias[n];
    out[r * ldo + n] = ApplyActivation(acc, act_min, act_max);
  }
  void StoreRow(int r, const float* acc, int count) const {
    float* o = out + r * ldo;
    for (int n = 0; n < count; ++n) {
      const float v = acc[n] + (bias != nullptr ? bias[n] : 0.0f);
      o[n] = ApplyActivation(v, act_min, act_max);
    }
  }
  FloatStage Shifted(int rows, int channels) const {
    FloatStage s = *this;
    s.out += rows * ldo + channels;
    if (s.bias != nullptr) s.bias += channels;
    return s;
  }
};

// ---------------------------------------------------------------- kernels

// R rows x C channels of integer dot products. Products are formed in int32
// (int16 x int8 and int16 x int16 both fit) and summed in TAcc.
template <int R, int C, typename TA, typename TW, typename TAcc>
inline void DotBlockInt(const TA* a, int lda, const TW* w, int ldw, int k,
                        TAcc (&acc)[R][C]) {
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = 0;
  }
  for (int i = 0; i < k; ++i) {
    int32_t av[R];
    int32_t wv[C];
    for (int r = 0; r < R; ++r) av[r] = a[r * lda + i];
    for (int c = 0; c < C; ++c) wv[c] = w[c * ldw + i];
    for (int r = 0; r < R; ++r) {
      for (int c = 0; c < C; ++c) acc[r][c] += static_cast<TAcc>(av[r] * wv[c]);
    }
  }
}

#if defined(__SSE2__)
// DotBlockFloat<4> below in SSE registers: the same products and the same
// order of sums (so the same results), with the final reduction done for
// the four channels at once instead of lane by lane.
inline void DotBlockFloat4Sse(const float* a, const float* w, int ldw, int k,
                              float (&result)[4]) {
  __m128 lo[4], hi[4];  // lanes 0-3 and 4-7 of each channel
  for (int c = 0; c < 4; ++c) lo[c] = hi[c] = _mm_setzero_ps();
  const int k_main = k & ~7;
  for (int i = 0; i < k_main; i += 8) {
    const __m128 a_lo = _mm_loadu_ps(a + i);
    const __m128 a_hi = _mm_loadu_ps(a + i + 4);
    for (int c = 0; c < 4; ++c) {
      lo[c] = _mm_add_ps(lo[c], _mm_mul_ps(a_lo, _mm_loadu_ps(w + c * ldw + i)));
      hi[c] = _mm_add_ps(hi[c], _mm_mul_ps(a_hi, _mm_loadu_ps(w + c * ldw + i + 4)));
    }
  }
  // ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) per channel.
  __m128 h[4];
  for (int c = 0; c < 4; ++c) h[c] = _mm_add_ps(lo[c], hi[c]);
  constexpr int kEven = _MM_SHUFFLE(2, 0, 2, 0), kOdd = _MM_SHUFFLE(3, 1, 3, 1);
  const __m128 p01 = _mm_add_ps(_mm_shuffle_ps(h[0], h[1], kEven),
                                _mm_shuffle_ps(h[0], h[1], kOdd));
  const __m128 p23 = _mm_add_ps(_mm_shuffle_ps(h[2], h[3], kEven),
                                _mm_shuffle_ps(h[2], h[3], kOdd));
  _mm_storeu_ps(result, _mm_add_ps(_mm_shuffle_ps(p01, p23, kEven),
                                   _mm_shuffle_ps(p01, p23, kOdd)));
  for (int i = k_main; i < k; ++i) {
    for (int c = 0; c < 4; ++c) result[c] += a[i] * w[c * ldw + i];
  }
}
#endif

// One row x C channels of float dot products over 8 independent lanes.
template <int C>
inline void DotBlockFloat(const float* a, const float* w, int ldw, int k,
                          float (&result)[C]) {
#if defined(__SSE2__)
  if constexpr (C == 4) {
    DotBlockFloat4Sse(a, w, ldw, k, result);
    return;
  }
#endif
  constexpr int kLanes = 8;
  float acc[C][kLanes] = {};
  const int k_main = k & ~(kLanes - 1);
  for (int i = 0; i < k_main; i += kLanes) {
    // Keep the lane loop a loop: it is what the vectorizer widens.
#pragma GCC unroll 1
    for (int j = 0; j < kLanes; ++j) {
      const float av = a[i + j];
      for (int c = 0; c < C; ++c) acc[c][j] += av * w[c * ldw + i + j];
    }
  }
  for (int c = 0; c < C; ++c) {
    const float* l = acc[c];
    result[c] = ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]));
  }
  for (int i = k_main; i < k; ++i) {
    for (int c = 0; c < C; ++c) result[c] += a[i] * w[c * ldw + i];
  }
}

// R rows of all `cols` channels into acc[R][cols].
template <int R, typename TA, typename TW, typename TAcc>
inline void IntRows(const TA* a, int lda, const TW* w, int ldw, int cols, int k,
                    TAcc* acc) {
  int n = 0;
  for (; n + 4 <= cols; n += 4) {
    TAcc block[R][4];
    DotBlockInt<R, 4>(a, lda, w + n * ldw, ldw, k, block);
    for (int r = 0; r < R; ++r) {
      for (int c = 0; c < 4; ++c) acc[r * cols + n + c] = block[r][c];
    }
  }
  for (; n < cols; ++n) {
    TAcc block[R][1];
    DotBlockInt<R, 1>(a, lda, w + n * ldw, ldw, k, block);
    for (int r = 0; r < R; ++r) acc[r * cols + n] = block[r][0];
  }
}

constexpr size_t RoundUp8(size_t bytes) { return (bytes + 7) & ~static_cast<size_t>(7); }

// Bytes of the accumulator buffer Gemm needs for `cols` channels.
template <typename TAcc>
constexpr size_t GemmAccBytes(int cols) {
  return std::is_same<TAcc, float>::value ? 0 : 2 * sizeof(TAcc) * cols;
}

// Float dot products shorter than kSmallK (a first convolution over one
// channel, a pointwise convolution over 8 channels) would spend most of their
// time reducing lanes; GemmSmallKFloat instead transposes blocks of
// kSmallKRows rows into a stack tile and vectorizes across rows, one weight
// broadcast at a time (sums run in k order, as TFLite's). (For integers the
// same layout measured slower than padding short rows: see GemmPadded.)
constexpr int kSmallK = 16;
constexpr int kSmallKRows = 8;

template <typename Stage>
void GemmSmallKFloat(const float* a, int lda, int rows, const float* w, int ldw,
                     int cols, int k, const Stage& stage) {
  constexpr int R = kSmallKRows;
  for (int r0 = 0; r0 < rows; r0 += R) {
    const int rn = rows - r0 < R ? rows - r0 : R;
    float at[kSmallK][R];
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < R; ++j) at[i][j] = j < rn ? a[(r0 + j) * lda + i] : 0.0f;
    }
    for (int n = 0; n < cols; ++n) {
      const float* wn = w + n * ldw;
      float sum[R] = {};
      for (int i = 0; i < k; ++i) {
        const float wv = wn[i];
        // Keep the row loop a loop: it is what the vectorizer widens.
#pragma GCC unroll 1
        for (int j = 0; j < R; ++j) sum[j] += wv * at[i][j];
      }
      for (int j = 0; j < rn; ++j) stage.Store(r0 + j, n, sum[j]);
    }
  }
}

// Integer dot products shorter than kPadK (a first convolution over one
// channel, a pointwise convolution over 8 channels) run faster zero-padded to
// kPadK: the fixed length lets the compiler vectorize the whole product. The
// kernel pads both its packed rows and a copy of its weights (PadWeights).
constexpr int kPadK = 16;

// dst[n][i] = i < k ? w[n * k + i] : 0, for n < cols (dst: cols x kPadK).
template <typename TW>
inline void PadWeights(const TW* w, int cols, int k, int16_t* dst) {
  for (int n = 0; n < cols; ++n) {
    for (int i = 0; i < kPadK; ++i) dst[n * kPadK + i] = i < k ? w[n * k + i] : 0;
  }
}

// Gemm over rows and weight rows of exactly kPadK elements (see PadWeights).
template <typename Stage>
void GemmPadded(const int16_t* a, int rows, const int16_t* w, int cols,
                const Stage& stage, typename Stage::Acc* acc) {
  int r = 0;
  for (; r + 2 <= rows; r += 2) {
    IntRows<2>(a + r * kPadK, kPadK, w, kPadK, cols, kPadK, acc);
    stage.StoreRow(r, acc, cols);
    stage.StoreRow(r + 1, acc + cols, cols);
  }
  if (r < rows) {
    IntRows<1>(a + r * kPadK, kPadK, w, kPadK, cols, kPadK, acc);
    stage.StoreRow(r, acc, cols);
  }
}

// The GEMM driver. Float: blocks of 4 weight rows stay in L1 while the rows
// stream past them, and results are stored directly. Integer: two rows at a
// time against all weight rows into `acc` (GemmAccBytes), then both rows are
// requantized in one vectorizable pass each.
template <typename TA, typename TW, typename Stage>
void Gemm(const TA* a, int lda, int rows, const TW* w, int ldw, int cols, int k,
          const Stage& stage, typename Stage::Acc* acc) {
  if constexpr (std::is_same<TA, float>::value) {
    if (k < kSmallK) {
      GemmSmallKFloat(a, lda, rows, w, ldw, cols, k, stage);
      return;
    }
    int n = 0;
    for (; n + 4 <= cols; n += 4) {
      for (int r = 0; r < rows; ++r) {
        float out[4];
        DotBlockFloat<4>(a + r * lda, w + n * ldw, ldw, k, out);
        for (int c = 0; c < 4; ++c) stage.Store(r, n + c, out[c]);
      }
    }
    for (; n < cols; ++n) {
      for (int r = 0; r < rows; ++r) {
        float out[1];
        DotBlockFloat<1>(a + r * lda, w + n * ldw, ldw, k, out);
        stage.Store(r, n, out[0]);
      }
    }
  } else {
    int r = 0;
    for (; r + 2 <= rows; r += 2) {
      IntRows<2>(a + r * lda, lda, w, ldw, cols, k, acc);
      stage.StoreRow(r, acc, cols);
      stage.StoreRow(r + 1, acc + cols, cols);
    }
    if (r < rows) {
      IntRows<1>(a + r * lda, lda, w, ldw, cols, k, acc);
      stage.StoreRow(r, acc, cols);
    }
  }
}

// ---------------------------------------------------------------- packing

// dst[i] = src[i] - zero_point, widened to TA (int16 for integer paths).
template <typename TIn, typename TA>
inline void PackRow(const TIn* __restrict src, int count, int32_t zero_point,
                    TA* __restrict dst) {
  for (int i = 0; i < count; ++i) {
    dst[i] = static_cast<TA>(static_cast<int32_t>(src[i]) - zero_point);
  }
}
template <>
inline void PackRow<float, float>(const float* __restrict src, int count, int32_t,
                                  float* __restrict dst) {
  for (int i = 0; i < count; ++i) dst[i] = src[i];
}

template <typename TA>
inline void ZeroRow(int count, TA* dst) {
  for (int i = 0; i < count; ++i) dst[i] = 0;
}

// Copies `rows` rows of `count` elements spaced `src_stride` apart into a
// dense tile (row stride `count`), subtracting the zero point.
template <typename TIn, typename TA>
inline void PackRows(const TIn* src, int src_stride, int rows, int count,
                     int32_t zero_point, TA* dst) {
  for (int r = 0; r < rows; ++r) {
    PackRow(src + r * src_stride, count, zero_point, dst + r * count);
  }
}

}  // namespace conv
}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_CONV_GEMM_H_
