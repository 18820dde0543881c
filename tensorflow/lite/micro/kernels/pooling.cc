// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors (float32, int8, int16).
//
// One templated body serves both ops and every dtype. For each output pixel
// it combines the window's input pixels a whole channel row at a time, so the
// innermost loop runs over contiguous channels and vectorizes. As in TFLite's
// reference kernels, the window is clipped to the input (padding never counts
// towards an average); integer averages divide rounding half away from zero;
// quantized values are pooled as they are (input and output share their
// quantization) and clamped to the fused activation's range.
#include <limits>
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// Pool2DOptions fields.
constexpr int kPaddingField = 0;
constexpr int kStrideWField = 1;
constexpr int kStrideHField = 2;
constexpr int kFilterWidthField = 3;
constexpr int kFilterHeightField = 4;
constexpr int kActivationField = 5;

// Checked by the interpreter before prepare: the window arithmetic divides
// by the strides and loops over the filter.
constexpr OptionRange kPoolOptions[] = {
    {"padding", kPaddingField, 1, 0, 0, 1},
    {"stride_w", kStrideWField, 4, 0, 1, INT32_MAX},
    {"stride_h", kStrideHField, 4, 0, 1, INT32_MAX},
    {"filter_width", kFilterWidthField, 4, 0, 1, INT32_MAX},
    {"filter_height", kFilterHeightField, 4, 0, 1, INT32_MAX},
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

enum class PoolKind : uint8_t { kAverage, kMax };

struct PoolData {
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_h, pad_w;
  float act_min_f, act_max_f;  // float32
  int32_t act_min, act_max;    // int8, int16
  int scratch;                 // int32 channel accumulators of integer averages
};

template <typename T, typename Acc>
inline T FinishPixel(const PoolData& d, PoolKind kind, Acc acc, int32_t count) {
  if constexpr (std::is_floating_point<T>::value) {
    const float v = kind == PoolKind::kMax ? acc : acc / static_cast<float>(count);
    return ApplyActivation(v, d.act_min_f, d.act_max_f);
  } else {
    int32_t v = static_cast<int32_t>(acc);
    if (kind == PoolKind::kAverage) {
      // A window entirely outside the input (hostile shapes) averages to 0.
      if (count <= 0) {
        v = 0;
      } else {
        const int64_t sum = v;  // the rounding term must not overflow
        v = static_cast<int32_t>(sum > 0 ? (sum + count / 2) / count
                                         : (sum - count / 2) / count);
      }
    }
    return static_cast<T>(v < d.act_min ? d.act_min : (v > d.act_max ? d.act_max : v));
  }
}

// `acc` holds `depth` accumulators of type Acc; it may alias the output
// pixel when Acc is T (max pooling, float averages).
template <typename T, typename Acc, PoolKind kKind>
void PoolNhwc(const PoolData& d, const Tensor* input, const Tensor* output,
              Acc* scratch) {
  const int32_t batches = input->dims[0];
  const int32_t in_h = input->dims[1];
  const int32_t in_w = input->dims[2];
  const int32_t depth = input->dims[3];
  const int32_t out_h = output->dims[1];
  const int32_t out_w = output->dims[2];
  const T* in = input->data_as<const T>();
  T* out = output->data_as<T>();
  const Acc init = kKind == PoolKind::kMax ? static_cast<Acc>(std::numeric_limits<T>::lowest())
                                           : Acc(0);
  for (int32_t b = 0; b < batches; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t y0 = oy * d.stride_h - d.pad_h;
      const int32_t fy_begin = y0 < 0 ? -y0 : 0;
      const int32_t fy_end = d.filter_h < in_h - y0 ? d.filter_h : in_h - y0;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t x0 = ox * d.stride_w - d.pad_w;
        const int32_t fx_begin = x0 < 0 ? -x0 : 0;
        const int32_t fx_end = d.filter_w < in_w - x0 ? d.filter_w : in_w - x0;
        T* pixel = out + ((static_cast<int64_t>(b) * out_h + oy) * out_w + ox) * depth;
        Acc* acc = scratch != nullptr ? scratch : reinterpret_cast<Acc*>(pixel);
        for (int32_t c = 0; c < depth; ++c) acc[c] = init;
        for (int32_t fy = fy_begin; fy < fy_end; ++fy) {
          const T* row = in + ((static_cast<int64_t>(b) * in_h + y0 + fy) * in_w + x0) * depth;
          for (int32_t fx = fx_begin; fx < fx_end; ++fx) {
            const T* x = row + static_cast<int64_t>(fx) * depth;
            for (int32_t c = 0; c < depth; ++c) {
              const Acc v = static_cast<Acc>(x[c]);
              if (kKind == PoolKind::kMax) {
                acc[c] = v > acc[c] ? v : acc[c];
              } else {
                acc[c] = WrappingAdd(acc[c], v);  // huge hostile windows wrap
              }
            }
          }
        }
        const int32_t count = (fy_end - fy_begin) * (fx_end - fx_begin);
        for (int32_t c = 0; c < depth; ++c) {
          pixel[c] = FinishPixel<T, Acc>(d, kKind, acc[c], count);
        }
      }
    }
  }
}

template <PoolKind kKind>
Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  const char* op = kKind == PoolKind::kMax ? "MAX_POOL_2D" : "AVERAGE_POOL_2D";
  if (input->type != DataType::kFloat32 && input->type != DataType::kInt8 &&
      input->type != DataType::kInt16) {
    return ctx.Error(Status::kUnsupported,
                     "%s does not support input dtype %s (supported: float32, "
                     "int8, int16)",
                     op, DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  if (input->rank != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "input must be 4-D (NHWC), got rank %d", input->rank);
  }

  const fb::Table options = ctx.builtin_options();
  const Padding padding =
      options.Scalar<int8_t>(kPaddingField, 0) == 1 ? Padding::kValid : Padding::kSame;
  PoolData* d = ctx.AllocateOpData<PoolData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->stride_w = options.Scalar<int32_t>(kStrideWField, 0);
  d->stride_h = options.Scalar<int32_t>(kStrideHField, 0);
  d->filter_w = options.Scalar<int32_t>(kFilterWidthField, 0);
  d->filter_h = options.Scalar<int32_t>(kFilterHeightField, 0);
  d->scratch = -1;
  if (d->stride_w <= 0 || d->stride_h <= 0 || d->filter_w <= 0 || d->filter_h <= 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "strides (%d, %d) and filter size (%d, %d) must be positive",
                     static_cast<int>(d->stride_h), static_cast<int>(d->stride_w),
                     static_cast<int>(d->filter_h), static_cast<int>(d->filter_w));
  }
  const auto activation =
      static_cast<FusedActivation>(options.Scalar<int8_t>(kActivationField, 0));
  if (activation != FusedActivation::kNone && activation != FusedActivation::kRelu &&
      activation != FusedActivation::kRelu6 &&
      activation != FusedActivation::kReluN1To1) {
    return ctx.Error(Status::kUnsupported, "fused activation %d is not supported",
                     static_cast<int>(activation));
  }

  const int32_t in_h = input->dims[1];
  const int32_t in_w = input->dims[2];
  const int32_t out_h = ComputeOutputSize(padding, in_h, d->filter_h, d->stride_h);
  const int32_t out_w = ComputeOutputSize(padding, in_w, d->filter_w, d->stride_w);
  if (out_h <= 0 || out_w <= 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "a %dx%d window does not fit a %dx%d input",
                     static_cast<int>(d->filter_h), static_cast<int>(d->filter_w),
                     static_cast<int>(in_h), static_cast<int>(in_w));
  }
  int unused_offset = 0;
  d->pad_h = ComputePadding(d->stride_h, 1, in_h, d->filter_h, out_h, &unused_offset);
  d->pad_w = ComputePadding(d->stride_w, 1, in_w, d->filter_w, out_w, &unused_offset);
  const int32_t out_dims[4] = {input->dims[0], out_h, out_w, input->dims[3]};
  TFLM_RETURN_IF_ERROR(ctx.SetShape(output, out_dims, 4));

  if (input->type == DataType::kFloat32) {
    ActivationRangeFloat(activation, &d->act_min_f, &d->act_max_f);
    return Status::kOk;
  }
  const QuantParams out_q = ctx.output_quant(0);
  const int32_t qmin = input->type == DataType::kInt8 ? QuantizedMin<int8_t>()
                                                      : QuantizedMin<int16_t>();
  const int32_t qmax = input->type == DataType::kInt8 ? QuantizedMax<int8_t>()
                                                      : QuantizedMax<int16_t>();
  if (out_q.is_quantized()) {
    ActivationRangeQuantized(activation, out_q.scale(), out_q.zero_point(), qmin,
                             qmax, &d->act_min, &d->act_max);
  } else if (activation == FusedActivation::kNone) {
    d->act_min = qmin;
    d->act_max = qmax;
  } else {
    return ctx.Error(Status::kInvalidArgument,
                     "a fused activation on an integer output needs its "
                     "quantization");
  }
  if (kKind == PoolKind::kAverage) {
    TFLM_RETURN_IF_ERROR(ctx.RequestScratch(
        sizeof(int32_t) * static_cast<size_t>(input->dims[3]), &d->scratch));
  }
  return Status::kOk;
}

template <PoolKind kKind>
Status Eval(OpContext& ctx) {
  const PoolData& d = *ctx.op_data_as<PoolData>();
  const Tensor* input = ctx.input(0);
  const Tensor* output = ctx.output(0);
  // Averages of integers need int32 accumulators; everything else
  // accumulates in the output pixel itself.
  int32_t* wide = kKind == PoolKind::kAverage && d.scratch >= 0
                      ? static_cast<int32_t*>(ctx.scratch(d.scratch))
                      : nullptr;
  switch (input->type) {
    case DataType::kFloat32:
      PoolNhwc<float, float, kKind>(d, input, output, nullptr);
      break;
    case DataType::kInt8:
      if constexpr (kKind == PoolKind::kMax) {
        PoolNhwc<int8_t, int8_t, kKind>(d, input, output, nullptr);
      } else {
        PoolNhwc<int8_t, int32_t, kKind>(d, input, output, wide);
      }
      break;
    case DataType::kInt16:
      if constexpr (kKind == PoolKind::kMax) {
        PoolNhwc<int16_t, int16_t, kKind>(d, input, output, nullptr);
      } else {
        PoolNhwc<int16_t, int32_t, kKind>(d, input, output, wide);
      }
      break;
    default:
      return Status::kInternal;  // rejected in prepare
  }
  return Status::kOk;
}

}  // namespace

// Version 2 = int8, 3 = int16.
const OpRegistration* Register_AVERAGE_POOL_2D() {
  static const OpRegistration r = {"AVERAGE_POOL_2D", nullptr,
                                   Prepare<PoolKind::kAverage>,
                                   Eval<PoolKind::kAverage>, nullptr, 3, nullptr,
                                   "input", "output", kPoolOptions};
  return &r;
}
const OpRegistration* Register_MAX_POOL_2D() {
  static const OpRegistration r = {"MAX_POOL_2D", nullptr, Prepare<PoolKind::kMax>,
                                   Eval<PoolKind::kMax>, nullptr, 3, nullptr,
                                   "input", "output", kPoolOptions};
  return &r;
}

}  // namespace tflm
