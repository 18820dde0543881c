// CUMSUM: running sums along one axis (float32, int32, int64), optionally
// exclusive (each output leaves out its own input) and/or reversed.
//
// The sums advance one axis position at a time over whole rows of the inner
// dimensions, so the innermost loop is contiguous and vectorizes while every
// element still accumulates in axis order, as TFLite does.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/reduce_loop.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kExclusiveField = 0;  // CumsumOptions.exclusive
constexpr int kReverseField = 1;    // CumsumOptions.reverse

struct CumsumData {
  int64_t outer;
  int64_t inner;
  int32_t axis_size;
  bool exclusive;
  bool reverse;
};

template <typename T>
void CumulativeSum(const CumsumData& d, const T* in, T* out) {
  const int64_t inner = d.inner;
  const int64_t slab = d.axis_size * inner;
  for (int64_t o = 0; o < d.outer; ++o) {
    const T* src = in + o * slab;
    T* dst = out + o * slab;
    for (int32_t step = 0; step < d.axis_size; ++step) {
      const int32_t k = d.reverse ? d.axis_size - 1 - step : step;
      T* row = dst + k * inner;
      if (step == 0) {
        if (d.exclusive) {
          for (int64_t i = 0; i < inner; ++i) row[i] = T(0);
        } else {
          for (int64_t i = 0; i < inner; ++i) row[i] = src[k * inner + i];
        }
        continue;
      }
      const int32_t prev = d.reverse ? k + 1 : k - 1;
      const T* last = dst + prev * inner;
      const T* add = src + (d.exclusive ? prev : k) * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] = WrappingAdd(last[i], add[i]);
    }
  }
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* axis = ctx.input(1);
  Tensor* output = ctx.output(0);
  if (input->type != DataType::kFloat32 && input->type != DataType::kInt32 &&
      input->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "CUMSUM does not support input dtype %s (supported: "
                     "float32, int32, int64)",
                     DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(axis, DataType::kInt32, "axis"));
  if (!axis->is_constant() && (axis->flags & kTensorValueAtPrepare) == 0) {
    return ctx.Error(Status::kUnsupported,
                     "axis must be a constant tensor (its value is needed at "
                     "prepare time)");
  }
  if (axis->NumElements() != 1) {
    return ctx.Error(Status::kInvalidArgument, "axis must hold one value");
  }
  if (input->rank == 0) {
    return ctx.Error(Status::kInvalidArgument, "input must have rank >= 1");
  }
  int32_t axis_value;
  memcpy(&axis_value, axis->data, sizeof(axis_value));
  if (axis_value < 0) axis_value += input->rank;
  if (axis_value < 0 || axis_value >= input->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis %d is out of range for an input of rank %d",
                     static_cast<int>(axis_value), input->rank);
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, input));

  CumsumData* d = ctx.AllocateOpData<CumsumData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  SplitAtAxis(input->dims, input->rank, axis_value, &d->outer, &d->axis_size,
              &d->inner);
  const fb::Table options = ctx.builtin_options();
  d->exclusive = options.Bool(kExclusiveField, false);
  d->reverse = options.Bool(kReverseField, false);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const CumsumData& d = *ctx.op_data_as<CumsumData>();
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  switch (input->type) {
    case DataType::kFloat32:
      CumulativeSum(d, input->data_as<const float>(), output->data_as<float>());
      break;
    case DataType::kInt32:
      CumulativeSum(d, input->data_as<const int32_t>(), output->data_as<int32_t>());
      break;
    case DataType::kInt64:
      CumulativeSum(d, input->data_as<const int64_t>(), output->data_as<int64_t>());
      break;
    default:
      return Status::kInternal;  // rejected in prepare
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_CUMSUM() {
  static const OpRegistration r = {"CUMSUM", nullptr, Prepare, Eval, nullptr, 1,
                                   nullptr, "input, axis", "output", nullptr};
  return &r;
}

}  // namespace tflm
