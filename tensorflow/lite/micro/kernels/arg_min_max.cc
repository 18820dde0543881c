// ARG_MAX and ARG_MIN: the index of the largest (smallest) value along one
// axis, as int32 or int64. Ties resolve to the first index, as in TFLite.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/reduce_loop.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct ArgData {
  int64_t outer;  // product of the dims before the axis
  int64_t inner;  // product of the dims after the axis
  int32_t axis_size;
};

template <typename T, typename Index, bool kIsMax>
void ArgMinMax(const ArgData& d, const T* in, Index* out) {
  for (int64_t o = 0; o < d.outer; ++o) {
    const T* slab = in + o * d.axis_size * d.inner;
    Index* dst = out + o * d.inner;
    for (int64_t i = 0; i < d.inner; ++i) {
      T best = slab[i];
      Index best_index = 0;
      for (int32_t k = 1; k < d.axis_size; ++k) {
        const T v = slab[k * d.inner + i];
        if (kIsMax ? (v > best) : (v < best)) {
          best = v;
          best_index = static_cast<Index>(k);
        }
      }
      dst[i] = best_index;
    }
  }
}

template <typename T, bool kIsMax>
void EvalIndexType(const ArgData& d, const Tensor* input, Tensor* output) {
  if (output->type == DataType::kInt32) {
    ArgMinMax<T, int32_t, kIsMax>(d, input->data_as<const T>(),
                                  output->data_as<int32_t>());
  } else {
    ArgMinMax<T, int64_t, kIsMax>(d, input->data_as<const T>(),
                                  output->data_as<int64_t>());
  }
}

template <bool kIsMax>
Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* axis = ctx.input(1);
  Tensor* output = ctx.output(0);
  const char* op = kIsMax ? "ARG_MAX" : "ARG_MIN";
  switch (input->type) {
    case DataType::kFloat32:
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kBool:
      break;
    default:
      return ctx.Error(Status::kUnsupported,
                       "%s does not support input dtype %s (supported: "
                       "float32, int8, uint8, int16, int32, bool)",
                       op, DataTypeName(input->type));
  }
  if (output->type != DataType::kInt32 && output->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "%s output must be int32 or int64, got %s", op,
                     DataTypeName(output->type));
  }
  if (axis->type != DataType::kInt32 && axis->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "axis must be int32 or int64, got %s", DataTypeName(axis->type));
  }
  if (!axis->is_constant() && (axis->flags & kTensorValueAtPrepare) == 0) {
    return ctx.Error(Status::kUnsupported,
                     "axis must be a constant tensor (its value is needed at "
                     "prepare time)");
  }
  if (axis->NumElements() != 1) {
    return ctx.Error(Status::kInvalidArgument, "axis must hold one value, got %lld",
                     static_cast<long long>(axis->NumElements()));
  }
  int64_t axis_value = 0;
  if (axis->type == DataType::kInt32) {
    int32_t v;
    memcpy(&v, axis->data, sizeof(v));
    axis_value = v;
  } else {
    memcpy(&axis_value, axis->data, sizeof(axis_value));
  }
  if (axis_value < 0) axis_value += input->rank;
  if (axis_value < 0 || axis_value >= input->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis %lld is out of range for an input of rank %d",
                     static_cast<long long>(axis_value), input->rank);
  }
  if (input->dims[axis_value] == 0) {
    return ctx.Error(Status::kInvalidArgument, "axis %lld has size 0",
                     static_cast<long long>(axis_value));
  }
  int32_t out_dims[kMaxRank];
  int out_rank = 0;
  for (int i = 0; i < input->rank; ++i) {
    if (i != axis_value) out_dims[out_rank++] = input->dims[i];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetShape(output, out_dims, out_rank));

  ArgData* d = ctx.AllocateOpData<ArgData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  SplitAtAxis(input->dims, input->rank, static_cast<int>(axis_value), &d->outer,
              &d->axis_size, &d->inner);
  return Status::kOk;
}

template <bool kIsMax>
Status Eval(OpContext& ctx) {
  const ArgData& d = *ctx.op_data_as<ArgData>();
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  switch (input->type) {
    case DataType::kFloat32:
      EvalIndexType<float, kIsMax>(d, input, output);
      break;
    case DataType::kInt8:
      EvalIndexType<int8_t, kIsMax>(d, input, output);
      break;
    case DataType::kUInt8:
      EvalIndexType<uint8_t, kIsMax>(d, input, output);
      break;
    case DataType::kInt16:
      EvalIndexType<int16_t, kIsMax>(d, input, output);
      break;
    case DataType::kInt32:
      EvalIndexType<int32_t, kIsMax>(d, input, output);
      break;
    case DataType::kBool:
      EvalIndexType<bool, kIsMax>(d, input, output);
      break;
    default:
      return Status::kInternal;  // rejected in prepare
  }
  return Status::kOk;
}

}  // namespace

// Version 2 = int8 input, 3 = bool input.
const OpRegistration* Register_ARG_MAX() {
  static const OpRegistration r = {"ARG_MAX", nullptr, Prepare<true>, Eval<true>,
                                   nullptr, 3, nullptr, "input, axis", "output", nullptr};
  return &r;
}
const OpRegistration* Register_ARG_MIN() {
  static const OpRegistration r = {"ARG_MIN", nullptr, Prepare<false>,
                                   Eval<false>, nullptr, 3, nullptr,
                                   "input, axis", "output", nullptr};
  return &r;
}

}  // namespace tflm
