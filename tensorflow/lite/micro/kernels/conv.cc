// CONV_2D: NHWC input, [out_c][kh][kw][in_c / groups] weights, optional
// bias. float32, int8 (per-channel or per-tensor weights) and int16x8.
//
// Each tile of output pixels becomes rows of image patches (im2col, zero
// point subtracted, padding as 0) in a small scratch buffer; a 1x1 stride-1
// convolution reads its rows straight from the input when no widening is
// needed. The rows then go through the family's GEMM (conv_gemm.h) against
// the weights as stored in the model.
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// Conv2DOptions field numbers.
constexpr int kPaddingField = 0;
constexpr int kStrideWField = 1;
constexpr int kStrideHField = 2;
constexpr int kActivationField = 3;
constexpr int kDilationWField = 4;
constexpr int kDilationHField = 5;

// Checked by the interpreter before prepare: the window arithmetic divides
// by the strides and multiplies by the dilations.
constexpr OptionRange kConvOptions[] = {
    {"padding", kPaddingField, 1, 0, 0, 1},
    {"stride_w", kStrideWField, 4, 0, 1, INT32_MAX},
    {"stride_h", kStrideHField, 4, 0, 1, INT32_MAX},
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {"dilation_w_factor", kDilationWField, 4, 1, 1, INT32_MAX},
    {"dilation_h_factor", kDilationHField, 4, 1, 1, INT32_MAX},
    {nullptr, 0, 0, 0, 0, 0},
};

struct ConvData {
  conv::ChannelQuant quant;
  conv::Geometry g;
  conv::Variant variant;
  bool bias64;
  bool direct;        // 1x1, stride 1: a row is an input pixel
  int groups;
  int group_in_c;  // input channels per group (weights' last dim)
  int k;           // filter_h * filter_w * group_in_c
  int tile_rows;
  bool pack_rows;  // rows are packed into the start of the scratch
  bool padded;     // integer k < conv::kPadK: rows and weights padded to it
  int tile_ld;     // row stride of the packed tile: k or conv::kPadK
  // Offsets in the scratch of the GEMM accumulators (integer variants), the
  // right multipliers (int8) and the padded weights (when `padded`).
  uint32_t acc_offset;
  uint32_t rmult_offset;
  uint32_t weights_offset;
  int scratch;  // -1 when nothing is needed
};

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  const Tensor* bias = ctx.input(2);
  Tensor* output = ctx.output(0);
  conv::Variant variant;
  TFLM_RETURN_IF_ERROR(conv::ResolveVariant(ctx, input, filter, output, &variant));
  if (input->rank != 4 || filter->rank != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "input and weights must be 4-D (got rank %d and %d)",
                     input->rank, filter->rank);
  }
  ConvData* d = ctx.AllocateOpData<ConvData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->variant = variant;
  conv::Geometry& g = d->g;
  g.batches = input->dims[0];
  g.in_h = input->dims[1];
  g.in_w = input->dims[2];
  g.in_c = input->dims[3];
  g.out_c = filter->dims[0];
  g.filter_h = filter->dims[1];
  g.filter_w = filter->dims[2];
  d->group_in_c = filter->dims[3];
  Padding padding;
  FusedActivation activation;
  TFLM_RETURN_IF_ERROR(conv::ReadWindowOptions(
      ctx, {kPaddingField, kStrideWField, kStrideHField, kDilationWField,
            kDilationHField, kActivationField},
      &g, &padding, &activation));

  if (d->group_in_c <= 0 || g.in_c <= 0 || g.in_c % d->group_in_c != 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "input has %d channels, not a positive multiple of the weights' %d",
                     g.in_c, d->group_in_c);
  }
  d->groups = g.in_c / d->group_in_c;
  if (g.out_c % d->groups != 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "%d output channels do not split into %d groups", g.out_c,
                     d->groups);
  }
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
                                                 g.out_c, 0, &d->quant));
  const int32_t out_dims[4] = {g.batches, g.out_h, g.out_w, g.out_c};
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, 4));

  d->k = g.filter_h * g.filter_w * d->group_in_c;
  d->direct = g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 &&
              g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
  const int elem = variant == conv::Variant::kFloat ? 4 : 2;
  d->tile_rows = conv::TileRows(d->k, variant == conv::Variant::kFloat);
  d->padded = variant != conv::Variant::kFloat && d->k < conv::kPadK;
  d->tile_ld = d->padded ? conv::kPadK : d->k;
  // Rows need packing unless they can be read in place: float or int16
  // (zero point 0) inputs of a direct convolution without padding.
  d->pack_rows = !(d->direct && variant != conv::Variant::kInt8 && !d->padded);
  const size_t tile_bytes =
      d->pack_rows ? conv::RoundUp8(static_cast<size_t>(d->tile_rows) * d->tile_ld * elem) : 0;
  const int per_group = g.out_c / d->groups;
  const size_t acc_bytes =
      variant == conv::Variant::kFloat  ? 0
      : variant == conv::Variant::kInt8 ? conv::GemmAccBytes<int32_t>(per_group)
                                        : conv::GemmAccBytes<int64_t>(per_group);
  const size_t rmult_bytes = conv::RoundUp8(conv::RightMultBytes(variant, g.out_c));
  const size_t weights_bytes =
      d->padded ? sizeof(int16_t) * conv::kPadK * static_cast<size_t>(g.out_c) : 0;
  d->acc_offset = static_cast<uint32_t>(tile_bytes);
  d->rmult_offset = static_cast<uint32_t>(tile_bytes + acc_bytes);
  d->weights_offset = static_cast<uint32_t>(tile_bytes + acc_bytes + rmult_bytes);
  const size_t total = tile_bytes + acc_bytes + rmult_bytes + weights_bytes;
  d->scratch = -1;
  if (total > 0) TFLM_RETURN_IF_ERROR(ctx.RequestScratch(total, &d->scratch));
  return Status::kOk;
}

// Fills row `r` of the tile with the patch under output pixel (oy, ox) of
// group `group`.
template <typename TIn, typename TA>
inline void Im2colRow(const ConvData& d, const TIn* in_b, int oy, int ox,
                      int group, TA* dst) {
  const conv::Geometry& g = d.g;
  const int c = d.group_in_c;
  const int32_t zp = d.quant.input_zero_point;
  const TIn* in_g = in_b + group * c;
  const int ix0 = ox * g.stride_w - g.pad_w;
  // A filter row inside the image over dense channels is one contiguous run.
  const bool row_run = g.dilation_w == 1 && c == g.in_c && ix0 >= 0 &&
                       ix0 + g.filter_w <= g.in_w;
  for (int ky = 0; ky < g.filter_h; ++ky) {
    const int iy = oy * g.stride_h - g.pad_h + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      conv::ZeroRow(g.filter_w * c, dst);
      dst += g.filter_w * c;
      continue;
    }
    if (row_run) {
      conv::PackRow(in_g + (iy * g.in_w + ix0) * g.in_c, g.filter_w * c, zp, dst);
      dst += g.filter_w * c;
      continue;
    }
    for (int kx = 0; kx < g.filter_w; ++kx, dst += c) {
      const int ix = ix0 + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) {
        conv::ZeroRow(c, dst);
      } else {
        conv::PackRow(in_g + (iy * g.in_w + ix) * g.in_c, c, zp, dst);
      }
    }
  }
}

// The one body behind every dtype: TIn input, TA packed rows, TW weights.
template <typename TIn, typename TA, typename TW, typename Stage>
void RunConv(const ConvData& d, const TIn* input, const TW* filter,
             const Stage& stage, TA* tile, typename Stage::Acc* acc,
             const int16_t* padded_weights) {
  const conv::Geometry& g = d.g;
  const int pixels = g.out_h * g.out_w;
  const int per_group = g.out_c / d.groups;
  const int k = d.k;
  const int ld = d.tile_ld;
  for (int b = 0; b < g.batches; ++b) {
    const TIn* in_b = input + static_cast<int64_t>(b) * g.in_h * g.in_w * g.in_c;
    for (int p0 = 0; p0 < pixels; p0 += d.tile_rows) {
      const int rows = pixels - p0 < d.tile_rows ? pixels - p0 : d.tile_rows;
      for (int group = 0; group < d.groups; ++group) {
        const TA* a = tile;
        int lda = ld;
        if (d.direct) {
          const TIn* src = in_b + static_cast<int64_t>(p0) * g.in_c + group * k;
          if (tile == nullptr) {
            a = reinterpret_cast<const TA*>(src);  // TIn == TA here
            lda = g.in_c;
          } else {
            for (int r = 0; r < rows; ++r) {
              conv::PackRow(src + r * g.in_c, k, d.quant.input_zero_point, tile + r * ld);
            }
          }
        } else {
          int oy = p0 / g.out_w;
          int ox = p0 % g.out_w;
          for (int r = 0; r < rows; ++r) {
            Im2colRow(d, in_b, oy, ox, group, tile + r * ld);
            if (++ox == g.out_w) {
              ox = 0;
              ++oy;
            }
          }
        }
        const Stage s = stage.Shifted(b * pixels + p0, group * per_group);
        if constexpr (!std::is_same<TA, float>::value) {
          if (d.padded) {
            for (int r = 0; r < rows; ++r) conv::ZeroRow(ld - k, tile + r * ld + k);
            conv::GemmPadded(tile, rows, padded_weights + group * per_group * ld,
                             per_group, s, acc);
            continue;
          }
        }
        conv::Gemm(a, lda, rows, filter + static_cast<int64_t>(group) * per_group * k,
                   k, per_group, k, s, acc);
      }
    }
  }
}

template <typename TOut, typename TAcc, typename TBias, typename TScale = TAcc>
conv::QuantizedStage<TOut, TAcc, TBias, TScale> MakeQuantizedStage(
    const ConvData& d, OpContext& ctx, uint8_t* scratch) {
  uint32_t* right_mult =
      scratch != nullptr ? reinterpret_cast<uint32_t*>(scratch + d.rmult_offset) : nullptr;
  return conv::MakeQuantizedStage<TOut, TAcc, TBias, TScale>(
      d.quant, ctx.output(0)->data_as<TOut>(), d.g.out_c, ctx.input(2), d.g.out_c, right_mult);
}

Status Eval(OpContext& ctx) {
  const ConvData& d = *ctx.op_data_as<ConvData>();
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  uint8_t* scratch = d.scratch >= 0 ? static_cast<uint8_t*>(ctx.scratch(d.scratch)) : nullptr;
  void* tile = d.pack_rows ? scratch : nullptr;
  void* acc = scratch != nullptr ? scratch + d.acc_offset : nullptr;
  int16_t* padded = nullptr;
  if (d.padded) {
    padded = reinterpret_cast<int16_t*>(scratch + d.weights_offset);
    conv::PadWeights(filter->data_as<const int8_t>(), d.g.out_c, d.k, padded);
  }
  switch (d.variant) {
    case conv::Variant::kFloat: {
      const Tensor* bias = ctx.input(2);
      const conv::FloatStage stage = {
          ctx.output(0)->data_as<float>(), d.g.out_c,
          bias != nullptr ? bias->data_as<const float>() : nullptr,
          d.quant.float_min, d.quant.float_max};
      RunConv(d, input->data_as<const float>(), filter->data_as<const float>(),
              stage, static_cast<float*>(tile), static_cast<float*>(nullptr), nullptr);
      break;
    }
    case conv::Variant::kInt8:
      RunConv(d, input->data_as<const int8_t>(), filter->data_as<const int8_t>(),
              MakeQuantizedStage<int8_t, int32_t, int32_t>(d, ctx, scratch),
              static_cast<int16_t*>(tile), static_cast<int32_t*>(acc), padded);
      break;
    case conv::Variant::kInt16x8:
      if (d.bias64) {
        RunConv(d, input->data_as<const int16_t>(), filter->data_as<const int8_t>(),
                MakeQuantizedStage<int16_t, int64_t, int64_t>(d, ctx, scratch),
                static_cast<int16_t*>(tile), static_cast<int64_t*>(acc), padded);
      } else {
        RunConv(d, input->data_as<const int16_t>(), filter->data_as<const int8_t>(),
                MakeQuantizedStage<int16_t, int64_t, int32_t, int32_t>(d, ctx, scratch),
                static_cast<int16_t*>(tile), static_cast<int64_t*>(acc), padded);
      }
      break;
  }
  return Status::kOk;
}

}  // namespace

// Version 8 (int16x8 with an int32 bias) is the highest implemented; hybrid
// (2, 5) and int4 (7) weights are rejected in prepare.
const OpRegistration* Register_CONV_2D() {
  static const OpRegistration r = {"CONV_2D", nullptr, Prepare, Eval, nullptr, 8, nullptr,
                                   "input, filter, bias?", "output", kConvOptions};
  return &r;
}

}  // namespace tflm
