// GATHER: slices of `params` (input 0) along `axis` picked by `indices`
// (input 1; int16, int32 or int64), with leading `batch_dims` shared by
// params and indices. Each picked slice is one contiguous memcpy.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kAxisField = 0;       // GatherOptions.axis
constexpr int kBatchDimsField = 1;  // GatherOptions.batch_dims

struct OpData {
  int32_t batches;     // product of the batch dimensions
  int32_t outer;       // product of params dims between batch_dims and axis
  int32_t axis_size;
  int32_t coords;      // indices per batch
  uint32_t slice_bytes;
};

bool IsIndexType(DataType t) {
  return t == DataType::kInt16 || t == DataType::kInt32 || t == DataType::kInt64;
}

Status Prepare(OpContext& ctx) {
  const Tensor* params = ctx.input(0);
  const Tensor* indices = ctx.input(1);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, params, "params", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), params->type, "output"));
  if (!IsIndexType(indices->type)) {
    return ctx.Error(Status::kUnsupported,
                     "indices have dtype %s, expected int16, int32 or int64",
                     DataTypeName(indices->type));
  }
  const fb::Table options = ctx.builtin_options();
  int32_t axis = 0;
  if (!NormalizeAxis(options.Scalar<int32_t>(kAxisField, 0), params->rank,
                     &axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis is out of range for rank %d",
                     params->rank);
  }
  int32_t batch_dims = options.Scalar<int32_t>(kBatchDimsField, 0);
  if (batch_dims < 0) batch_dims += indices->rank;
  if (batch_dims < 0 || batch_dims > axis || batch_dims > indices->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "batch_dims %d must be in [0, min(axis %d, indices rank %d)]",
                     static_cast<int>(batch_dims), static_cast<int>(axis),
                     indices->rank);
  }
  OpData* data = ctx.AllocateOpData<OpData>();
  if (data == nullptr) return Status::kArenaTooSmall;
  data->batches = 1;
  for (int i = 0; i < batch_dims; ++i) {
    if (params->dims[i] != indices->dims[i]) {
      return ctx.Error(Status::kInvalidArgument,
                       "batch dimension %d differs: params %d, indices %d", i,
                       static_cast<int>(params->dims[i]),
                       static_cast<int>(indices->dims[i]));
    }
    data->batches *= params->dims[i];
  }
  int32_t dims[kMaxRank];
  int rank = 0;
  const int out_rank = params->rank - 1 + indices->rank - batch_dims;
  if (out_rank > kMaxRank) {
    return ctx.Error(Status::kUnsupported, "output rank %d exceeds %d",
                     out_rank,
                     kMaxRank);
  }
  data->outer = 1;
  data->coords = 1;
  int64_t inner = 1;
  for (int i = 0; i < axis; ++i) dims[rank++] = params->dims[i];
  for (int i = batch_dims; i < axis; ++i) data->outer *= params->dims[i];
  for (int i = batch_dims; i < indices->rank; ++i) {
    dims[rank++] = indices->dims[i];
    data->coords *= indices->dims[i];
  }
  for (int i = axis + 1; i < params->rank; ++i) {
    dims[rank++] = params->dims[i];
    inner *= params->dims[i];
  }
  data->axis_size = params->dims[axis];
  data->slice_bytes = static_cast<uint32_t>(inner * elem_size);
  return ctx.SetOutputShape(0, dims, rank);
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  const Tensor* indices = ctx.input(1);
  const uint8_t* params = static_cast<const uint8_t*>(ctx.input(0)->data);
  uint8_t* out = static_cast<uint8_t*>(ctx.output(0)->data);
  const size_t slice = d.slice_bytes;
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t o = 0; o < d.outer; ++o) {
      const uint8_t* base =
          params + (static_cast<size_t>(b) * d.outer + o) * d.axis_size * slice;
      for (int32_t c = 0; c < d.coords; ++c) {
        const int64_t index = LoadIndex(
            indices->data, indices->type, static_cast<int64_t>(b) * d.coords + c);
        if (index < 0 || index >= d.axis_size) {
          return ctx.Error(Status::kInvalidArgument,
                           "index %lld is out of range [0, %d)",
                           static_cast<long long>(index),
                           static_cast<int>(d.axis_size));
        }
        memcpy(out, base + static_cast<size_t>(index) * slice, slice);
        out += slice;
      }
    }
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_GATHER() {
  // Version 7 (int4 params) is not supported.
  static const OpRegistration r = {"GATHER", nullptr, Prepare, Eval, nullptr,
                                   6, nullptr, "params, indices", "output", nullptr};
  return &r;
}

}  // namespace tflm
