// Fused softmax cross-entropy losses of TensorFlow (float32), as Keras'
// from_logits losses emit them:
//   SparseSoftmaxCrossEntropyWithLogits(features [B, C], labels [B] int32/64)
//   SoftmaxCrossEntropyWithLogits(features [B, C], labels [B, C])
// Outputs: loss [B] = logsumexp(features) - sum(labels * features) (with
// one-hot labels for the sparse form), backprop [B, C] = softmax(features) -
// labels. A sparse label outside [0, C) fails, as in TensorFlow on a CPU.
#include <cmath>

#include "tensorflow/lite/micro/kernels/internal/activation_float.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

template <bool kSparse>
Status Init(OpContext& ctx) {
  NodeDef node;
  return ReadFlexNodeDef(ctx, kSparse ? "SparseSoftmaxCrossEntropyWithLogits"
                                      : "SoftmaxCrossEntropyWithLogits",
                         &node);
}

template <bool kSparse>
Status Prepare(OpContext& ctx) {
  const Tensor* features = ctx.input(0);
  const Tensor* labels = ctx.input(1);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(features, DataType::kFloat32, "features"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "loss"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(1), DataType::kFloat32, "backprop"));
  if (features->rank != 2) {
    return ctx.Error(Status::kInvalidArgument, "features must be [batch, classes], got rank %d",
                     features->rank);
  }
  if (kSparse) {
    if (labels->type != DataType::kInt32 && labels->type != DataType::kInt64) {
      return ctx.Error(Status::kUnsupported, "labels must be int32 or int64, got %s",
                       DataTypeName(labels->type));
    }
    if (labels->rank != 1 || labels->dims[0] != features->dims[0]) {
      return ctx.Error(Status::kInvalidArgument, "labels must be [batch] = [%d]",
                       static_cast<int>(features->dims[0]));
    }
  } else {
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(labels, DataType::kFloat32, "labels"));
    if (labels->rank != 2 || labels->dims[0] != features->dims[0] ||
        labels->dims[1] != features->dims[1]) {
      return ctx.Error(Status::kInvalidArgument, "labels must have the features' shape");
    }
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, features->dims, 1));
  return ctx.SetOutputShapeLike(1, features);
}

template <bool kSparse>
Status Eval(OpContext& ctx) {
  const Tensor* features = ctx.input(0);
  const Tensor* labels = ctx.input(1);
  const int batch = features->dims[0];
  const int classes = features->dims[1];
  const float* f = features->data_as<const float>();
  float* loss = ctx.output(0)->data_as<float>();
  float* backprop = ctx.output(1)->data_as<float>();
  for (int b = 0; b < batch; ++b) {
    const float* row = f + static_cast<int64_t>(b) * classes;
    float* grad = backprop + static_cast<int64_t>(b) * classes;
    float max = row[0];
    for (int c = 1; c < classes; ++c) max = row[c] > max ? row[c] : max;
    float sum = 0.0f;
    for (int c = 0; c < classes; ++c) {
      grad[c] = ExpFloat(row[c] - max);
      sum += grad[c];
    }
    const float log_sum = std::log(sum);
    const float inv = 1.0f / sum;
    for (int c = 0; c < classes; ++c) grad[c] *= inv;
    if (kSparse) {
      const int64_t label = labels->type == DataType::kInt32
                                ? labels->data_as<const int32_t>()[b]
                                : labels->data_as<const int64_t>()[b];
      if (label < 0 || label >= classes) {
        return ctx.Error(Status::kInvalidArgument,
                         "label %lld of row %d is outside [0, %d)",
                         static_cast<long long>(label), b, classes);
      }
      loss[b] = log_sum - (row[label] - max);
      grad[label] -= 1.0f;
    } else {
      const float* y = labels->data_as<const float>() + static_cast<int64_t>(b) * classes;
      float l = 0.0f;
      for (int c = 0; c < classes; ++c) {
        l += y[c] * (log_sum - (row[c] - max));
        grad[c] -= y[c];
      }
      loss[b] = l;
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexSparseSoftmaxCrossEntropyWithLogits() {
  static const OpRegistration r = {"FlexSparseSoftmaxCrossEntropyWithLogits", Init<true>,
                                   Prepare<true>, Eval<true>, nullptr, 0, nullptr,
                                   "features, labels", "loss, backprop", nullptr};
  return &r;
}

const OpRegistration* Register_FlexSoftmaxCrossEntropyWithLogits() {
  static const OpRegistration r = {"FlexSoftmaxCrossEntropyWithLogits", Init<false>,
                                   Prepare<false>, Eval<false>, nullptr, 0, nullptr,
                                   "features, labels", "loss, backprop", nullptr};
  return &r;
}

}  // namespace tflm
