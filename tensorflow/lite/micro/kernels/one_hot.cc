// ONE_HOT: output[prefix..., d, suffix...] = indices[prefix..., suffix...] == d
// ? on_value : off_value, with the new depth axis at `axis` (-1: last).
// depth must be constant (it decides the output shape); on/off values are
// read at eval. The output values are copied as raw elements, so the loop is
// templated on the index type and the element size only.
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kAxisField = 0;  // OneHotOptions.axis

struct OpData;
using OneHotFn = void (*)(const OpData& d, const void* indices, const void* on,
                          const void* off, void* out);

struct OpData {
  int32_t axis;  // from the options; normalized in prepare
  OneHotFn run;
  int32_t prefix;  // product of the index dimensions before the axis
  int32_t depth;
  int32_t suffix;  // product of the index dimensions from the axis on
};

template <typename IndexT, typename ValueT>
void OneHot(const OpData& d, const void* indices, const void* on, const void* off,
            void* out) {
  ValueT on_value, off_value;
  memcpy(&on_value, on, sizeof(ValueT));
  memcpy(&off_value, off, sizeof(ValueT));
  const IndexT* index = static_cast<const IndexT*>(indices);
  ValueT* dst = static_cast<ValueT*>(out);
  for (int32_t p = 0; p < d.prefix; ++p) {
    for (int32_t j = 0; j < d.depth; ++j) {
      // TFLite compares the index narrowed to int.
      for (int32_t k = 0; k < d.suffix; ++k) {
        dst[k] = static_cast<int32_t>(index[k]) == j ? on_value : off_value;
      }
      dst += d.suffix;
    }
    index += d.suffix;
  }
}

template <typename IndexT>
OneHotFn SelectValueSize(size_t size) {
  switch (size) {
    case 1: return &OneHot<IndexT, uint8_t>;
    case 2: return &OneHot<IndexT, uint16_t>;
    case 4: return &OneHot<IndexT, uint32_t>;
    case 8: return &OneHot<IndexT, uint64_t>;
    default: return nullptr;
  }
}

constexpr DataType kValueTypes[] = {
    DataType::kFloat32, DataType::kInt8,  DataType::kUInt8, DataType::kInt16,
    DataType::kInt32,   DataType::kInt64, DataType::kBool,
};

Status Init(OpContext& ctx) {
  OpData* d = ctx.AllocateOpData<OpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->axis = ctx.builtin_options().Scalar<int32_t>(kAxisField, 0);  // schema default
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* indices = ctx.input(0);
  const Tensor* output = ctx.output(0);
  OpData* d = ctx.op_data_as<OpData>();
  if (!misc::TypeIn(output->type, kValueTypes,
                    static_cast<int>(sizeof(kValueTypes) / sizeof(kValueTypes[0])))) {
    return ctx.Error(Status::kUnsupported,
                     "output dtype %s is not supported (float32, int8, uint8, "
                     "int16, int32, int64, bool)",
                     DataTypeName(output->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.input(2), output->type, "on_value"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.input(3), output->type, "off_value"));
  if (ctx.input(2)->NumElements() != 1 || ctx.input(3)->NumElements() != 1) {
    return ctx.Error(Status::kInvalidArgument, "on_value and off_value must be scalars");
  }
  const size_t value_size = DataTypeSize(output->type);
  if (indices->type == DataType::kInt32) {
    d->run = SelectValueSize<int32_t>(value_size);
  } else if (indices->type == DataType::kInt64) {
    d->run = SelectValueSize<int64_t>(value_size);
  } else {
    return ctx.Error(Status::kUnsupported,
                     "indices dtype %s is not supported (int32, int64)",
                     DataTypeName(indices->type));
  }
  TFLM_RETURN_IF_ERROR(misc::ExpectShapeParameter(ctx, 1, "depth", DataType::kInt32));
  const int32_t depth = misc::ReadInt32(ctx.input(1), 0);
  if (ctx.input(1)->NumElements() != 1 || depth < 0) {
    return ctx.Error(Status::kInvalidArgument, "depth must be a non-negative scalar");
  }
  const int rank = indices->rank;
  const int axis = d->axis == -1 ? rank : d->axis;
  if (axis < 0 || axis > rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis %d is out of range for rank-%d indices",
                     static_cast<int>(d->axis), rank);
  }
  if (rank + 1 > kMaxRank) {
    return ctx.Error(Status::kUnsupported, "output rank %d exceeds %d", rank + 1,
                     kMaxRank);
  }
  int32_t out_dims[kMaxRank];
  for (int i = 0, j = 0; i <= rank; ++i) {
    out_dims[i] = i == axis ? depth : indices->dims[j++];
  }
  d->prefix = static_cast<int32_t>(ShapeNumElements(indices->dims, axis));
  d->depth = depth;
  d->suffix = static_cast<int32_t>(ShapeNumElements(indices->dims + axis, rank - axis));
  return ctx.SetOutputShape(0, out_dims, rank + 1);
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  d.run(d, ctx.input(0)->data, ctx.input(2)->data, ctx.input(3)->data,
        ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_ONE_HOT() {
  static const OpRegistration r = {"ONE_HOT", Init, Prepare, Eval, nullptr, 1, nullptr,
                                   "indices, depth, on_value, off_value", "output", nullptr};
  return &r;
}

}  // namespace tflm
