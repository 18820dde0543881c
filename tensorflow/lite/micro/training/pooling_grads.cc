// Gradients of 2-D pooling (float32, NHWC), as TensorFlow's CPU kernels
// define them:
//   MaxPoolGrad(orig_input, orig_output, grad) -> d orig_input
//     Each window's gradient goes to ONE input position per channel: the
//     first maximum of orig_input in the window's row-major scan order (a
//     later element wins only if strictly greater, so a NaN in first place
//     keeps the gradient and a later NaN never takes it). Overlapping windows
//     add up. orig_output is used only for its shape, as in TensorFlow.
//   AvgPoolGrad(orig_input_shape, grad) -> d orig_input
//     Each window's gradient is spread evenly over the window's elements that
//     lie inside the input (padding does not count in the divisor).
// Attributes: ksize, strides ([1, h, w, 1]), padding (SAME, VALID, and for
// MaxPoolGrad EXPLICIT with explicit_paddings), data_format (NHWC only, like
// TensorFlow's CPU kernels).
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

enum class PoolPadding : int8_t { kSame, kValid, kExplicit };

struct PoolGradData {
  // From the attributes (init).
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  PoolPadding padding;
  int32_t explicit_pad[4];  // top, bottom, left, right (EXPLICIT only)
  // From the shapes (prepare).
  int32_t pad_top, pad_left;
  int scratch;  // MaxPoolGrad: per-channel running max (float) + argmax (int32)
};

bool BytesEqual(const uint8_t* data, size_t size, const char* text) {
  size_t i = 0;
  for (; i < size && text[i] != '\0'; ++i) {
    if (data[i] != static_cast<uint8_t>(text[i])) return false;
  }
  return i == size && text[i] == '\0';
}

// Reads a 4-int [1, h, w, 1] attribute into (h, w).
Status ReadWindowAttr(OpContext& ctx, const NodeDef& node, const char* op,
                      const char* name, int32_t* h, int32_t* w) {
  int64_t v[4] = {0, 0, 0, 0};
  int count = 0;
  TFLM_RETURN_IF_ERROR(ReadIntListAttr(ctx, node, name, v, 4, &count));
  if (count != 4) {
    return ctx.Error(Status::kInvalidArgument, "%s: attribute '%s' must have 4 values, has %d",
                     op, name, count);
  }
  if (v[0] != 1 || v[3] != 1) {
    return ctx.Error(Status::kUnsupported,
                     "%s: %s [%d, %d, %d, %d] pools over the batch or depth dimension; only "
                     "[1, h, w, 1] is supported",
                     op, name, static_cast<int>(v[0]), static_cast<int>(v[1]),
                     static_cast<int>(v[2]), static_cast<int>(v[3]));
  }
  if (v[1] <= 0 || v[2] <= 0 || v[1] > 0x7fffffff || v[2] > 0x7fffffff) {
    return ctx.Error(Status::kInvalidArgument, "%s: %s must be positive, got [1, %lld, %lld, 1]",
                     op, name, static_cast<long long>(v[1]), static_cast<long long>(v[2]));
  }
  *h = static_cast<int32_t>(v[1]);
  *w = static_cast<int32_t>(v[2]);
  return Status::kOk;
}

template <bool kIsMax>
Status Init(OpContext& ctx) {
  const char* op = kIsMax ? "MaxPoolGrad" : "AvgPoolGrad";
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, op, &node));
  PoolGradData* d = ctx.AllocateOpData<PoolGradData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->scratch = -1;

  AttrValue attr;
  const uint8_t* s = nullptr;
  size_t size = 0;
  // data_format defaults to NHWC when the NodeDef omits it.
  if (node.FindAttr("data_format", &attr)) {
    TFLM_RETURN_IF_ERROR(ReadStringAttr(ctx, node, "data_format", &s, &size));
    if (!BytesEqual(s, size, "NHWC")) {
      return ctx.Error(Status::kUnsupported,
                       "%s: data_format '%.*s' is not supported (only NHWC)", op,
                       static_cast<int>(size), reinterpret_cast<const char*>(s));
    }
  }
  TFLM_RETURN_IF_ERROR(ReadWindowAttr(ctx, node, op, "ksize", &d->filter_h, &d->filter_w));
  TFLM_RETURN_IF_ERROR(ReadWindowAttr(ctx, node, op, "strides", &d->stride_h, &d->stride_w));
  TFLM_RETURN_IF_ERROR(ReadStringAttr(ctx, node, "padding", &s, &size));
  if (BytesEqual(s, size, "SAME")) {
    d->padding = PoolPadding::kSame;
  } else if (BytesEqual(s, size, "VALID")) {
    d->padding = PoolPadding::kValid;
  } else if (kIsMax && BytesEqual(s, size, "EXPLICIT")) {
    d->padding = PoolPadding::kExplicit;
    int64_t p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int count = 0;
    TFLM_RETURN_IF_ERROR(ReadIntListAttr(ctx, node, "explicit_paddings", p, 8, &count));
    if (count != 8 || p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) {
      return ctx.Error(Status::kUnsupported,
                       "%s: explicit_paddings must be 8 values padding only height and width",
                       op);
    }
    for (int i = 0; i < 4; ++i) {
      const int64_t pad = p[2 + i];
      const int32_t window = i < 2 ? d->filter_h : d->filter_w;
      if (pad < 0 || pad >= window) {
        return ctx.Error(Status::kUnsupported,
                         "%s: explicit padding %lld must be in [0, window size %d)", op,
                         static_cast<long long>(pad), static_cast<int>(window));
      }
      d->explicit_pad[i] = static_cast<int32_t>(pad);
    }
  } else {
    return ctx.Error(Status::kUnsupported, "%s: padding '%.*s' is not supported (%s)", op,
                     static_cast<int>(size), reinterpret_cast<const char*>(s),
                     kIsMax ? "SAME, VALID or EXPLICIT" : "SAME or VALID");
  }
  return Status::kOk;
}

// Output size of the forward pooling along one dimension, and the padding
// before its first window; false when the window does not fit.
bool ForwardGeometry(PoolPadding padding, int32_t in, int32_t window, int32_t stride,
                     int32_t pad_before, int32_t pad_after, int32_t* out, int32_t* pad) {
  switch (padding) {
    case PoolPadding::kSame:
      *out = ComputeOutputSize(Padding::kSame, in, window, stride);
      break;
    case PoolPadding::kValid:
      *out = in >= window ? ComputeOutputSize(Padding::kValid, in, window, stride) : -1;
      break;
    case PoolPadding::kExplicit: {
      const int32_t padded = in + pad_before + pad_after;
      *out = padded >= window ? (padded - window) / stride + 1 : -1;
      break;
    }
  }
  if (*out < 0) return false;
  int unused = 0;
  *pad = padding == PoolPadding::kSame
             ? ComputePadding(stride, 1, in, window, *out, &unused)
             : (padding == PoolPadding::kExplicit ? pad_before : 0);
  return true;
}

// Checks `grad` against the forward output of an [n, h, w, c] input and
// computes the padding into `d`.
Status CheckGradShape(OpContext& ctx, const char* op, PoolGradData* d, const int32_t* in,
                      const Tensor* grad) {
  for (int i = 0; i < 4; ++i) {
    if (in[i] < 0) {
      return ctx.Error(Status::kInvalidArgument, "%s: input dimension %d is negative (%d)", op,
                       i, static_cast<int>(in[i]));
    }
  }
  int32_t out_h = 0, out_w = 0;
  if (!ForwardGeometry(d->padding, in[1], d->filter_h, d->stride_h, d->explicit_pad[0],
                       d->explicit_pad[1], &out_h, &d->pad_top) ||
      !ForwardGeometry(d->padding, in[2], d->filter_w, d->stride_w, d->explicit_pad[2],
                       d->explicit_pad[3], &out_w, &d->pad_left)) {
    return ctx.Error(Status::kInvalidArgument, "%s: a %dx%d window does not fit a %dx%d input",
                     op, static_cast<int>(d->filter_h), static_cast<int>(d->filter_w),
                     static_cast<int>(in[1]), static_cast<int>(in[2]));
  }
  if (grad->rank != 4 || grad->dims[0] != in[0] || grad->dims[1] != out_h ||
      grad->dims[2] != out_w || grad->dims[3] != in[3]) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s: grad must be the pooling output's shape [%d, %d, %d, %d] for an "
                     "input [%d, %d, %d, %d] (rank %d given)",
                     op, static_cast<int>(in[0]), static_cast<int>(out_h),
                     static_cast<int>(out_w), static_cast<int>(in[3]), static_cast<int>(in[0]),
                     static_cast<int>(in[1]), static_cast<int>(in[2]), static_cast<int>(in[3]),
                     grad->rank);
  }
  return Status::kOk;
}

// One window element: channel c moves to `pos` where px[c] > value[c]
// (branch-free, so the channel loop vectorizes).
inline void ArgMaxStep(const float* __restrict px, int32_t pos, int32_t channels,
                       float* __restrict value, int32_t* __restrict arg) {
  for (int32_t c = 0; c < channels; ++c) {
    const float v = px[c];
    const float m = value[c];
    const int32_t take = -static_cast<int32_t>(v > m);  // all ones or zero
    value[c] = v > m ? v : m;
    arg[c] = (pos & take) | (arg[c] & ~take);
  }
}

Status MaxPrepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* orig_output = ctx.input(1);
  const Tensor* grad = ctx.input(2);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(input, DataType::kFloat32, "orig_input"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(orig_output, DataType::kFloat32, "orig_output"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(grad, DataType::kFloat32, "grad"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  if (input->rank != 4) {
    return ctx.Error(Status::kInvalidArgument, "MaxPoolGrad: orig_input must be 4-D (NHWC), "
                     "got rank %d", input->rank);
  }
  PoolGradData* d = ctx.op_data_as<PoolGradData>();
  TFLM_RETURN_IF_ERROR(CheckGradShape(ctx, "MaxPoolGrad", d, input->dims, grad));
  if (!SameShape(orig_output, grad)) {
    return ctx.Error(Status::kInvalidArgument,
                     "MaxPoolGrad: orig_output and grad must have one shape");
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, input));
  const size_t channels = input->dims[3] > 0 ? static_cast<size_t>(input->dims[3]) : 1;
  return ctx.RequestScratch(channels * (sizeof(float) + sizeof(int32_t)), &d->scratch);
}

Status MaxEval(OpContext& ctx) {
  const PoolGradData& d = *ctx.op_data_as<PoolGradData>();
  const Tensor* input = ctx.input(0);
  const Tensor* grad = ctx.input(2);
  Tensor* output = ctx.output(0);
  const int32_t batches = input->dims[0], in_h = input->dims[1], in_w = input->dims[2];
  const int32_t channels = input->dims[3];
  const int32_t out_h = grad->dims[1], out_w = grad->dims[2];
  const float* in_data = input->data_as<const float>();
  const float* grad_data = grad->data_as<const float>();
  float* out_data = output->data_as<float>();
  float* max_value = static_cast<float*>(ctx.scratch(d.scratch));
  int32_t* max_pos = reinterpret_cast<int32_t*>(max_value + channels);

  const int64_t total = output->NumElements();
  for (int64_t i = 0; i < total; ++i) out_data[i] = 0.0f;

  const int64_t image = static_cast<int64_t>(in_h) * in_w * channels;
  for (int32_t b = 0; b < batches; ++b) {
    const float* in_b = in_data + b * image;
    float* out_b = out_data + b * image;
    const float* grad_b = grad_data + static_cast<int64_t>(b) * out_h * out_w * channels;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t hs = oy * d.stride_h - d.pad_top;
      const int32_t h0 = hs > 0 ? hs : 0;
      const int32_t h1 = hs + d.filter_h < in_h ? hs + d.filter_h : in_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ws = ox * d.stride_w - d.pad_left;
        const int32_t w0 = ws > 0 ? ws : 0;
        const int32_t w1 = ws + d.filter_w < in_w ? ws + d.filter_w : in_w;
        // Argmax per channel, first maximum in scan order (the first valid
        // element seeds it; later ones win only when strictly greater).
        const int32_t first = h0 * in_w + w0;
        const float* seed = in_b + static_cast<int64_t>(first) * channels;
        for (int32_t c = 0; c < channels; ++c) {
          max_value[c] = seed[c];
          max_pos[c] = first;
        }
        for (int32_t h = h0; h < h1; ++h) {
          for (int32_t w = w0; w < w1; ++w) {
            const int32_t pos = h * in_w + w;
            const float* px = in_b + static_cast<int64_t>(pos) * channels;
            ArgMaxStep(px, pos, channels, max_value, max_pos);
          }
        }
        const float* g = grad_b + (static_cast<int64_t>(oy) * out_w + ox) * channels;
        for (int32_t c = 0; c < channels; ++c) {
          out_b[static_cast<int64_t>(max_pos[c]) * channels + c] += g[c];
        }
      }
    }
  }
  return Status::kOk;
}

Status AvgPrepare(OpContext& ctx) {
  const Tensor* shape = ctx.input(0);
  const Tensor* grad = ctx.input(1);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(shape, DataType::kInt32, "orig_input_shape"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(grad, DataType::kFloat32, "grad"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  if (shape->rank != 1 || shape->dims[0] != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "AvgPoolGrad: orig_input_shape must be a 4-element vector");
  }
  if (!OpContext::ValueKnownAtPrepare(shape) || shape->data == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "AvgPoolGrad: orig_input_shape must be known at prepare (a constant, or "
                     "computed from shapes such as a SHAPE op's output)");
  }
  const int32_t* in = shape->data_as<const int32_t>();
  PoolGradData* d = ctx.op_data_as<PoolGradData>();
  TFLM_RETURN_IF_ERROR(CheckGradShape(ctx, "AvgPoolGrad", d, in, grad));
  const int32_t dims[4] = {in[0], in[1], in[2], in[3]};
  return ctx.SetOutputShape(0, dims, 4);
}

Status AvgEval(OpContext& ctx) {
  const PoolGradData& d = *ctx.op_data_as<PoolGradData>();
  const Tensor* grad = ctx.input(1);
  Tensor* output = ctx.output(0);
  const int32_t batches = output->dims[0], in_h = output->dims[1], in_w = output->dims[2];
  const int32_t channels = output->dims[3];
  const int32_t out_h = grad->dims[1], out_w = grad->dims[2];
  const float* grad_data = grad->data_as<const float>();
  float* out_data = output->data_as<float>();

  const int64_t total = output->NumElements();
  for (int64_t i = 0; i < total; ++i) out_data[i] = 0.0f;

  const int64_t image = static_cast<int64_t>(in_h) * in_w * channels;
  for (int32_t b = 0; b < batches; ++b) {
    float* out_b = out_data + b * image;
    const float* grad_b = grad_data + static_cast<int64_t>(b) * out_h * out_w * channels;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t hs = oy * d.stride_h - d.pad_top;
      const int32_t h0 = hs > 0 ? hs : 0;
      const int32_t h1 = hs + d.filter_h < in_h ? hs + d.filter_h : in_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ws = ox * d.stride_w - d.pad_left;
        const int32_t w0 = ws > 0 ? ws : 0;
        const int32_t w1 = ws + d.filter_w < in_w ? ws + d.filter_w : in_w;
        const float scale = 1.0f / static_cast<float>((h1 - h0) * (w1 - w0));
        const float* g = grad_b + (static_cast<int64_t>(oy) * out_w + ox) * channels;
        for (int32_t h = h0; h < h1; ++h) {
          float* row = out_b + (static_cast<int64_t>(h) * in_w + w0) * channels;
          for (int32_t w = w0; w < w1; ++w, row += channels) {
            for (int32_t c = 0; c < channels; ++c) row[c] += g[c] * scale;
          }
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexMaxPoolGrad() {
  static const OpRegistration r = {"FlexMaxPoolGrad", Init<true>, MaxPrepare, MaxEval,
                                   nullptr, 0, nullptr,
                                   "orig_input, orig_output, grad", "output", nullptr};
  return &r;
}

const OpRegistration* Register_FlexAvgPoolGrad() {
  static const OpRegistration r = {"FlexAvgPoolGrad", Init<false>, AvgPrepare, AvgEval,
                                   nullptr, 0, nullptr,
                                   "orig_input_shape, grad", "output", nullptr};
  return &r;
}

}  // namespace tflm
