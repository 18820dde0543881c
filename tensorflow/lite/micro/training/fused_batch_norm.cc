// Batch normalization as TensorFlow's fused kernels define it (float32,
// channels last: NHWC, or NDHWC for 5-D x). Per channel c, over the
// n = N·H·W (·D) positions of x, with γ = scale, β = offset, ε = epsilon and
// f = exponential_avg_factor (facts checked against eager TF 2.21):
//
// FusedBatchNormV3(x, scale, offset, mean, variance)
//   -> (y, batch_mean, batch_variance, reserve_space_1, reserve_space_2,
//       reserve_space_3)
//   is_training = true:  μ, σ² are the batch moments (σ² uncorrected);
//     y               = (x − μ)/√(σ² + ε)·γ + β
//     batch_mean      = (1 − f)·mean + f·μ                 (= μ when f = 1)
//     batch_variance  = (1 − f)·variance + f·σ²·n/max(n − 1, 1)   (Bessel)
//     reserve_space_1 = μ,  reserve_space_2 = σ²          (uncorrected)
//     With f = 1 `mean` and `variance` may be empty.
//   is_training = false: y = (x − mean)/√(variance + ε)·γ + β; batch_mean,
//     batch_variance, reserve_space_1 and _2 are copies of mean, variance
//     (what TF's oneDNN kernel writes; its Eigen kernel leaves reserve_space
//     unset, and TF's gradient then passes mean/variance in their place).
//   reserve_space_3 is empty ([0]), as TF's CPU kernels leave it.
//   An empty x gives NaN batch_mean / batch_variance and zero reserve spaces.
//
// FusedBatchNormGradV3(y_backprop, x, scale, reserve_space_1,
//                      reserve_space_2, reserve_space_3)
//   -> (x_backprop, scale_backprop, offset_backprop, reserve_space_4,
//       reserve_space_5)
//   With μ = reserve_space_1, σ² = reserve_space_2 (the forward's batch
//   moments in training mode, the population mean/variance otherwise),
//   r = 1/√(σ² + ε), x̂ = (x − μ)·r, dy = y_backprop:
//     scale_backprop  = Σ dy·x̂,   offset_backprop = Σ dy
//     is_training = true:  x_backprop = γ·r·(dy − Σdy/n − x̂·Σ(dy·x̂)/n)
//     is_training = false: x_backprop = γ·r·dy
//   reserve_space_4 and _5 are empty ([0]), the converted model's shape.
//
// Per-channel sums run with the channel loop innermost (x is [n, C] in
// memory) and are summed in blocks of rows, which keeps float32 rounding
// error near TensorFlow's tree reductions for large n.
#include <cmath>
#include <cstring>

#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

constexpr int kDtFloat = 1;             // tensorflow DataType DT_FLOAT
constexpr int64_t kRowsPerBlock = 128;  // rows summed before adding to totals

struct BatchNormData {
  float epsilon;
  float exponential_avg_factor;
  bool is_training;
  int rank;     // of x: 4 for NHWC, 5 for NDHWC
  int scratch;  // per-channel floats: C (forward) or 3·C (gradient)
};

// Reads the attributes shared by both ops into op data (init). Absent
// attributes take TensorFlow's defaults.
Status ReadBatchNormAttrs(OpContext& ctx, const char* op_name, bool has_factor) {
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, op_name, &node));
  BatchNormData* d = ctx.AllocateOpData<BatchNormData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->epsilon = 0.0001f;
  d->exponential_avg_factor = 1.0f;
  d->is_training = true;
  d->rank = 4;
  d->scratch = -1;

  AttrValue attr;
  if (node.FindAttr("epsilon", &attr) && !attr.GetFloat(&d->epsilon)) {
    return ctx.Error(Status::kMalformedModel, "attribute 'epsilon' is not a float");
  }
  if (has_factor && node.FindAttr("exponential_avg_factor", &attr) &&
      !attr.GetFloat(&d->exponential_avg_factor)) {
    return ctx.Error(Status::kMalformedModel,
                     "attribute 'exponential_avg_factor' is not a float");
  }
  if (node.FindAttr("is_training", &attr) && !attr.GetBool(&d->is_training)) {
    return ctx.Error(Status::kMalformedModel, "attribute 'is_training' is not a bool");
  }
  if (node.FindAttr("data_format", &attr)) {
    const uint8_t* s = nullptr;
    size_t size = 0;
    if (!attr.GetString(&s, &size)) {
      return ctx.Error(Status::kMalformedModel, "attribute 'data_format' is not a string");
    }
    if (size == 4 && std::memcmp(s, "NHWC", 4) == 0) {
      d->rank = 4;
    } else if (size == 5 && std::memcmp(s, "NDHWC", 5) == 0) {
      d->rank = 5;
    } else {
      return ctx.Error(Status::kUnsupported,
                       "data_format '%.*s' is not supported (only NHWC and NDHWC)",
                       static_cast<int>(size), reinterpret_cast<const char*>(s));
    }
  }
  const char* const kTypeAttrs[] = {"T", "U"};
  for (const char* name : kTypeAttrs) {
    int type = kDtFloat;
    if (node.FindAttr(name, &attr) && (!attr.GetType(&type) || type != kDtFloat)) {
      return ctx.Error(Status::kUnsupported,
                       "attribute '%s' is TF dtype %d; only float32 (1) is supported",
                       name, type);
    }
  }
  return Status::kOk;
}

// Checks that x is a float tensor of the data format's rank and returns its
// channel count and the number of positions per channel.
Status CheckX(OpContext& ctx, const BatchNormData& d, const Tensor* x, int32_t* channels,
              int64_t* rows) {
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(x, DataType::kFloat32, "x"));
  if (x->rank != d.rank) {
    return ctx.Error(Status::kInvalidArgument, "x must be %d-D (data_format %s), not %d-D",
                     d.rank, d.rank == 4 ? "NHWC" : "NDHWC", x->rank);
  }
  *channels = x->dims[x->rank - 1];
  *rows = *channels > 0 ? x->NumElements() / *channels : 0;
  return Status::kOk;
}

// Checks a per-channel float vector of `channels` elements (or empty, when
// `may_be_empty`).
Status CheckChannelVector(OpContext& ctx, const Tensor* t, const char* what,
                          int32_t channels, bool may_be_empty) {
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(t, DataType::kFloat32, what));
  const int64_t n = t->NumElements();
  if (t->rank != 1 || (n != channels && !(may_be_empty && n == 0))) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s must be a vector of the %d channels of x%s", what,
                     static_cast<int>(channels), may_be_empty ? " (or empty)" : "");
  }
  return Status::kOk;
}

Status SetEmptyOutput(OpContext& ctx, int k) {
  const int32_t zero = 0;
  return ctx.SetOutputShape(k, &zero, 1);
}

// Scratch of `per_channel` floats per channel (prepare).
Status RequestPerChannelScratch(OpContext& ctx, BatchNormData* d, int32_t channels,
                                int per_channel) {
  d->scratch = -1;
  if (channels == 0) return Status::kOk;
  return ctx.RequestScratch(
      sizeof(float) * static_cast<size_t>(per_channel) * static_cast<size_t>(channels),
      &d->scratch);
}

// x is [rows, channels]. total[c] = Σ_r x[r][c], or with kCenteredSquares
// Σ_r (x[r][c] − center[c])². `partial` holds C floats.
template <bool kCenteredSquares>
void ChannelSums(const float* x, int64_t rows, int32_t channels, const float* center,
                 float* partial, float* total) {
  for (int32_t c = 0; c < channels; ++c) total[c] = 0.0f;
  for (int64_t r0 = 0; r0 < rows; r0 += kRowsPerBlock) {
    const int64_t r1 = r0 + kRowsPerBlock < rows ? r0 + kRowsPerBlock : rows;
    for (int32_t c = 0; c < channels; ++c) partial[c] = 0.0f;
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = x + r * channels;
      for (int32_t c = 0; c < channels; ++c) {
        if (kCenteredSquares) {
          const float v = row[c] - center[c];
          partial[c] += v * v;
        } else {
          partial[c] += row[c];
        }
      }
    }
    for (int32_t c = 0; c < channels; ++c) total[c] += partial[c];
  }
}

// ---------------------------------------------------------------- forward

Status ForwardInit(OpContext& ctx) {
  return ReadBatchNormAttrs(ctx, "FusedBatchNormV3", /*has_factor=*/true);
}

Status ForwardPrepare(OpContext& ctx) {
  BatchNormData* d = ctx.op_data_as<BatchNormData>();
  const Tensor* x = ctx.input(0);
  int32_t channels = 0;
  int64_t rows = 0;
  TFLM_RETURN_IF_ERROR(CheckX(ctx, *d, x, &channels, &rows));
  // TF accepts empty mean/variance in training mode when they are unused.
  const bool stats_optional = d->is_training && d->exponential_avg_factor == 1.0f;
  TFLM_RETURN_IF_ERROR(CheckChannelVector(ctx, ctx.input(1), "scale", channels, false));
  TFLM_RETURN_IF_ERROR(CheckChannelVector(ctx, ctx.input(2), "offset", channels, false));
  TFLM_RETURN_IF_ERROR(
      CheckChannelVector(ctx, ctx.input(3), "mean", channels, stats_optional));
  TFLM_RETURN_IF_ERROR(
      CheckChannelVector(ctx, ctx.input(4), "variance", channels, stats_optional));
  for (int k = 0; k < 6; ++k) {
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(k), DataType::kFloat32, "output"));
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, x));
  for (int k = 1; k <= 4; ++k) TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(k, &channels, 1));
  TFLM_RETURN_IF_ERROR(SetEmptyOutput(ctx, 5));
  // y is written after the statistics are known, element by element.
  ctx.AllowInPlace(0, 0);
  return RequestPerChannelScratch(ctx, d, channels, 1);
}

// y = (x − mean[c])·a[c] + offset[c] with a = γ/√(variance + ε), which is
// computed first into `a` (C floats of scratch).
void Normalize(const float* x, int64_t rows, int32_t channels, const float* mean,
               const float* variance, const float* scale, const float* offset,
               float epsilon, float* a, float* y) {
  for (int32_t c = 0; c < channels; ++c) a[c] = scale[c] / std::sqrt(variance[c] + epsilon);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * channels;
    float* out = y + r * channels;
    for (int32_t c = 0; c < channels; ++c) out[c] = (in[c] - mean[c]) * a[c] + offset[c];
  }
}

Status ForwardEval(OpContext& ctx) {
  const BatchNormData* d = ctx.op_data_as<const BatchNormData>();
  const Tensor* xt = ctx.input(0);
  const int32_t channels = xt->dims[xt->rank - 1];
  const int64_t rows = channels > 0 ? xt->NumElements() / channels : 0;
  const float* x = xt->data_as<const float>();
  const float* scale = ctx.input(1)->data_as<const float>();
  const float* offset = ctx.input(2)->data_as<const float>();
  const float* mean_in = ctx.input(3)->data_as<const float>();
  const float* var_in = ctx.input(4)->data_as<const float>();
  float* y = ctx.output(0)->data_as<float>();
  float* batch_mean = ctx.output(1)->data_as<float>();
  float* batch_var = ctx.output(2)->data_as<float>();
  float* saved_mean = ctx.output(3)->data_as<float>();
  float* saved_var = ctx.output(4)->data_as<float>();
  if (channels == 0) return Status::kOk;
  float* partial = static_cast<float*>(ctx.scratch(d->scratch));

  if (!d->is_training) {
    for (int32_t c = 0; c < channels; ++c) {
      batch_mean[c] = saved_mean[c] = mean_in[c];
      batch_var[c] = saved_var[c] = var_in[c];
    }
    Normalize(x, rows, channels, mean_in, var_in, scale, offset, d->epsilon, partial, y);
    return Status::kOk;
  }

  if (rows == 0) {
    for (int32_t c = 0; c < channels; ++c) {
      batch_mean[c] = batch_var[c] = NAN;
      saved_mean[c] = saved_var[c] = 0.0f;
    }
    return Status::kOk;
  }
  // Two passes, as TF: the mean, then the mean squared deviation from it.
  const float inv_n = 1.0f / static_cast<float>(rows);
  ChannelSums<false>(x, rows, channels, nullptr, partial, saved_mean);
  for (int32_t c = 0; c < channels; ++c) saved_mean[c] *= inv_n;
  ChannelSums<true>(x, rows, channels, saved_mean, partial, saved_var);
  for (int32_t c = 0; c < channels; ++c) saved_var[c] *= inv_n;

  const float bessel =
      static_cast<float>(rows) / static_cast<float>(rows > 1 ? rows - 1 : 1);
  const float f = d->exponential_avg_factor;
  for (int32_t c = 0; c < channels; ++c) {
    const float corrected = saved_var[c] * bessel;
    if (f == 1.0f) {
      batch_mean[c] = saved_mean[c];
      batch_var[c] = corrected;
    } else {
      batch_mean[c] = (1.0f - f) * mean_in[c] + f * saved_mean[c];
      batch_var[c] = (1.0f - f) * var_in[c] + f * corrected;
    }
  }
  Normalize(x, rows, channels, saved_mean, saved_var, scale, offset, d->epsilon, partial, y);
  return Status::kOk;
}

// ---------------------------------------------------------------- gradient

Status GradInit(OpContext& ctx) {
  return ReadBatchNormAttrs(ctx, "FusedBatchNormGradV3", /*has_factor=*/false);
}

Status GradPrepare(OpContext& ctx) {
  BatchNormData* d = ctx.op_data_as<BatchNormData>();
  const Tensor* dy = ctx.input(0);
  const Tensor* x = ctx.input(1);
  int32_t channels = 0;
  int64_t rows = 0;
  TFLM_RETURN_IF_ERROR(CheckX(ctx, *d, x, &channels, &rows));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(dy, DataType::kFloat32, "y_backprop"));
  if (!SameShape(dy, x)) {
    return ctx.Error(Status::kInvalidArgument, "y_backprop and x must have one shape");
  }
  TFLM_RETURN_IF_ERROR(CheckChannelVector(ctx, ctx.input(2), "scale", channels, false));
  TFLM_RETURN_IF_ERROR(
      CheckChannelVector(ctx, ctx.input(3), "reserve_space_1 (mean)", channels, false));
  TFLM_RETURN_IF_ERROR(
      CheckChannelVector(ctx, ctx.input(4), "reserve_space_2 (variance)", channels, false));
  for (int k = 0; k < 5; ++k) {
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(k), DataType::kFloat32, "output"));
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, x));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(1, &channels, 1));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(2, &channels, 1));
  TFLM_RETURN_IF_ERROR(SetEmptyOutput(ctx, 3));
  TFLM_RETURN_IF_ERROR(SetEmptyOutput(ctx, 4));
  // x_backprop[i] is written after the sums, from dy[i] and x[i] only.
  ctx.AllowInPlace(0, 0);
  return RequestPerChannelScratch(ctx, d, channels, 3);
}

Status GradEval(OpContext& ctx) {
  const BatchNormData* d = ctx.op_data_as<const BatchNormData>();
  const Tensor* xt = ctx.input(1);
  const int32_t channels = xt->dims[xt->rank - 1];
  const int64_t rows = channels > 0 ? xt->NumElements() / channels : 0;
  const float* dy = ctx.input(0)->data_as<const float>();
  const float* x = xt->data_as<const float>();
  const float* scale = ctx.input(2)->data_as<const float>();
  const float* mean = ctx.input(3)->data_as<const float>();
  const float* variance = ctx.input(4)->data_as<const float>();
  float* dx = ctx.output(0)->data_as<float>();
  float* dscale = ctx.output(1)->data_as<float>();
  float* doffset = ctx.output(2)->data_as<float>();
  if (channels == 0) return Status::kOk;
  float* partial_dy = static_cast<float*>(ctx.scratch(d->scratch));
  float* partial_dyx = partial_dy + channels;

  // One pass: Σdy and Σdy·(x − μ), blocked like ChannelSums.
  for (int32_t c = 0; c < channels; ++c) doffset[c] = dscale[c] = 0.0f;
  for (int64_t r0 = 0; r0 < rows; r0 += kRowsPerBlock) {
    const int64_t r1 = r0 + kRowsPerBlock < rows ? r0 + kRowsPerBlock : rows;
    for (int32_t c = 0; c < channels; ++c) partial_dy[c] = partial_dyx[c] = 0.0f;
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dy + r * channels;
      const float* in = x + r * channels;
      for (int32_t c = 0; c < channels; ++c) {
        partial_dy[c] += g[c];
        partial_dyx[c] += g[c] * (in[c] - mean[c]);
      }
    }
    for (int32_t c = 0; c < channels; ++c) {
      doffset[c] += partial_dy[c];
      dscale[c] += partial_dyx[c];
    }
  }
  // Per channel, with r = 1/√(σ²+ε) and k = γ·r: scale_backprop = r·Σdy(x−μ)
  // = Σdy·x̂, and x_backprop = k·dy + u + (x − μ)·w, where u = −k·Σdy/n and
  // w = −k·r·Σ(dy·x̂)/n in training mode, u = w = 0 in inference mode.
  float* k = partial_dy;
  float* u = partial_dyx;
  float* w = partial_dyx + channels;
  const float inv_n = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int32_t c = 0; c < channels; ++c) {
    const float r = 1.0f / std::sqrt(variance[c] + d->epsilon);
    k[c] = scale[c] * r;
    dscale[c] *= r;
    u[c] = d->is_training ? -k[c] * doffset[c] * inv_n : 0.0f;
    w[c] = d->is_training ? -k[c] * r * dscale[c] * inv_n : 0.0f;
  }
  for (int64_t row = 0; row < rows; ++row) {
    const float* g = dy + row * channels;
    const float* in = x + row * channels;
    float* out = dx + row * channels;
    for (int32_t c = 0; c < channels; ++c) {
      out[c] = k[c] * g[c] + u[c] + (in[c] - mean[c]) * w[c];
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexFusedBatchNormV3() {
  static const OpRegistration r = {"FlexFusedBatchNormV3", ForwardInit, ForwardPrepare,
                                   ForwardEval, nullptr, 0, nullptr,
                                   "x, scale, offset, mean, variance",
                                   "y, batch_mean, batch_variance, reserve_space_1, "
                                   "reserve_space_2, reserve_space_3", nullptr};
  return &r;
}

const OpRegistration* Register_FlexFusedBatchNormGradV3() {
  static const OpRegistration r = {"FlexFusedBatchNormGradV3", GradInit, GradPrepare,
                                   GradEval, nullptr, 0, nullptr,
                                   "y_backprop, x, scale, reserve_space_1, reserve_space_2, "
                                   "reserve_space_3?",
                                   "x_backprop, scale_backprop, offset_backprop, "
                                   "reserve_space_4, reserve_space_5", nullptr};
  return &r;
}

}  // namespace tflm
