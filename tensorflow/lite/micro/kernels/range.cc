// RANGE: [start, start + delta, ...) up to limit, for int32, int64 and
// float32. start, limit and delta must be constant: they decide the output
// length. Values accumulate (value += delta) as in TFLite's kernel, so float
// results match it exactly.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData;
using RangeFn = void (*)(const void* start, const void* delta, void* out,
                         int32_t count);

struct OpData {
  RangeFn run;
};

template <typename T>
T Load(const Tensor* t) {
  T v;
  memcpy(&v, t->data, sizeof(T));
  return v;
}

template <typename T>
void Fill(const void* start, const void* delta, void* out, int32_t count) {
  T value, step;
  memcpy(&value, start, sizeof(T));
  memcpy(&step, delta, sizeof(T));
  T* dst = static_cast<T*>(out);
  for (int32_t i = 0; i < count; ++i) {
    dst[i] = value;
    value += step;
  }
}

// The output length, or -1 when delta is zero or points away from limit.
template <typename T>
int64_t RangeLength(const Tensor* start_t, const Tensor* limit_t,
                    const Tensor* delta_t) {
  const T start = Load<T>(start_t);
  const T limit = Load<T>(limit_t);
  const T delta = Load<T>(delta_t);
  if (delta == 0) return -1;
  if (start == limit) return 0;
  if ((limit > start) != (delta > 0)) return -1;
  if constexpr (std::is_integral<T>::value) {
    const T span = limit > start ? limit - start : start - limit;
    const T step = delta > 0 ? delta : -delta;
    return static_cast<int64_t>((span + step - 1) / step);
  } else {
    // In T's precision, as TFLite computes it.
    return static_cast<int64_t>(std::ceil(std::fabs((limit - start) / delta)));
  }
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() == nullptr ? Status::kArenaTooSmall
                                                 : Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const DataType type = ctx.input(0)->type;
  if (type != DataType::kInt32 && type != DataType::kInt64 &&
      type != DataType::kFloat32) {
    return ctx.Error(Status::kUnsupported,
                     "dtype %s is not supported (int32, int64, float32)",
                     DataTypeName(type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), type, "output"));
  static const char* const kNames[] = {"start", "limit", "delta"};
  for (int k = 0; k < 3; ++k) {
    TFLM_RETURN_IF_ERROR(misc::ExpectShapeParameter(ctx, k, kNames[k], type));
    if (ctx.input(k)->NumElements() != 1) {
      return ctx.Error(Status::kInvalidArgument, "%s must be a scalar", kNames[k]);
    }
  }
  const Tensor* start = ctx.input(0);
  const Tensor* limit = ctx.input(1);
  const Tensor* delta = ctx.input(2);
  OpData* d = ctx.op_data_as<OpData>();
  int64_t length = -1;
  switch (type) {
    case DataType::kInt32:
      length = RangeLength<int32_t>(start, limit, delta);
      d->run = &Fill<int32_t>;
      break;
    case DataType::kInt64:
      length = RangeLength<int64_t>(start, limit, delta);
      d->run = &Fill<int64_t>;
      break;
    default:
      length = RangeLength<float>(start, limit, delta);
      d->run = &Fill<float>;
      break;
  }
  if (length < 0 || length > 0x7fffffff) {
    return ctx.Error(Status::kInvalidArgument,
                     "delta must be non-zero and move start towards limit");
  }
  const int32_t dims[1] = {static_cast<int32_t>(length)};
  return ctx.SetOutputShape(0, dims, 1);
}

Status Eval(OpContext& ctx) {
  const Tensor* output = ctx.output(0);
  ctx.op_data_as<OpData>()->run(ctx.input(0)->data, ctx.input(2)->data, output->data,
                                static_cast<int32_t>(output->NumElements()));
  return Status::kOk;
}

}  // namespace

// Version 2 adds int64.
const OpRegistration* Register_RANGE() {
  static const OpRegistration r = {"RANGE", Init, Prepare, Eval, nullptr, 2, nullptr,
                                   "start, limit, delta", "output", nullptr};
  return &r;
}

}  // namespace tflm
