// TRANSPOSE_CONV: inputs (output_shape, weights [out_c][kh][kw][in_c],
// input NHWC, optional bias). float32, int8 (per-channel weights) and
// int16x8, with a fused activation (version 4).
//
// Computed in gather form: the patch under each output pixel takes, for each
// tap, the input pixel that the transposed convolution would scatter there
// (or zeros), so the rows go through the family's GEMM against the weights as
// stored, and no output-sized accumulator buffer is needed.
//
// output_shape known at prepare (a constant, or shape arithmetic evaluated
// then) fixes the output shape at prepare, and any positive height and width
// are taken, as TFLite does. An output_shape known only at invoke (a graph
// input) is where TFLite makes the output dynamic; here memory is planned, so:
//   - prepare plans the output at the largest shape whose forward convolution
//     gives the input's size (TensorFlow's own condition on conv2d_transpose):
//     per spatial dimension in*stride (SAME) or in*stride + filter - 1
//     (VALID), with the input's batch and the weights' output channels;
//   - eval checks output_shape: the batch and channels must be those, and
//     each spatial size in the range whose forward convolution gives the
//     input's size (SAME: (in-1)*stride+1 .. in*stride; VALID:
//     (in-1)*stride+filter .. in*stride+filter-1); otherwise a clear error;
//   - when the output is a result only (no other op reads it), its dims become
//     output_shape's; when ops read it, they were prepared with the planned
//     shape, so output_shape must equal it (OpContext::AllowOutputShapeAtEval).
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// TransposeConvOptions field numbers.
constexpr int kPaddingField = 0;
constexpr int kStrideWField = 1;
constexpr int kStrideHField = 2;
constexpr int kActivationField = 3;

// Checked by the interpreter before prepare: the window arithmetic divides
// by the strides.
constexpr OptionRange kTransposeConvOptions[] = {
    {"padding", kPaddingField, 1, 0, 0, 1},
    {"stride_w", kStrideWField, 4, 0, 1, INT32_MAX},
    {"stride_h", kStrideHField, 4, 0, 1, INT32_MAX},
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

constexpr int kOutputShapeInput = 0;
constexpr int kWeightsInput = 1;
constexpr int kDataInput = 2;
constexpr int kBiasInput = 3;

struct TransposeConvData {
  conv::ChannelQuant quant;
  conv::Geometry g;  // out_h, out_w and pads: planned ones when shape_at_eval
  conv::Variant variant;
  Padding padding;
  bool bias64;
  bool shape_at_eval;     // output_shape is read at eval
  bool shape_may_differ;  // ... and may differ from the planned shape
  int k;  // filter_h * filter_w * in_c
  int tile_rows;
  uint32_t acc_offset;  // GEMM accumulators (integer variants) in the scratch
  uint32_t rmult_offset;  // right multipliers (int8) in the scratch
  int scratch;          // one tile of gathered rows, then the accumulators
};

// As TFLite: the padding of the forward convolution from the output back
// to an input of the size that convolution would produce.
void SetPadding(Padding padding, conv::Geometry* g) {
  int offset = 0;
  const int fwd_h = ComputeOutputSize(padding, g->out_h, g->filter_h, g->stride_h);
  const int fwd_w = ComputeOutputSize(padding, g->out_w, g->filter_w, g->stride_w);
  g->pad_h = ComputePadding(g->stride_h, 1, g->out_h, g->filter_h, fwd_h, &offset);
  g->pad_w = ComputePadding(g->stride_w, 1, g->out_w, g->filter_w, fwd_w, &offset);
}

// The output sizes along one dimension whose forward convolution (same
// filter, stride and padding) has `in` elements: [*lo, *hi].
void OutputSizeRange(Padding padding, int in, int filter, int stride, int64_t* lo,
                     int64_t* hi) {
  const int64_t base = static_cast<int64_t>(in - 1) * stride;
  *lo = base + (padding == Padding::kSame ? 1 : filter);
  *hi = base + stride + (padding == Padding::kSame ? 0 : filter - 1);
  if (*lo < 1) *lo = 1;
}

Status ShapeMismatch(OpContext& ctx, const int32_t* out_dims, const conv::Geometry& g) {
  return ctx.Error(Status::kInvalidArgument,
                   "output_shape [%d, %d, %d, %d] does not match batch %d and "
                   "%d output channels",
                   static_cast<int>(out_dims[0]), static_cast<int>(out_dims[1]),
                   static_cast<int>(out_dims[2]), static_cast<int>(out_dims[3]),
                   g.batches, g.out_c);
}

// Eval, output_shape not known at prepare: checks this invoke's value, sets
// the output's dims and gives `g` its size and padding.
Status ResolveOutputShape(OpContext& ctx, const TransposeConvData& d, conv::Geometry* g) {
  int32_t out_dims[4];
  memcpy(out_dims, ctx.input(kOutputShapeInput)->data, sizeof(out_dims));
  if (out_dims[0] != g->batches || out_dims[3] != g->out_c) {
    return ShapeMismatch(ctx, out_dims, *g);
  }
  int64_t lo_h, hi_h, lo_w, hi_w;
  OutputSizeRange(d.padding, g->in_h, g->filter_h, g->stride_h, &lo_h, &hi_h);
  OutputSizeRange(d.padding, g->in_w, g->filter_w, g->stride_w, &lo_w, &hi_w);
  if (out_dims[1] < lo_h || out_dims[1] > hi_h || out_dims[2] < lo_w || out_dims[2] > hi_w) {
    return ctx.Error(Status::kInvalidArgument,
                     "output_shape [%d, %d, %d, %d] is not an output of a transposed "
                     "convolution of the %dx%d input (stride %dx%d, %dx%d filter, %s "
                     "padding): height must be in [%lld, %lld] and width in [%lld, %lld]",
                     static_cast<int>(out_dims[0]), static_cast<int>(out_dims[1]),
                     static_cast<int>(out_dims[2]), static_cast<int>(out_dims[3]), g->in_h,
                     g->in_w, g->stride_h, g->stride_w, g->filter_h, g->filter_w,
                     d.padding == Padding::kSame ? "SAME" : "VALID",
                     static_cast<long long>(lo_h), static_cast<long long>(hi_h),
                     static_cast<long long>(lo_w), static_cast<long long>(hi_w));
  }
  if (!d.shape_may_differ) {
    if (out_dims[1] == g->out_h && out_dims[2] == g->out_w) return Status::kOk;
    return ctx.Error(Status::kInvalidArgument,
                     "output_shape [%d, %d, %d, %d] differs from [%d, %d, %d, %d], the shape "
                     "planned at prepare (the largest this input allows) with which the ops "
                     "that read this output were prepared: when output_shape is known only "
                     "during invoke and other ops read the output, it must be the planned "
                     "shape",
                     static_cast<int>(out_dims[0]), static_cast<int>(out_dims[1]),
                     static_cast<int>(out_dims[2]), static_cast<int>(out_dims[3]), g->batches,
                     g->out_h, g->out_w, g->out_c);
  }
  // Even when it is the planned shape: the last invoke may have set others.
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeAtEval(0, out_dims, 4));
  g->out_h = out_dims[1];
  g->out_w = out_dims[2];
  SetPadding(d.padding, g);
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* shape = ctx.input(kOutputShapeInput);
  const Tensor* filter = ctx.input(kWeightsInput);
  const Tensor* input = ctx.input(kDataInput);
  const Tensor* bias = ctx.input(kBiasInput);
  Tensor* output = ctx.output(0);
  conv::Variant variant;
  TFLM_RETURN_IF_ERROR(conv::ResolveVariant(ctx, input, filter, output, &variant));
  if (input->rank != 4 || filter->rank != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "input and weights must be 4-D (got rank %d and %d)",
                     input->rank, filter->rank);
  }
  if (shape->type != DataType::kInt32 || shape->rank != 1 || shape->dims[0] != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "output_shape must be an int32 vector of 4 elements");
  }
  TransposeConvData* d = ctx.AllocateOpData<TransposeConvData>();
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
  FusedActivation activation;
  TFLM_RETURN_IF_ERROR(conv::ReadWindowOptions(
      ctx, {kPaddingField, kStrideWField, kStrideHField, -1, -1, kActivationField},
      &g, &d->padding, &activation));
  if (filter->dims[3] != g.in_c) {
    return ctx.Error(Status::kInvalidArgument,
                     "weights have %d input channels, input has %d",
                     static_cast<int>(filter->dims[3]), g.in_c);
  }
  int32_t out_dims[4];
  d->shape_at_eval = !OpContext::ValueKnownAtPrepare(shape);
  if (d->shape_at_eval) {
    // Planned at the largest shape eval may accept (see the file comment).
    int64_t lo_h, hi_h, lo_w, hi_w;
    OutputSizeRange(d->padding, g.in_h, g.filter_h, g.stride_h, &lo_h, &hi_h);
    OutputSizeRange(d->padding, g.in_w, g.filter_w, g.stride_w, &lo_w, &hi_w);
    if (hi_h > INT32_MAX || hi_w > INT32_MAX) {
      return ctx.Error(Status::kUnsupported,
                       "the output of a %dx%d input at stride %dx%d is too large to plan",
                       g.in_h, g.in_w, g.stride_h, g.stride_w);
    }
    out_dims[0] = g.batches;
    out_dims[1] = static_cast<int32_t>(hi_h < 1 ? 1 : hi_h);
    out_dims[2] = static_cast<int32_t>(hi_w < 1 ? 1 : hi_w);
    out_dims[3] = g.out_c;
  } else {
    memcpy(out_dims, shape->data, sizeof(out_dims));
  }
  g.out_h = out_dims[1];
  g.out_w = out_dims[2];
  if (out_dims[0] != g.batches || out_dims[3] != g.out_c || g.out_h <= 0 ||
      g.out_w <= 0) {
    return ShapeMismatch(ctx, out_dims, g);
  }
  SetPadding(d->padding, &g);
  TFLM_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, variant, g.out_c, &d->bias64));
  TFLM_RETURN_IF_ERROR(conv::PrepareChannelQuant(ctx, variant, activation,
                                                 kDataInput, kWeightsInput,
                                                 g.out_c, 0, &d->quant));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, 4));
  if (d->shape_at_eval) {
    TFLM_RETURN_IF_ERROR(ctx.AllowOutputShapeAtEval(0, &d->shape_may_differ));
  }
  d->k = g.filter_h * g.filter_w * g.in_c;
  const int elem = variant == conv::Variant::kFloat ? 4 : 2;
  d->tile_rows = conv::TileRows(d->k, variant == conv::Variant::kFloat);
  const size_t tile_bytes =
      conv::RoundUp8(static_cast<size_t>(d->tile_rows) * d->k * elem);
  const size_t acc_bytes =
      variant == conv::Variant::kFloat  ? 0
      : variant == conv::Variant::kInt8 ? conv::GemmAccBytes<int32_t>(g.out_c)
                                        : conv::GemmAccBytes<int64_t>(g.out_c);
  d->acc_offset = static_cast<uint32_t>(tile_bytes);
  d->rmult_offset = static_cast<uint32_t>(tile_bytes + acc_bytes);
  return ctx.RequestScratch(
      tile_bytes + acc_bytes + conv::RightMultBytes(variant, g.out_c), &d->scratch);
}

// Input coordinate that lands on output coordinate `o` through tap `kk`, or
// -1 if none does.
inline int SourceIndex(int o, int pad, int kk, int stride, int size) {
  const int n = o + pad - kk;
  if (n < 0 || n % stride != 0) return -1;
  const int i = n / stride;
  return i < size ? i : -1;
}

template <typename TIn, typename TA>
inline void GatherRow(const TransposeConvData& d, const conv::Geometry& g,
                      const TIn* in_b, int oy, int ox, TA* dst) {
  const int c = g.in_c;
  for (int ky = 0; ky < g.filter_h; ++ky) {
    const int iy = SourceIndex(oy, g.pad_h, ky, g.stride_h, g.in_h);
    for (int kx = 0; kx < g.filter_w; ++kx, dst += c) {
      const int ix = iy < 0 ? -1 : SourceIndex(ox, g.pad_w, kx, g.stride_w, g.in_w);
      if (ix < 0) {
        conv::ZeroRow(c, dst);
      } else {
        conv::PackRow(in_b + (iy * g.in_w + ix) * c, c, d.quant.input_zero_point, dst);
      }
    }
  }
}

template <typename TIn, typename TA, typename TW, typename Stage>
void RunTransposeConv(const TransposeConvData& d, const conv::Geometry& g,
                      const TIn* input, const TW* filter, const Stage& stage, TA* tile,
                      typename Stage::Acc* acc) {
  const int pixels = g.out_h * g.out_w;
  for (int b = 0; b < g.batches; ++b) {
    const TIn* in_b = input + static_cast<int64_t>(b) * g.in_h * g.in_w * g.in_c;
    for (int p0 = 0; p0 < pixels; p0 += d.tile_rows) {
      const int rows = pixels - p0 < d.tile_rows ? pixels - p0 : d.tile_rows;
      int oy = p0 / g.out_w;
      int ox = p0 % g.out_w;
      for (int r = 0; r < rows; ++r) {
        GatherRow(d, g, in_b, oy, ox, tile + r * d.k);
        if (++ox == g.out_w) {
          ox = 0;
          ++oy;
        }
      }
      conv::Gemm(tile, d.k, rows, filter, d.k, g.out_c, d.k,
                 stage.Shifted(b * pixels + p0, 0), acc);
    }
  }
}

template <typename TOut, typename TAcc, typename TBias, typename TScale = TAcc>
conv::QuantizedStage<TOut, TAcc, TBias, TScale> MakeQuantizedStage(
    const TransposeConvData& d, OpContext& ctx, uint8_t* scratch) {
  uint32_t* right_mult =
      scratch != nullptr ? reinterpret_cast<uint32_t*>(scratch + d.rmult_offset) : nullptr;
  return conv::MakeQuantizedStage<TOut, TAcc, TBias, TScale>(
      d.quant, ctx.output(0)->data_as<TOut>(), d.g.out_c, ctx.input(kBiasInput), d.g.out_c, right_mult);
}

Status Eval(OpContext& ctx) {
  const TransposeConvData& d = *ctx.op_data_as<TransposeConvData>();
  conv::Geometry g = d.g;
  if (d.shape_at_eval) TFLM_RETURN_IF_ERROR(ResolveOutputShape(ctx, d, &g));
  const Tensor* input = ctx.input(kDataInput);
  const Tensor* filter = ctx.input(kWeightsInput);
  uint8_t* scratch = static_cast<uint8_t*>(ctx.scratch(d.scratch));
  uint8_t* tile = scratch;
  uint8_t* acc = scratch + d.acc_offset;
  switch (d.variant) {
    case conv::Variant::kFloat: {
      const Tensor* bias = ctx.input(kBiasInput);
      const conv::FloatStage stage = {
          ctx.output(0)->data_as<float>(), d.g.out_c,
          bias != nullptr ? bias->data_as<const float>() : nullptr,
          d.quant.float_min, d.quant.float_max};
      RunTransposeConv(d, g, input->data_as<const float>(),
                       filter->data_as<const float>(), stage,
                       reinterpret_cast<float*>(tile), static_cast<float*>(nullptr));
      break;
    }
    case conv::Variant::kInt8:
      RunTransposeConv(d, g, input->data_as<const int8_t>(),
                       filter->data_as<const int8_t>(),
                       MakeQuantizedStage<int8_t, int32_t, int32_t>(d, ctx, scratch),
                       reinterpret_cast<int16_t*>(tile), reinterpret_cast<int32_t*>(acc));
      break;
    case conv::Variant::kInt16x8:
      if (d.bias64) {
        RunTransposeConv(d, g, input->data_as<const int16_t>(),
                         filter->data_as<const int8_t>(),
                         MakeQuantizedStage<int16_t, int64_t, int64_t>(d, ctx, scratch),
                         reinterpret_cast<int16_t*>(tile), reinterpret_cast<int64_t*>(acc));
      } else {
        RunTransposeConv(d, g, input->data_as<const int16_t>(),
                         filter->data_as<const int8_t>(),
                         MakeQuantizedStage<int16_t, int64_t, int32_t, int32_t>(d, ctx, scratch),
                         reinterpret_cast<int16_t*>(tile), reinterpret_cast<int64_t*>(acc));
      }
      break;
  }
  return Status::kOk;
}

}  // namespace

// Version 5 (int16x8 with an int32 bias) is the highest TFLite defines.
const OpRegistration* Register_TRANSPOSE_CONV() {
  static const OpRegistration r = {"TRANSPOSE_CONV", nullptr, Prepare, Eval,
                                   nullptr, 5, nullptr,
                                   "output_shape, weights, input, bias?",
                                   "output", kTransposeConvOptions};
  return &r;
}

}  // namespace tflm
