// SUM, MEAN, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD: one prepare that plans the
// reduction (kernels/internal/reduce_loop.h) and its requantization, one
// templated eval dispatched on the dtype.
//
// Quantized results follow TFLite (2.21) bit for bit, including its
// per-case choices:
//   MEAN  one fixed-point rescale of the zero-point-corrected sum with 1/N
//         folded into the multiplier (for every axis set and also when input
//         and output share their quantization).
//   SUM   int8: rescaled in float32, rounded half away from zero, clamped
//         (also when input and output share their quantization).
//         int16 requires equal quantization and accumulates in int16.
//   PROD  quantized: every partial product is rescaled by
//         input_scale / output_scale^(1/N).
//   MAX/MIN require equal input/output quantization.
// For int8 SUM we follow TFLite's builtin (optimized) kernel: its reference
// kernel reads int8 data as uint8 (tensorflow/tensorflow#102490).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/internal/reduce_loop.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kKeepDimsField = 0;  // ReducerOptions.keep_dims

enum class ReduceOp : uint8_t { kSum, kMean, kMax, kMin, kProd };

// How accumulators become output values.
enum class Finalize : uint8_t {
  kNone,                // the accumulators are the output (type T)
  kDivide,              // acc / N (float, or truncating integer division)
  kRequantize,          // rescale(acc - zp_in * N) + zp_out, clamped
  kFloatRequantize,     // round(acc * scale + bias) + zp_out, clamped
  kProdRequantize,      // rescale(acc) + zp_out, clamped
};

struct ReduceData {
  ReduceShape shape;
  int64_t reduced_count;  // N: input elements per output element
  int64_t output_count;
  int64_t input_count;
  int32_t multiplier;
  int shift;
  float float_scale;  // kFloatRequantize
  float float_bias;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int scratch;  // accumulators when they are wider than the output type
  ReduceOp op;
  Finalize finalize;
};

// The accumulator of MEAN, quantized SUM and quantized PROD, as in TFLite.
template <typename T>
struct WideAccumulator {
  using type = int64_t;  // int32, int64
};
template <>
struct WideAccumulator<float> {
  using type = float;
};
template <>
struct WideAccumulator<int8_t> {
  using type = int32_t;
};
template <>
struct WideAccumulator<int16_t> {
  using type = int32_t;
};

template <typename T, typename Acc>
struct SumReducer {
  Acc First(T x) const { return static_cast<Acc>(x); }
  Acc Next(Acc a, T x) const { return WrappingAdd(a, static_cast<Acc>(x)); }
};
template <typename T, typename Acc>
struct ProdReducer {
  Acc First(T x) const { return static_cast<Acc>(x); }
  Acc Next(Acc a, T x) const { return WrappingMul(a, static_cast<Acc>(x)); }
};
template <typename T, typename Acc>
struct MaxReducer {
  Acc First(T x) const { return static_cast<Acc>(x); }
  Acc Next(Acc a, T x) const {
    const Acc v = static_cast<Acc>(x);
    return v > a ? v : a;
  }
};
template <typename T, typename Acc>
struct MinReducer {
  Acc First(T x) const { return static_cast<Acc>(x); }
  Acc Next(Acc a, T x) const {
    const Acc v = static_cast<Acc>(x);
    return v < a ? v : a;
  }
};
// TFLite's quantized product: each step is rescaled so the running product
// stays within int32.
template <typename T, typename Acc>
struct QuantizedProdReducer {
  int32_t zero_point;
  int32_t multiplier;
  int shift;
  Acc First(T x) const { return static_cast<Acc>(x - zero_point); }
  Acc Next(Acc a, T x) const {
    const int64_t product = static_cast<int64_t>(a) * (x - zero_point);
    return static_cast<Acc>(
        MultiplyByQuantizedMultiplier(product, multiplier, shift));
  }
};

template <typename T, typename Acc>
void Accumulate(const ReduceData& d, const T* in, Acc* acc) {
  switch (d.op) {
    case ReduceOp::kSum:
    case ReduceOp::kMean:
      ReduceLoop(d.shape, in, acc, SumReducer<T, Acc>());
      break;
    case ReduceOp::kMax:
      ReduceLoop(d.shape, in, acc, MaxReducer<T, Acc>());
      break;
    case ReduceOp::kMin:
      ReduceLoop(d.shape, in, acc, MinReducer<T, Acc>());
      break;
    case ReduceOp::kProd:
      if (d.finalize == Finalize::kProdRequantize) {
        ReduceLoop(d.shape, in, acc,
                   QuantizedProdReducer<T, Acc>{d.input_zero_point,
                                                d.multiplier, d.shift});
      } else {
        ReduceLoop(d.shape, in, acc, ProdReducer<T, Acc>());
      }
      break;
  }
}

template <typename T>
inline T ClampToType(int32_t v) {
  const int32_t lo = std::numeric_limits<T>::min();
  const int32_t hi = std::numeric_limits<T>::max();
  return static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
}

template <typename T, typename Acc>
void FinalizeOutputs(const ReduceData& d, const Acc* acc, T* out) {
  const int64_t n = d.reduced_count;
  if (d.finalize == Finalize::kDivide) {
    for (int64_t i = 0; i < d.output_count; ++i) {
      out[i] = static_cast<T>(acc[i] / static_cast<Acc>(n));
    }
    return;
  }
  // The quantized finalizations exist for int8 and int16 only.
  if constexpr (std::is_integral<T>::value && sizeof(T) <= 2) {
    const int64_t zero_point_sum = static_cast<int64_t>(d.input_zero_point) * n;
    for (int64_t i = 0; i < d.output_count; ++i) {
      int32_t v;
      if (d.finalize == Finalize::kProdRequantize) {
        v = MultiplyByQuantizedMultiplier(static_cast<int64_t>(acc[i]),
                                          d.multiplier, d.shift);
      } else if (d.finalize == Finalize::kFloatRequantize) {
        const float scaled = static_cast<float>(acc[i]) * d.float_scale;
        v = TruncateToInt32(RoundHalfAway(scaled + d.float_bias));
      } else {
        const int32_t centered = static_cast<int32_t>(acc[i] - zero_point_sum);
        v = MultiplyByQuantizedMultiplier(centered, d.multiplier, d.shift);
      }
      out[i] = ClampToType<T>(v + d.output_zero_point);
    }
  }
}

// Output of a reduction over an empty input: the identity of the reduction
// (NaN, or 0 for integers, for MEAN), as TFLite.
template <typename T>
void FillEmpty(const ReduceData& d, T* out) {
  T value = T(0);
  switch (d.op) {
    case ReduceOp::kSum:
      break;
    case ReduceOp::kMean:
      if (std::numeric_limits<T>::has_quiet_NaN) {
        value = std::numeric_limits<T>::quiet_NaN();
      }
      break;
    case ReduceOp::kProd:
      value = T(1);
      break;
    case ReduceOp::kMax:
      value = std::numeric_limits<T>::lowest();
      break;
    case ReduceOp::kMin:
      value = std::numeric_limits<T>::max();
      break;
  }
  for (int64_t i = 0; i < d.output_count; ++i) out[i] = value;
}

template <typename T>
void EvalTyped(OpContext& ctx, const ReduceData& d) {
  const T* in = ctx.input(0)->data_as<const T>();
  T* out = ctx.output(0)->data_as<T>();
  if (d.input_count == 0) {
    FillEmpty(d, out);
    return;
  }
  if (d.finalize == Finalize::kNone) {
    Accumulate<T, T>(d, in, out);
    return;
  }
  using Acc = typename WideAccumulator<T>::type;
  // Float and int64 accumulate in place; narrower types in scratch.
  Acc* acc = std::is_same<Acc, T>::value ? reinterpret_cast<Acc*>(out)
                                         : static_cast<Acc*>(ctx.scratch(d.scratch));
  Accumulate<T, Acc>(d, in, acc);
  FinalizeOutputs<T, Acc>(d, acc, out);
}

const char* OpLabel(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "SUM";
    case ReduceOp::kMean: return "MEAN";
    case ReduceOp::kMax: return "REDUCE_MAX";
    case ReduceOp::kMin: return "REDUCE_MIN";
    case ReduceOp::kProd: return "REDUCE_PROD";
  }
  return "reduction";
}

// Reads the constant axis tensor into `axes` (at most kMaxRank values are
// meaningful; duplicates are allowed).
Status ReadAxes(OpContext& ctx, const Tensor* axis, int32_t* axes, int* count) {
  if (axis->type != DataType::kInt32) {
    return ctx.Error(Status::kUnsupported, "axis has dtype %s, expected int32",
                     DataTypeName(axis->type));
  }
  if (!axis->is_constant() && (axis->flags & kTensorValueAtPrepare) == 0) {
    return ctx.Error(Status::kUnsupported,
                     "axis must be a constant tensor (its value is needed at "
                     "prepare time)");
  }
  const int64_t n = axis->NumElements();
  if (axis->rank > 1 || n > 2 * kMaxRank) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis must be a scalar or a vector of at most %d values",
                     2 * kMaxRank);
  }
  memcpy(axes, axis->data, sizeof(int32_t) * static_cast<size_t>(n));
  *count = static_cast<int>(n);
  return Status::kOk;
}

bool SameQuantization(const QuantParams& a, const QuantParams& b) {
  return a.scale() == b.scale() && a.zero_point() == b.zero_point();
}

// Chooses the finalization and multipliers of a quantized (int8/int16)
// reduction.
Status PrepareQuantized(OpContext& ctx, ReduceOp op, const Tensor* input,
                        ReduceData* d) {
  const QuantParams in_q = ctx.input_quant(0);
  const QuantParams out_q = ctx.output_quant(0);
  if (!in_q.is_quantized()) {
    // Plain integers (only PROD sees them in converted models).
    d->finalize = op == ReduceOp::kMean ? Finalize::kDivide : Finalize::kNone;
    return Status::kOk;
  }
  if (!out_q.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument,
                     "input is quantized but the output is not");
  }
  const bool is_int16 = input->type == DataType::kInt16;
  if (is_int16 && (in_q.zero_point() != 0 || out_q.zero_point() != 0)) {
    return ctx.Error(Status::kInvalidArgument,
                     "int16 input and output need zero point 0 (got %d, %d)",
                     static_cast<int>(in_q.zero_point()),
                     static_cast<int>(out_q.zero_point()));
  }
  d->input_zero_point = in_q.zero_point();
  d->output_zero_point = out_q.zero_point();
  const bool same = SameQuantization(in_q, out_q);
  const double in_scale = in_q.scale();
  const double out_scale = out_q.scale();
  switch (op) {
    case ReduceOp::kMax:
    case ReduceOp::kMin:
      if (!same) {
        return ctx.Error(Status::kInvalidArgument,
                         "input and output must have the same scale and zero "
                         "point");
      }
      d->finalize = Finalize::kNone;
      return Status::kOk;
    case ReduceOp::kSum:
      if (is_int16) {
        if (!same) {
          return ctx.Error(Status::kUnsupported,
                           "int16 SUM needs the same input and output scale "
                           "(as TFLite)");
        }
        d->finalize = Finalize::kNone;
        return Status::kOk;
      }
      // float32 arithmetic in TFLite's order: scale = in / out,
      // bias = -zp_in * scale * N.
      d->float_scale = in_q.scale() / out_q.scale();
      d->float_bias = static_cast<float>(-d->input_zero_point) * d->float_scale *
                      static_cast<float>(d->reduced_count);
      d->finalize = Finalize::kFloatRequantize;
      return Status::kOk;
    case ReduceOp::kMean: {
      QuantizeMultiplier(in_scale / out_scale, &d->multiplier, &d->shift);
      // Fold 1/N into the multiplier: shift it left by floor(log2(N)) (at
      // most 32, and keeping the final shift >= -31), then divide.
      int extra = 0;
      while ((static_cast<uint64_t>(d->reduced_count) >> (extra + 1)) != 0) ++extra;
      if (extra > 32) extra = 32;
      if (extra > 31 + d->shift) extra = 31 + d->shift;
      if (d->reduced_count > 0) {
        d->multiplier = static_cast<int32_t>(
            (static_cast<int64_t>(d->multiplier) << extra) / d->reduced_count);
      }
      d->shift -= extra;
      d->finalize = Finalize::kRequantize;
      return Status::kOk;
    }
    case ReduceOp::kProd: {
      d->finalize = Finalize::kProdRequantize;
      if (d->reduced_count == 0) return Status::kOk;  // empty: see FillEmpty
      const double scaling =
          in_scale / std::pow(out_scale, 1.0 / static_cast<double>(d->reduced_count));
      QuantizeMultiplier(scaling, &d->multiplier, &d->shift);
      return Status::kOk;
    }
  }
  return Status::kOk;
}

template <ReduceOp kOp>
Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* axis = ctx.input(1);
  Tensor* output = ctx.output(0);
  switch (input->type) {
    case DataType::kFloat32:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
      break;
    default:
      return ctx.Error(Status::kUnsupported,
                       "%s does not support input dtype %s (supported: "
                       "float32, int8, int16, int32, int64)",
                       OpLabel(kOp), DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));

  int32_t axes[2 * kMaxRank];
  int axis_count = 0;
  TFLM_RETURN_IF_ERROR(ReadAxes(ctx, axis, axes, &axis_count));
  uint32_t mask = 0;
  int32_t bad_axis = 0;
  if (!ResolveAxes(axes, axis_count, input->rank, &mask, &bad_axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis %d is out of range for an input of rank %d",
                     static_cast<int>(bad_axis), input->rank);
  }
  const bool keep_dims = ctx.builtin_options().Bool(kKeepDimsField, false);

  int32_t out_dims[kMaxRank];
  int out_rank = 0;
  for (int i = 0; i < input->rank; ++i) {
    const bool reduced = (mask >> i) & 1u;
    if (!reduced) {
      out_dims[out_rank++] = input->dims[i];
    } else if (keep_dims) {
      out_dims[out_rank++] = 1;
    }
  }
  TFLM_RETURN_IF_ERROR(ctx.SetShape(output, out_dims, out_rank));

  ReduceData* d = ctx.AllocateOpData<ReduceData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->op = kOp;
  d->scratch = -1;
  PlanReduceShape(input->dims, input->rank, mask, &d->shape);
  d->input_count = input->NumElements();
  d->output_count = ShapeNumElements(out_dims, out_rank);
  d->reduced_count = d->output_count == 0 ? 0 : d->input_count / d->output_count;

  switch (input->type) {
    case DataType::kFloat32:
    case DataType::kInt32:
    case DataType::kInt64:
      d->finalize = kOp == ReduceOp::kMean ? Finalize::kDivide : Finalize::kNone;
      break;
    default:
      TFLM_RETURN_IF_ERROR(PrepareQuantized(ctx, kOp, input, d));
      break;
  }
  // Accumulators wider than the output live in scratch (see EvalTyped).
  size_t acc_size = 0;
  if (input->type == DataType::kInt8 || input->type == DataType::kInt16) {
    acc_size = sizeof(int32_t);
  } else if (input->type == DataType::kInt32) {
    acc_size = sizeof(int64_t);
  }
  if (acc_size != 0 && d->finalize != Finalize::kNone && d->output_count > 0) {
    TFLM_RETURN_IF_ERROR(ctx.RequestScratch(
        acc_size * static_cast<size_t>(d->output_count), &d->scratch));
  }
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const ReduceData& d = *ctx.op_data_as<ReduceData>();
  switch (ctx.input(0)->type) {
    case DataType::kFloat32:
      EvalTyped<float>(ctx, d);
      break;
    case DataType::kInt8:
      EvalTyped<int8_t>(ctx, d);
      break;
    case DataType::kInt16:
      EvalTyped<int16_t>(ctx, d);
      break;
    case DataType::kInt32:
      EvalTyped<int32_t>(ctx, d);
      break;
    case DataType::kInt64:
      EvalTyped<int64_t>(ctx, d);
      break;
    default:
      return Status::kInternal;  // rejected in prepare
  }
  return Status::kOk;
}

}  // namespace

// Versions: 2 = int8; 3 = int16 (MEAN, REDUCE_MAX, REDUCE_MIN). TFLite gives
// int16 SUM version 1 and int8/int16 REDUCE_PROD version 2.
const OpRegistration* Register_SUM() {
  static const OpRegistration r = {"SUM", nullptr, Prepare<ReduceOp::kSum>,
                                   Eval, nullptr, 2, nullptr, "input, axis", "output", nullptr};
  return &r;
}
const OpRegistration* Register_MEAN() {
  static const OpRegistration r = {"MEAN", nullptr, Prepare<ReduceOp::kMean>,
                                   Eval, nullptr, 3, nullptr, "input, axis", "output", nullptr};
  return &r;
}
const OpRegistration* Register_REDUCE_MAX() {
  static const OpRegistration r = {"REDUCE_MAX", nullptr,
                                   Prepare<ReduceOp::kMax>, Eval, nullptr, 3,
                                   nullptr, "input, axis", "output", nullptr};
  return &r;
}
const OpRegistration* Register_REDUCE_MIN() {
  static const OpRegistration r = {"REDUCE_MIN", nullptr,
                                   Prepare<ReduceOp::kMin>, Eval, nullptr, 3,
                                   nullptr, "input, axis", "output", nullptr};
  return &r;
}
const OpRegistration* Register_REDUCE_PROD() {
  static const OpRegistration r = {"REDUCE_PROD", nullptr,
                                   Prepare<ReduceOp::kProd>, Eval, nullptr, 2,
                                   nullptr, "input, axis", "output", nullptr};
  return &r;
}

}  // namespace tflm
