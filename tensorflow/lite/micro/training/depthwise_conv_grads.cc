// Gradients of DepthwiseConv2dNative (float32, NHWC), as TensorFlow defines
// them, with multiplier M, out_c = in_c * M and output channel o = c * M + m:
//
//   DepthwiseConv2dNativeBackpropFilter(input x, filter_sizes, out_backprop dy)
//     dW[ky, kx, c, m] = sum over b, oy, ox of x[b, iy, ix, c] * dy[b, oy, ox, c*M + m]
//   DepthwiseConv2dNativeBackpropInput(input_sizes, filter W, out_backprop dy)
//     dx[b, iy, ix, c] = sum over ky, kx, m of W[ky, kx, c, m] * dy[b, oy, ox, c*M + m]
//
// with (iy, ix) the input pixel under tap (ky, kx) of output pixel (oy, ox)
// (see conv_grad_util.h). The filter's [c, m] layout is the dy row's channel
// layout, so both gradients work on whole contiguous rows: with M = 1 every
// inner loop is an element-wise multiply-add over the channels.
//
// Filter gradient: for each tile of output pixels and each tap, the list of
// pixels whose tap is inside the image (conv_grad_util.h); dW[tap] gains four
// pixels' products per pass, so the row of dW is loaded and stored once per
// four pixels. Input gradient: for each output row and tap, the run of pixels
// whose tap is inside the image scatters W[tap] * dy into the dx pixels under
// the tap.
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/conv_grad_util.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

using conv_grad::ConvGradData;

constexpr const char* kFilterOp = "DepthwiseConv2dNativeBackpropFilter";
constexpr const char* kInputOp = "DepthwiseConv2dNativeBackpropInput";

// Prepare's part shared by both ops once g.batches/in_*/filter_*, the
// multiplier and the window attributes are known.
Status ResolveDepthwise(OpContext& ctx, const char* op, Padding padding,
                        ConvGradData* d) {
  d->g.out_c = d->g.in_c * d->depth_multiplier;
  return conv_grad::ResolveGeometry(ctx, op, padding, ctx.input(2), &d->g);
}

// ------------------------------------------------------------ filter gradient

// dw[c] += sum_n x[x_off[n] + c] * dy[dy_off[n] + c] (multiplier 1).
void AccumulateTap1(const float* __restrict x, const float* __restrict dy,
                    const int32_t* x_off, const int32_t* dy_off, int count, int channels,
                    float* __restrict dw) {
  int n = 0;
  for (; n + 4 <= count; n += 4) {
    const float* x0 = x + x_off[n];
    const float* x1 = x + x_off[n + 1];
    const float* x2 = x + x_off[n + 2];
    const float* x3 = x + x_off[n + 3];
    const float* d0 = dy + dy_off[n];
    const float* d1 = dy + dy_off[n + 1];
    const float* d2 = dy + dy_off[n + 2];
    const float* d3 = dy + dy_off[n + 3];
    for (int c = 0; c < channels; ++c) {
      dw[c] += (x0[c] * d0[c] + x1[c] * d1[c]) + (x2[c] * d2[c] + x3[c] * d3[c]);
    }
  }
  for (; n < count; ++n) {
    const float* xr = x + x_off[n];
    const float* dr = dy + dy_off[n];
    for (int c = 0; c < channels; ++c) dw[c] += xr[c] * dr[c];
  }
}

// dw[c * M + m] += sum_n x[x_off[n] + c] * dy[dy_off[n] + c * M + m].
void AccumulateTapM(const float* __restrict x, const float* __restrict dy,
                    const int32_t* x_off, const int32_t* dy_off, int count, int channels,
                    int multiplier, float* __restrict dw) {
  for (int n = 0; n < count; ++n) {
    const float* xr = x + x_off[n];
    const float* dr = dy + dy_off[n];
    for (int c = 0; c < channels; ++c) {
      const float xv = xr[c];
      float* w = dw + c * multiplier;
      const float* dv = dr + c * multiplier;
      for (int m = 0; m < multiplier; ++m) w[m] += xv * dv[m];
    }
  }
}

Status PrepareFilter(OpContext& ctx) {
  ConvGradData* d = nullptr;
  Padding padding;
  int32_t fs[4];
  TFLM_RETURN_IF_ERROR(conv_grad::PrepareCommon(ctx, kFilterOp, 0, "input", "(NHWC)", 1,
                                                "filter_sizes", &d, &padding, fs));
  conv::Geometry& g = d->g;
  const Tensor* input = ctx.input(0);
  g.batches = input->dims[0];
  g.in_h = input->dims[1];
  g.in_w = input->dims[2];
  g.in_c = input->dims[3];
  g.filter_h = fs[0];
  g.filter_w = fs[1];
  if (fs[2] != g.in_c) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: filter_sizes[2] = %d differs from the input's %d channels",
                     kFilterOp, static_cast<int>(fs[2]), g.in_c);
  }
  d->depth_multiplier = fs[3];
  TFLM_RETURN_IF_ERROR(ResolveDepthwise(ctx, kFilterOp, padding, d));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, fs, 4));
  return conv_grad::RequestTapLists(ctx, d);
}

Status EvalFilter(OpContext& ctx) {
  const ConvGradData& d = *ctx.op_data_as<ConvGradData>();
  const conv::Geometry& g = d.g;
  const float* x = ctx.input(0)->data_as<const float>();
  const float* dy = ctx.input(2)->data_as<const float>();
  float* dw = ctx.output(0)->data_as<float>();
  int32_t* x_off = static_cast<int32_t*>(ctx.scratch(d.scratch));
  int32_t* dy_off = x_off + d.tile_pixels;
  conv_grad::Zero(dw, static_cast<int64_t>(g.filter_h) * g.filter_w * g.out_c);
  const int pixels = g.batches * g.out_h * g.out_w;
  for (int p0 = 0; p0 < pixels; p0 += d.tile_pixels) {
    const int p1 = p0 + d.tile_pixels < pixels ? p0 + d.tile_pixels : pixels;
    for (int ky = 0; ky < g.filter_h; ++ky) {
      for (int kx = 0; kx < g.filter_w; ++kx) {
        const int count = conv_grad::BuildTapList(g, p0, p1, ky, kx, x_off, dy_off);
        float* dw_tap = dw + (ky * g.filter_w + kx) * g.out_c;
        if (d.depth_multiplier == 1) {
          AccumulateTap1(x, dy, x_off, dy_off, count, g.in_c, dw_tap);
        } else {
          AccumulateTapM(x, dy, x_off, dy_off, count, g.in_c, d.depth_multiplier, dw_tap);
        }
      }
    }
  }
  return Status::kOk;
}

// ------------------------------------------------------------- input gradient

// For `count` pixels: dx[c] += sum_m w[c * M + m] * dy[c * M + m], dx
// advancing by dx_step and dy by a row per pixel.
void ScatterRun(const float* __restrict w, const float* __restrict dy, int count,
                int channels, int multiplier, float* __restrict dx, int dx_step) {
  const int dy_step = channels * multiplier;
  if (multiplier == 1) {
    for (int n = 0; n < count; ++n, dx += dx_step, dy += dy_step) {
      for (int c = 0; c < channels; ++c) dx[c] += w[c] * dy[c];
    }
    return;
  }
  for (int n = 0; n < count; ++n, dx += dx_step, dy += dy_step) {
    for (int c = 0; c < channels; ++c) {
      const float* wc = w + c * multiplier;
      const float* dc = dy + c * multiplier;
      float sum = 0.0f;
      for (int m = 0; m < multiplier; ++m) sum += wc[m] * dc[m];
      dx[c] += sum;
    }
  }
}

Status PrepareInput(OpContext& ctx) {
  ConvGradData* d = nullptr;
  Padding padding;
  int32_t is[4];
  TFLM_RETURN_IF_ERROR(conv_grad::PrepareCommon(ctx, kInputOp, 1, "filter", "[h, w, in_c, multiplier]", 0,
                                                "input_sizes", &d, &padding, is));
  conv::Geometry& g = d->g;
  const Tensor* filter = ctx.input(1);
  g.batches = is[0];
  g.in_h = is[1];
  g.in_w = is[2];
  g.in_c = is[3];
  g.filter_h = filter->dims[0];
  g.filter_w = filter->dims[1];
  if (filter->dims[2] != g.in_c) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: the filter's %d channels differ from input_sizes[3] = %d",
                     kInputOp, static_cast<int>(filter->dims[2]), g.in_c);
  }
  d->depth_multiplier = filter->dims[3];
  d->scratch = -1;
  TFLM_RETURN_IF_ERROR(ResolveDepthwise(ctx, kInputOp, padding, d));
  return ctx.SetOutputShape(0, is, 4);
}

Status EvalInput(OpContext& ctx) {
  const ConvGradData& d = *ctx.op_data_as<ConvGradData>();
  const conv::Geometry& g = d.g;
  const float* w = ctx.input(1)->data_as<const float>();
  const float* dy = ctx.input(2)->data_as<const float>();
  float* dx = ctx.output(0)->data_as<float>();
  conv_grad::Zero(dx, static_cast<int64_t>(g.batches) * g.in_h * g.in_w * g.in_c);
  for (int b = 0; b < g.batches; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const float* dy_row = dy + (b * g.out_h + oy) * g.out_w * g.out_c;
      for (int ky = 0; ky < g.filter_h; ++ky) {
        const int iy = oy * g.stride_h - g.pad_h + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        float* dx_row = dx + (b * g.in_h + iy) * g.in_w * g.in_c;
        for (int kx = 0; kx < g.filter_w; ++kx) {
          const int tap_x = kx * g.dilation_w - g.pad_w;
          int lo = 0;
          int hi = 0;
          conv_grad::ValidOutputRange(g.out_w, g.stride_w, tap_x, g.in_w, &lo, &hi);
          if (lo >= hi) continue;
          ScatterRun(w + (ky * g.filter_w + kx) * g.out_c, dy_row + lo * g.out_c, hi - lo,
                     g.in_c, d.depth_multiplier,
                     dx_row + (lo * g.stride_w + tap_x) * g.in_c, g.stride_w * g.in_c);
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexDepthwiseConv2dNativeBackpropFilter() {
  static const OpRegistration r = {"FlexDepthwiseConv2dNativeBackpropFilter", nullptr,
                                   PrepareFilter, EvalFilter, nullptr, 0, nullptr,
                                   "input, filter_sizes, out_backprop", "output", nullptr};
  return &r;
}

const OpRegistration* Register_FlexDepthwiseConv2dNativeBackpropInput() {
  static const OpRegistration r = {"FlexDepthwiseConv2dNativeBackpropInput", nullptr,
                                   PrepareInput, EvalInput, nullptr, 0, nullptr,
                                   "input_sizes, filter, out_backprop", "output", nullptr};
  return &r;
}

}  // namespace tflm
