// Shared by the convolution gradients (conv_grads.cc, depthwise_conv_grads.cc):
// the attributes of TensorFlow's Conv2DBackprop* / DepthwiseConv2dNative-
// Backprop* ops, the shape vectors they take as inputs (filter_sizes,
// input_sizes), the window geometry, and the per-tap pixel lists the filter
// gradients iterate over.
//
// Conventions (TensorFlow's, NHWC only):
//   input x / input gradient dx      [batch, in_h, in_w, in_c]
//   out_backprop dy                  [batch, out_h, out_w, out_c]
//   Conv2D filter                    [filter_h, filter_w, in_c, out_c]
//   depthwise filter                 [filter_h, filter_w, in_c, multiplier],
//                                    out_c = in_c * multiplier, channel c * m
//   Tap (ky, kx) of output pixel (oy, ox) reads input pixel
//     (oy * stride_h - pad_h + ky * dilation_h, ox * stride_w - pad_w + kx * dilation_w)
//   and contributes nothing when that pixel lies in the padding.
#ifndef TENSORFLOW_LITE_MICRO_TRAINING_CONV_GRAD_UTIL_H_
#define TENSORFLOW_LITE_MICRO_TRAINING_CONV_GRAD_UTIL_H_

#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace conv_grad {

// Op data of every kernel of the family; allocated in prepare (so it lives
// until the graph is re-prepared).
struct ConvGradData {
  conv::Geometry g;
  int depth_multiplier;  // depthwise ops; 1 otherwise
  int tile_pixels;       // filter gradients: output pixels per tile
  int scratch;           // filter gradients: the tile's tap lists (2 x int32)
};

// Strides, dilations and padding from the NodeDef into `g` (stride_*,
// dilation_*); `*padding` receives SAME or VALID. NCHW, EXPLICIT padding and
// strides or dilations over the batch or channels are kUnsupported.
inline Status ReadWindowAttrs(OpContext& ctx, const char* op_name, conv::Geometry* g,
                              Padding* padding) {
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, op_name, &node));
  AttrValue attr;
  if (node.FindAttr("data_format", &attr)) {
    const uint8_t* s = nullptr;
    size_t n = 0;
    TFLM_RETURN_IF_ERROR(ReadStringAttr(ctx, node, "data_format", &s, &n));
    if (n != 4 || memcmp(s, "NHWC", 4) != 0) {
      return ctx.Error(Status::kUnsupported,
                       "%s: data_format '%.*s' is not supported (only NHWC)", op_name,
                       static_cast<int>(n), reinterpret_cast<const char*>(s));
    }
  }
  const uint8_t* s = nullptr;
  size_t n = 0;
  TFLM_RETURN_IF_ERROR(ReadStringAttr(ctx, node, "padding", &s, &n));
  if (n == 4 && memcmp(s, "SAME", 4) == 0) {
    *padding = Padding::kSame;
  } else if (n == 5 && memcmp(s, "VALID", 5) == 0) {
    *padding = Padding::kValid;
  } else {
    return ctx.Error(Status::kUnsupported,
                     "%s: padding '%.*s' is not supported (only SAME and VALID)",
                     op_name, static_cast<int>(n), reinterpret_cast<const char*>(s));
  }
  int64_t strides[4] = {1, 1, 1, 1};
  int count = 0;
  TFLM_RETURN_IF_ERROR(ReadIntListAttr(ctx, node, "strides", strides, 4, &count));
  if (count != 4 || strides[0] != 1 || strides[3] != 1 || strides[1] <= 0 ||
      strides[2] <= 0) {
    return ctx.Error(Status::kUnsupported,
                     "%s: strides must be [1, h, w, 1] with h, w > 0 (got %d values, "
                     "[%d, %d, %d, %d])",
                     op_name, count, static_cast<int>(strides[0]),
                     static_cast<int>(strides[1]), static_cast<int>(strides[2]),
                     static_cast<int>(strides[3]));
  }
  int64_t dilations[4] = {1, 1, 1, 1};
  if (node.FindAttr("dilations", &attr)) {
    TFLM_RETURN_IF_ERROR(ReadIntListAttr(ctx, node, "dilations", dilations, 4, &count));
    if (count != 4 || dilations[0] != 1 || dilations[3] != 1 || dilations[1] <= 0 ||
        dilations[2] <= 0) {
      return ctx.Error(Status::kUnsupported,
                       "%s: dilations must be [1, h, w, 1] with h, w > 0 (got %d "
                       "values, [%d, %d, %d, %d])",
                       op_name, count, static_cast<int>(dilations[0]),
                       static_cast<int>(dilations[1]), static_cast<int>(dilations[2]),
                       static_cast<int>(dilations[3]));
    }
  }
  g->stride_h = static_cast<int>(strides[1]);
  g->stride_w = static_cast<int>(strides[2]);
  g->dilation_h = static_cast<int>(dilations[1]);
  g->dilation_w = static_cast<int>(dilations[2]);
  return Status::kOk;
}

// Reads input `k`, a 4-element int32 or int64 shape vector (filter_sizes,
// input_sizes), which must be known at prepare: a constant, or shape
// arithmetic the interpreter evaluated (SHAPE of a tensor of known shape).
inline Status ReadShapeInput(OpContext& ctx, const char* op_name, int k,
                             const char* name, int32_t dims[4]) {
  const Tensor* t = ctx.input(k);
  if (t == nullptr || t->rank != 1 || t->dims[0] != 4 ||
      (t->type != DataType::kInt32 && t->type != DataType::kInt64)) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: input '%s' must be an int32 or int64 vector of 4 elements",
                     op_name, name);
  }
  if (!OpContext::ValueKnownAtPrepare(t)) {
    return ctx.Error(Status::kUnsupported,
                     "%s: input '%s' must be known when the graph is prepared (a "
                     "constant, or SHAPE of a tensor whose shape is known)",
                     op_name, name);
  }
  for (int i = 0; i < 4; ++i) {
    const int64_t v = t->type == DataType::kInt32 ? t->data_as<const int32_t>()[i]
                                                  : t->data_as<const int64_t>()[i];
    if (v <= 0 || v > 0x7fffffff) {
      return ctx.Error(Status::kInvalidArgument,
                       "%s: input '%s' holds dimension %d = %lld; it must be positive",
                       op_name, name, i, static_cast<long long>(v));
    }
    dims[i] = static_cast<int32_t>(v);
  }
  return Status::kOk;
}

// With g's batches, in_*, filter_*, out_c, strides and dilations set:
// computes out_h/out_w and the padding as TensorFlow does, and checks that
// `out_backprop` is float32 [batches, out_h, out_w, out_c].
inline Status ResolveGeometry(OpContext& ctx, const char* op_name, Padding padding,
                              const Tensor* out_backprop, conv::Geometry* g) {
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(out_backprop, DataType::kFloat32, "out_backprop"));
  g->out_h = ComputeOutputSize(padding, g->in_h, g->filter_h, g->stride_h, g->dilation_h);
  g->out_w = ComputeOutputSize(padding, g->in_w, g->filter_w, g->stride_w, g->dilation_w);
  if (g->out_h <= 0 || g->out_w <= 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: a %dx%d filter (dilation %dx%d) does not fit a %dx%d input",
                     op_name, g->filter_h, g->filter_w, g->dilation_h, g->dilation_w,
                     g->in_h, g->in_w);
  }
  const int32_t* d = out_backprop->dims;
  if (out_backprop->rank != 4 || d[0] != g->batches || d[1] != g->out_h ||
      d[2] != g->out_w || d[3] != g->out_c) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: out_backprop must be [%d, %d, %d, %d] (rank %d given)", op_name,
                     g->batches, g->out_h, g->out_w, g->out_c, out_backprop->rank);
  }
  int unused_offset = 0;
  g->pad_h = ComputePadding(g->stride_h, g->dilation_h, g->in_h, g->filter_h, g->out_h,
                            &unused_offset);
  g->pad_w = ComputePadding(g->stride_w, g->dilation_w, g->in_w, g->filter_w, g->out_w,
                            &unused_offset);
  // Offsets below are int32.
  const int64_t in_elements =
      static_cast<int64_t>(g->batches) * g->in_h * g->in_w * g->in_c;
  const int64_t out_elements =
      static_cast<int64_t>(g->batches) * g->out_h * g->out_w * g->out_c;
  if (in_elements > 0x7fffffff || out_elements > 0x7fffffff) {
    return ctx.Error(Status::kUnsupported, "%s: tensors of 2^31 or more elements",
                     op_name);
  }
  return Status::kOk;
}

// Output positions o in [0, out_size) whose input position o * stride +
// offset lies in [0, in_size): [*lo, *hi) (empty when *lo >= *hi).
inline void ValidOutputRange(int out_size, int stride, int offset, int in_size, int* lo,
                             int* hi) {
  *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = in_size - 1 - offset;  // o * stride <= last
  *hi = last < 0 ? 0 : last / stride + 1;
  if (*hi > out_size) *hi = out_size;
}

// Output pixels per tile of a filter gradient: enough that the tile's rows of
// x and dy (in_c + out_c floats per pixel) stay near 16 KB, so the GEMM over
// the tile reads them from L1.
inline int FilterGradTilePixels(const conv::Geometry& g) {
  constexpr int kTileBytes = 16 * 1024;
  int pixels = kTileBytes / (static_cast<int>(sizeof(float)) * (g.in_c + g.out_c));
  if (pixels < 16) pixels = 16;
  if (pixels > 512) pixels = 512;
  const int total = g.batches * g.out_h * g.out_w;
  return pixels < total ? pixels : total;
}

// For the output pixels [p0, p1) (flattened over batch, rows, columns) and
// tap (ky, kx): element offsets of the input row under the tap (x_off, into
// x) and of the pixel's out_backprop row (dy_off, into dy), for every pixel
// whose tap lies inside the image. Returns the number of pairs (<= p1 - p0).
inline int BuildTapList(const conv::Geometry& g, int p0, int p1, int ky, int kx,
                        int32_t* x_off, int32_t* dy_off) {
  const int tap_x = kx * g.dilation_w - g.pad_w;
  int lo_x = 0;
  int hi_x = 0;
  ValidOutputRange(g.out_w, g.stride_w, tap_x, g.in_w, &lo_x, &hi_x);
  int n = 0;
  int p = p0;
  while (p < p1) {
    const int row = p / g.out_w;  // b * out_h + oy
    const int ox_begin = p - row * g.out_w;
    const int ox_end = ox_begin + (p1 - p) < g.out_w ? ox_begin + (p1 - p) : g.out_w;
    p += ox_end - ox_begin;
    const int b = row / g.out_h;
    const int iy = (row - b * g.out_h) * g.stride_h - g.pad_h + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) continue;
    const int lo = lo_x > ox_begin ? lo_x : ox_begin;
    const int hi = hi_x < ox_end ? hi_x : ox_end;
    int32_t xo = ((b * g.in_h + iy) * g.in_w + lo * g.stride_w + tap_x) * g.in_c;
    int32_t dyo = (row * g.out_w + lo) * g.out_c;
    const int32_t x_step = g.stride_w * g.in_c;
    for (int ox = lo; ox < hi; ++ox) {
      x_off[n] = xo;
      dy_off[n] = dyo;
      ++n;
      xo += x_step;
      dyo += g.out_c;
    }
  }
  return n;
}

// Prepare of a filter gradient: the tile size and its scratch (two int32
// offset lists of tile_pixels entries).
inline Status RequestTapLists(OpContext& ctx, ConvGradData* d) {
  d->tile_pixels = FilterGradTilePixels(d->g);
  return ctx.RequestScratch(2 * sizeof(int32_t) * static_cast<size_t>(d->tile_pixels),
                            &d->scratch);
}

inline void Zero(float* data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) data[i] = 0.0f;
}

// The common start of every convolution-gradient prepare: op data, window
// attributes, float32 dtypes, the 4-D tensor input `tensor_input` (the input
// of a filter gradient, the filter of an input gradient; `layout` names its
// layout in errors) and the 4 sizes of the shape input `sizes_input`.
inline Status PrepareCommon(OpContext& ctx, const char* op, int tensor_input,
                            const char* tensor_name, const char* layout,
                            int sizes_input, const char* sizes_name,
                            ConvGradData** data, Padding* padding, int32_t sizes[4]) {
  ConvGradData* d = ctx.AllocateOpData<ConvGradData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  *padding = Padding::kValid;
  TFLM_RETURN_IF_ERROR(ReadWindowAttrs(ctx, op, &d->g, padding));
  const Tensor* t = ctx.input(tensor_input);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(t, DataType::kFloat32, tensor_name));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  if (t->rank != 4) {
    return ctx.Error(Status::kInvalidArgument, "%s: %s must be 4-D %s, got rank %d", op,
                     tensor_name, layout, t->rank);
  }
  TFLM_RETURN_IF_ERROR(ReadShapeInput(ctx, op, sizes_input, sizes_name, sizes));
  *data = d;
  return Status::kOk;
}

}  // namespace conv_grad
}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_TRAINING_CONV_GRAD_UTIL_H_
