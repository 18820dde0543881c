// DEPTHWISE_CONV_2D: NHWC input, [1][kh][kw][out_c] weights with
// out_c = in_c * depth_multiplier, optional bias. float32, int8 (per-channel
// or per-tensor weights) and int16x8.
//
// For each output pixel a row of accumulators (one per output channel, in
// scratch) collects the taps that fall inside the image; the innermost loop
// runs over contiguous channels. With fewer than 16 channels (a divisor of
// 16) and stride 1, kGroupLanes / channels neighbouring pixels are done at
// once: their inputs under one tap are contiguous, so the innermost loop
// still has 16 lanes (against the tap's weights repeated per pixel). Skipping the taps in the padding is exactly
// TFLite's reference arithmetic, so integer results are bit-exact and float
// results sum in the reference's order.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// DepthwiseConv2DOptions field numbers.
constexpr int kPaddingField = 0;
constexpr int kStrideWField = 1;
constexpr int kStrideHField = 2;
constexpr int kActivationField = 4;
constexpr int kDilationWField = 5;
constexpr int kDilationHField = 6;

// Checked by the interpreter before prepare: the window arithmetic divides
// by the strides and multiplies by the dilations. (depth_multiplier, field
// 3, is not read: the multiplier follows from the shapes, and converted
// models may leave it 0.)
constexpr OptionRange kDepthwiseConvOptions[] = {
    {"padding", kPaddingField, 1, 0, 0, 1},
    {"stride_w", kStrideWField, 4, 0, 1, INT32_MAX},
    {"stride_h", kStrideHField, 4, 0, 1, INT32_MAX},
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {"dilation_w_factor", kDilationWField, 4, 1, 1, INT32_MAX},
    {"dilation_h_factor", kDilationHField, 4, 1, 1, INT32_MAX},
    {nullptr, 0, 0, 0, 0, 0},
};

struct DepthwiseData {
  conv::ChannelQuant quant;
  conv::Geometry g;
  conv::Variant variant;
  bool bias64;
  int depth_multiplier;
  int group_pixels;        // pixels per grouped step; 1 when not grouping
  uint32_t rmult_offset;   // right multipliers (int8) in the scratch
  uint32_t weights_offset;  // weights repeated per grouped pixel, in the scratch
  int scratch;  // accumulators, right multipliers, repeated weights
};

constexpr int kGroupLanes = 16;

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  const Tensor* bias = ctx.input(2);
  Tensor* output = ctx.output(0);
  conv::Variant variant;
  TFLM_RETURN_IF_ERROR(conv::ResolveVariant(ctx, input, filter, output, &variant));
  if (input->rank != 4 || filter->rank != 4 || filter->dims[0] != 1) {
    return ctx.Error(Status::kInvalidArgument,
                     "input must be 4-D and weights [1, h, w, channels]");
  }
  DepthwiseData* d = ctx.AllocateOpData<DepthwiseData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->variant = variant;
  conv::Geometry& g = d->g;
  g.batches = input->dims[0];
  g.in_h = input->dims[1];
  g.in_w = input->dims[2];
  g.in_c = input->dims[3];
  g.filter_h = filter->dims[1];
  g.filter_w = filter->dims[2];
  g.out_c = filter->dims[3];
  Padding padding;
  FusedActivation activation;
  TFLM_RETURN_IF_ERROR(conv::ReadWindowOptions(
      ctx, {kPaddingField, kStrideWField, kStrideHField, kDilationWField,
            kDilationHField, kActivationField},
      &g, &padding, &activation));
  // The multiplier follows from the shapes (as TFLite checks them).
  if (g.in_c <= 0 || g.out_c % g.in_c != 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "%d output channels are not a multiple of %d input channels",
                     g.out_c, g.in_c);
  }
  d->depth_multiplier = g.out_c / g.in_c;
  g.out_h = ComputeOutputSize(padding, g.in_h, g.filter_h, g.stride_h, g.dilation_h);
  g.out_w = ComputeOutputSize(padding, g.in_w, g.filter_w, g.stride_w, g.dilation_w);
  if (g.out_h <= 0 || g.out_w <= 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "a %dx%d input is smaller than the %dx%d (dilated) filter",
                     g.in_h, g.in_w, g.filter_h, g.filter_w);
  }
  int offset = 0;
  g.pad_h = ComputePadding(g.stride_h, g.dilation_h, g.in_h, g.filter_h, g.out_h, &offset);
  g.pad_w = ComputePadding(g.stride_w, g.dilation_w, g.in_w, g.filter_w, g.out_w, &offset);
  TFLM_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, variant, g.out_c, &d->bias64));
  TFLM_RETURN_IF_ERROR(conv::PrepareChannelQuant(ctx, variant, activation, 0, 1,
                                                 g.out_c, 3, &d->quant));
  const int32_t out_dims[4] = {g.batches, g.out_h, g.out_w, g.out_c};
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, 4));
  d->group_pixels = 1;
  if (d->depth_multiplier == 1 && g.stride_w == 1 && g.out_c < kGroupLanes &&
      kGroupLanes % g.out_c == 0) {
    d->group_pixels = kGroupLanes / g.out_c;
  }
  const int acc_count = g.out_c > kGroupLanes ? g.out_c : kGroupLanes;
  const size_t acc_bytes =
      conv::RoundUp8((variant == conv::Variant::kInt16x8 ? 8 : 4) * static_cast<size_t>(acc_count));
  const size_t rmult_bytes = conv::RoundUp8(conv::RightMultBytes(variant, g.out_c));
  const size_t weights_bytes =
      d->group_pixels > 1 ? static_cast<size_t>(g.filter_h) * g.filter_w * kGroupLanes *
                                (variant == conv::Variant::kFloat ? 4 : 1)
                          : 0;
  d->rmult_offset = static_cast<uint32_t>(acc_bytes);
  d->weights_offset = static_cast<uint32_t>(acc_bytes + rmult_bytes);
  return ctx.RequestScratch(acc_bytes + rmult_bytes + weights_bytes, &d->scratch);
}

// Type of one (input - zero point) * weight product: int16 for int8 inputs
// (|product| <= 255 * 128 fits, and the vectorizer then multiplies 8 lanes
// at a time), else the accumulator type.
template <typename TIn, typename TAcc>
struct TapProduct {
  using type = TAcc;
};
template <>
struct TapProduct<int8_t, int32_t> {
  using type = int16_t;
};

// acc[c] += (in[c] - zp) * w[c] over one tap, for every output channel.
// (`acc` is scratch and never aliases the tensors: __restrict spares the
// vectorized loop its run-time overlap checks on every tap.)
template <typename TIn, typename TW, typename TAcc>
inline void AccumulateTap(const TIn* __restrict in, const TW* __restrict w,
                          int in_c, int multiplier, int32_t zp,
                          TAcc* __restrict acc) {
  using TP = typename TapProduct<TIn, TAcc>::type;
  if (multiplier == 1) {
    for (int c = 0; c < in_c; ++c) {
      acc[c] += static_cast<TAcc>(static_cast<TP>(static_cast<TP>(in[c] - zp) * w[c]));
    }
    return;
  }
  for (int c = 0; c < in_c; ++c) {
    const TAcc v = static_cast<TAcc>(in[c]) - zp;
    TAcc* a = acc + c * multiplier;
    const TW* wc = w + c * multiplier;
    for (int m = 0; m < multiplier; ++m) a[m] += v * wc[m];
  }
}

// acc[j] += (in[j] - zp) * w[j] for the kGroupLanes lanes of a pixel group.
template <typename TIn, typename TW, typename TAcc>
inline void AccumulateGroupTap(const TIn* __restrict in, const TW* __restrict w,
                               int32_t zp, TAcc* __restrict acc) {
  using TP = typename TapProduct<TIn, TAcc>::type;
  for (int j = 0; j < kGroupLanes; ++j) {
    acc[j] += static_cast<TAcc>(static_cast<TP>(static_cast<TP>(in[j] - zp) * w[j]));
  }
}

template <typename TIn, typename TW, typename Stage>
void RunDepthwise(const DepthwiseData& d, const TIn* input, const TW* filter,
                  const Stage& stage, typename Stage::Acc* acc, TW* group_weights) {
  const conv::Geometry& g = d.g;
  // Float inputs have no zero point; integer ones subtract it per tap.
  const int32_t zp = d.quant.input_zero_point;
  const int group = d.group_pixels;
  if (group > 1) {
    for (int t = 0; t < g.filter_h * g.filter_w; ++t) {
      for (int j = 0; j < kGroupLanes; ++j) {
        group_weights[t * kGroupLanes + j] = filter[t * g.out_c + j % g.out_c];
      }
    }
  }
  // Grouped pixels need every tap of the whole group inside the row.
  const int span = (g.filter_w - 1) * g.dilation_w + group;
  int row = 0;
  for (int b = 0; b < g.batches; ++b) {
    const TIn* in_b = input + static_cast<int64_t>(b) * g.in_h * g.in_w * g.in_c;
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_h;
      for (int ox = 0; ox < g.out_w; ++ox, ++row) {
        const int ix0 = ox * g.stride_w - g.pad_w;
        if (group > 1 && ox + group <= g.out_w && ix0 >= 0 && ix0 + span <= g.in_w) {
          for (int j = 0; j < kGroupLanes; ++j) acc[j] = 0;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            const int iy = iy0 + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.filter_w; ++kx) {
              AccumulateGroupTap(in_b + (iy * g.in_w + ix0 + kx * g.dilation_w) * g.in_c,
                                 group_weights + (ky * g.filter_w + kx) * kGroupLanes, zp,
                                 acc);
            }
          }
          for (int p = 0; p < group; ++p) stage.StoreRow(row + p, acc + p * g.out_c, g.out_c);
          ox += group - 1;
          row += group - 1;
          continue;
        }
        for (int c = 0; c < g.out_c; ++c) acc[c] = 0;
        for (int ky = 0; ky < g.filter_h; ++ky) {
          const int iy = iy0 + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.filter_w; ++kx) {
            const int ix = ix0 + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            AccumulateTap(in_b + (iy * g.in_w + ix) * g.in_c,
                          filter + (ky * g.filter_w + kx) * g.out_c, g.in_c,
                          d.depth_multiplier, zp, acc);
          }
        }
        stage.StoreRow(row, acc, g.out_c);
      }
    }
  }
}

template <typename TOut, typename TAcc, typename TBias, typename TScale = TAcc>
conv::QuantizedStage<TOut, TAcc, TBias, TScale> MakeQuantizedStage(
    const DepthwiseData& d, OpContext& ctx, uint8_t* scratch) {
  uint32_t* right_mult =
      scratch != nullptr ? reinterpret_cast<uint32_t*>(scratch + d.rmult_offset) : nullptr;
  return conv::MakeQuantizedStage<TOut, TAcc, TBias, TScale>(
      d.quant, ctx.output(0)->data_as<TOut>(), d.g.out_c, ctx.input(2), d.g.out_c, right_mult);
}

Status Eval(OpContext& ctx) {
  const DepthwiseData& d = *ctx.op_data_as<DepthwiseData>();
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  uint8_t* scratch = static_cast<uint8_t*>(ctx.scratch(d.scratch));
  void* acc = scratch;
  uint8_t* group_weights = scratch + d.weights_offset;
  switch (d.variant) {
    case conv::Variant::kFloat: {
      const Tensor* bias = ctx.input(2);
      const conv::FloatStage stage = {
          ctx.output(0)->data_as<float>(), d.g.out_c,
          bias != nullptr ? bias->data_as<const float>() : nullptr,
          d.quant.float_min, d.quant.float_max};
      RunDepthwise(d, input->data_as<const float>(), filter->data_as<const float>(),
                   stage, static_cast<float*>(acc), reinterpret_cast<float*>(group_weights));
      break;
    }
    case conv::Variant::kInt8:
      RunDepthwise(d, input->data_as<const int8_t>(), filter->data_as<const int8_t>(),
                   MakeQuantizedStage<int8_t, int32_t, int32_t>(d, ctx, scratch),
                   static_cast<int32_t*>(acc), reinterpret_cast<int8_t*>(group_weights));
      break;
    case conv::Variant::kInt16x8:
      if (d.bias64) {
        RunDepthwise(d, input->data_as<const int16_t>(), filter->data_as<const int8_t>(),
                     MakeQuantizedStage<int16_t, int64_t, int64_t>(d, ctx, scratch),
                     static_cast<int64_t*>(acc), reinterpret_cast<int8_t*>(group_weights));
      } else {
        RunDepthwise(d, input->data_as<const int16_t>(), filter->data_as<const int8_t>(),
                     MakeQuantizedStage<int16_t, int64_t, int32_t, int32_t>(d, ctx, scratch),
                     static_cast<int64_t*>(acc), reinterpret_cast<int8_t*>(group_weights));
      }
      break;
  }
  return Status::kOk;
}

}  // namespace

// Version 5 (int16x8) is the highest implemented; hybrid weights (4, 6) are
// rejected in prepare.
const OpRegistration* Register_DEPTHWISE_CONV_2D() {
  static const OpRegistration r = {"DEPTHWISE_CONV_2D", nullptr, Prepare, Eval,
                                   nullptr, 5, nullptr,
                                   "input, filter, bias?", "output", kDepthwiseConvOptions};
  return &r;
}

}  // namespace tflm
