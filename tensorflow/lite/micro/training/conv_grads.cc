// Gradients of Conv2D (float32, NHWC), as TensorFlow defines them:
//
//   Conv2DBackpropFilter(input x, filter_sizes, out_backprop dy) -> dW
//     dW[ky, kx, ic, oc] = sum over b, oy, ox of x[b, iy, ix, ic] * dy[b, oy, ox, oc]
//   Conv2DBackpropInput(input_sizes, filter W, out_backprop dy) -> dx
//     dx[b, iy, ix, ic]  = sum over ky, kx, oc of W[ky, kx, ic, oc] * dy[b, oy, ox, oc]
//
// with (iy, ix) the input pixel under tap (ky, kx) of output pixel (oy, ox)
// (see conv_grad_util.h). filter_sizes / input_sizes must be known at
// prepare (constants, or SHAPE of a tensor of known shape).
//
// Filter gradient: for each tile of output pixels and each tap, dW[tap] (an
// in_c x out_c block, rows contiguous like the HWIO output) gets X^T * DY over
// the tile's pixels whose tap is inside the image (a list of row offsets, so
// the padding costs nothing and the inner loops have no branches). The GEMM
// keeps a 4 x 8 block of dW in registers while it runs down the list; both
// operands are contiguous 4- and 8-float pieces of x and dy rows.
//
// Input gradient: for each output row and tap, the run of output pixels whose
// tap is inside the image is a GEMM of their dy rows (k = out_c) with the
// tap's weight rows (W[ky, kx, ic, :], contiguous), accumulated into the dx
// pixels it scatters to (a row stride of stride_w pixels); it runs on the
// convolution family's dot-product GEMM (conv_gemm.h).
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/conv_grad_util.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

using conv_grad::ConvGradData;

constexpr const char* kFilterOp = "Conv2DBackpropFilter";
constexpr const char* kInputOp = "Conv2DBackpropInput";

// ------------------------------------------------------------ filter gradient

// dw[i * ldw + j] += sum_n x[x_off[n] + i] * dy[dy_off[n] + j], i < RI, j < RJ.
template <int RI, int RJ>
inline void OuterProductBlock(const float* __restrict x, const float* __restrict dy,
                              const int32_t* x_off, const int32_t* dy_off, int count,
                              float* __restrict dw, int ldw) {
  float acc[RI][RJ] = {};
  for (int n = 0; n < count; ++n) {
    const float* xr = x + x_off[n];
    const float* dr = dy + dy_off[n];
    for (int i = 0; i < RI; ++i) {
      const float xv = xr[i];
      // Keep the column loop a loop: it is what the vectorizer widens (else
      // GCC unrolls it and vectorizes across the list with gathers).
#pragma GCC unroll 1
      for (int j = 0; j < RJ; ++j) acc[i][j] += xv * dr[j];
    }
  }
  for (int i = 0; i < RI; ++i) {
    for (int j = 0; j < RJ; ++j) dw[i * ldw + j] += acc[i][j];
  }
}

// RI rows of dw (input channels ic0..), all out_c columns.
template <int RI>
inline void OuterProductRows(const float* x, const float* dy, const int32_t* x_off,
                             const int32_t* dy_off, int count, int out_c, float* dw) {
  int j = 0;
  for (; j + 8 <= out_c; j += 8) {
    OuterProductBlock<RI, 8>(x, dy + j, x_off, dy_off, count, dw + j, out_c);
  }
  for (; j + 4 <= out_c; j += 4) {
    OuterProductBlock<RI, 4>(x, dy + j, x_off, dy_off, count, dw + j, out_c);
  }
  for (; j < out_c; ++j) {
    OuterProductBlock<RI, 1>(x, dy + j, x_off, dy_off, count, dw + j, out_c);
  }
}

// dw_tap[ic][oc] += sum_n x[x_off[n] + ic] * dy[dy_off[n] + oc].
void AccumulateTap(const float* x, const float* dy, const int32_t* x_off,
                   const int32_t* dy_off, int count, int in_c, int out_c, float* dw_tap) {
  int i = 0;
  for (; i + 4 <= in_c; i += 4) {
    OuterProductRows<4>(x + i, dy, x_off, dy_off, count, out_c, dw_tap + i * out_c);
  }
  for (; i < in_c; ++i) {
    OuterProductRows<1>(x + i, dy, x_off, dy_off, count, out_c, dw_tap + i * out_c);
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
  g.out_c = fs[3];
  if (fs[2] != g.in_c) {
    return ctx.Error(Status::kUnsupported,
                     "%s: filter_sizes[2] = %d differs from the input's %d channels "
                     "(grouped convolution is not supported)",
                     kFilterOp, static_cast<int>(fs[2]), g.in_c);
  }
  d->depth_multiplier = 1;
  TFLM_RETURN_IF_ERROR(
      conv_grad::ResolveGeometry(ctx, kFilterOp, padding, ctx.input(2), &g));
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
  const int tap_size = g.in_c * g.out_c;
  conv_grad::Zero(dw, static_cast<int64_t>(g.filter_h) * g.filter_w * tap_size);
  const int pixels = g.batches * g.out_h * g.out_w;
  for (int p0 = 0; p0 < pixels; p0 += d.tile_pixels) {
    const int p1 = p0 + d.tile_pixels < pixels ? p0 + d.tile_pixels : pixels;
    for (int ky = 0; ky < g.filter_h; ++ky) {
      for (int kx = 0; kx < g.filter_w; ++kx) {
        const int count = conv_grad::BuildTapList(g, p0, p1, ky, kx, x_off, dy_off);
        if (count == 0) continue;
        AccumulateTap(x, dy, x_off, dy_off, count, g.in_c, g.out_c,
                      dw + (ky * g.filter_w + kx) * tap_size);
      }
    }
  }
  return Status::kOk;
}

// ------------------------------------------------------------- input gradient

// Adds each GEMM result into out[r * ldo + n] (the dx pixels of one run).
struct AccumulateStage {
  using Acc = float;
  float* out;
  int ldo;
  void Store(int r, int n, float acc) const { out[r * ldo + n] += acc; }
};

Status PrepareInput(OpContext& ctx) {
  ConvGradData* d = nullptr;
  Padding padding;
  int32_t is[4];
  TFLM_RETURN_IF_ERROR(conv_grad::PrepareCommon(ctx, kInputOp, 1, "filter", "[h, w, in_c, out_c]", 0,
                                                "input_sizes", &d, &padding, is));
  conv::Geometry& g = d->g;
  const Tensor* filter = ctx.input(1);
  g.batches = is[0];
  g.in_h = is[1];
  g.in_w = is[2];
  g.in_c = is[3];
  g.filter_h = filter->dims[0];
  g.filter_w = filter->dims[1];
  g.out_c = filter->dims[3];
  if (filter->dims[2] != g.in_c) {
    return ctx.Error(Status::kUnsupported,
                     "%s: the filter's %d input channels differ from input_sizes[3] = "
                     "%d (grouped convolution is not supported)",
                     kInputOp, static_cast<int>(filter->dims[2]), g.in_c);
  }
  d->depth_multiplier = 1;
  d->scratch = -1;
  TFLM_RETURN_IF_ERROR(conv_grad::ResolveGeometry(ctx, kInputOp, padding, ctx.input(2), &g));
  return ctx.SetOutputShape(0, is, 4);
}

Status EvalInput(OpContext& ctx) {
  const conv::Geometry& g = ctx.op_data_as<ConvGradData>()->g;
  const float* w = ctx.input(1)->data_as<const float>();
  const float* dy = ctx.input(2)->data_as<const float>();
  float* dx = ctx.output(0)->data_as<float>();
  conv_grad::Zero(dx, static_cast<int64_t>(g.batches) * g.in_h * g.in_w * g.in_c);
  const int tap_size = g.in_c * g.out_c;
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
          const AccumulateStage stage = {dx_row + (lo * g.stride_w + tap_x) * g.in_c,
                                         g.stride_w * g.in_c};
          conv::Gemm(dy_row + lo * g.out_c, g.out_c, hi - lo,
                     w + (ky * g.filter_w + kx) * tap_size, g.out_c, g.in_c, g.out_c,
                     stage, static_cast<float*>(nullptr));
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexConv2DBackpropFilter() {
  static const OpRegistration r = {"FlexConv2DBackpropFilter", nullptr, PrepareFilter,
                                   EvalFilter, nullptr, 0, nullptr,
                                   "input, filter_sizes, out_backprop", "output", nullptr};
  return &r;
}

const OpRegistration* Register_FlexConv2DBackpropInput() {
  static const OpRegistration r = {"FlexConv2DBackpropInput", nullptr, PrepareInput,
                                   EvalInput, nullptr, 0, nullptr,
                                   "input_sizes, filter, out_backprop", "output", nullptr};
  return &r;
}

}  // namespace tflm
