// GATHER_ND: for each index tuple in the last dimension of `indices`
// (input 1; int16, int32 or int64), copies the slice of `params` (input 0)
// it addresses. Each slice is one contiguous memcpy.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData {
  int32_t num_slices;
  int32_t index_depth;             // entries per index tuple
  int32_t dims[kMaxRank];          // params dims addressed by a tuple
  uint32_t strides[kMaxRank];      // their strides in bytes
  uint32_t slice_bytes;
};

Status Prepare(OpContext& ctx) {
  const Tensor* params = ctx.input(0);
  const Tensor* indices = ctx.input(1);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, params, "params", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), params->type, "output"));
  if (indices->type != DataType::kInt16 && indices->type != DataType::kInt32 &&
      indices->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "indices have dtype %s, expected int16, int32 or int64",
                     DataTypeName(indices->type));
  }
  if (indices->rank < 1 || params->rank < 1) {
    return ctx.Error(Status::kInvalidArgument,
                     "params and indices must have rank >= 1");
  }
  const int depth = indices->dims[indices->rank - 1];
  if (depth > params->rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "index depth %d exceeds the params rank %d", depth,
                     params->rank);
  }
  const int out_rank = indices->rank - 1 + params->rank - depth;
  if (out_rank > kMaxRank) {
    return ctx.Error(Status::kUnsupported, "output rank %d exceeds %d",
                     out_rank,
                     kMaxRank);
  }
  OpData* data = ctx.AllocateOpData<OpData>();
  if (data == nullptr) return Status::kArenaTooSmall;
  int32_t dims[kMaxRank];
  int rank = 0;
  data->num_slices = 1;
  for (int i = 0; i < indices->rank - 1; ++i) {
    dims[rank++] = indices->dims[i];
    data->num_slices *= indices->dims[i];
  }
  int64_t slice = elem_size;
  for (int i = params->rank - 1; i >= depth; --i) slice *= params->dims[i];
  for (int i = depth; i < params->rank; ++i) dims[rank++] = params->dims[i];
  int64_t stride = slice;
  for (int i = depth - 1; i >= 0; --i) {
    data->dims[i] = params->dims[i];
    data->strides[i] = static_cast<uint32_t>(stride);
    stride *= params->dims[i];
  }
  data->index_depth = depth;
  data->slice_bytes = static_cast<uint32_t>(slice);
  return ctx.SetOutputShape(0, dims, rank);
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  const Tensor* indices = ctx.input(1);
  const uint8_t* params = static_cast<const uint8_t*>(ctx.input(0)->data);
  uint8_t* out = static_cast<uint8_t*>(ctx.output(0)->data);
  int64_t k = 0;
  for (int32_t n = 0; n < d.num_slices; ++n) {
    size_t offset = 0;
    for (int32_t j = 0; j < d.index_depth; ++j, ++k) {
      const int64_t index = LoadIndex(indices->data, indices->type, k);
      if (index < 0 || index >= d.dims[j]) {
        return ctx.Error(Status::kInvalidArgument,
                         "index %lld is out of range [0, %d) in dimension %d",
                         static_cast<long long>(index),
                         static_cast<int>(d.dims[j]), static_cast<int>(j));
      }
      offset += static_cast<size_t>(index) * d.strides[j];
    }
    memcpy(out, params + offset, d.slice_bytes);
    out += d.slice_bytes;
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_GATHER_ND() {
  // Version 2 adds string params, rejected at prepare.
  static const OpRegistration r = {"GATHER_ND", nullptr, Prepare, Eval,
                                   nullptr, 5, nullptr, "params, indices", "output", nullptr};
  return &r;
}

}  // namespace tflm
