// Broadcast plans for the binary family (see internal/binary_broadcast.h).
#include "tensorflow/lite/micro/kernels/internal/binary_broadcast.h"

#include <cstdio>

namespace tflm {
namespace {

// Dimension `axis` of `shape` seen right-aligned against rank `rank`.
int32_t AlignedDim(const ShapeRef& shape, int rank, int axis) {
  const int i = axis - (rank - shape.rank);
  return i >= 0 ? shape.dims[i] : 1;
}

int64_t NumElements(const ShapeRef& shape) {
  return ShapeNumElements(shape.dims, shape.rank);
}

}  // namespace

const char* FormatShape(const ShapeRef& shape, char* buf, size_t size) {
  if (size < 2) {
    if (size == 1) buf[0] = '\0';
    return buf;
  }
  buf[0] = '[';
  size_t used = 1;
  auto append = [&](const char* fmt, int value) {
    if (used + 1 >= size) return;
    const int n = snprintf(buf + used, size - used, fmt, value);
    if (n > 0) used += static_cast<size_t>(n);
    if (used >= size) used = size - 1;
  };
  for (int i = 0; i < shape.rank; ++i) append(i ? ",%d" : "%d", shape.dims[i]);
  if (used + 1 < size) buf[used++] = ']';
  buf[used] = '\0';
  return buf;
}

bool BroadcastShapesN(const ShapeRef* shapes, int n, int32_t* out_dims,
                      int* out_rank) {
  int rank = 0;
  for (int k = 0; k < n; ++k) {
    if (shapes[k].rank > rank) rank = shapes[k].rank;
  }
  if (rank > kMaxRank) return false;
  for (int axis = 0; axis < rank; ++axis) {
    int32_t d = 1;
    for (int k = 0; k < n; ++k) {
      const int32_t dk = AlignedDim(shapes[k], rank, axis);
      if (dk == 1 || dk == d) continue;
      if (d != 1) return false;
      d = dk;
    }
    out_dims[axis] = d;
  }
  *out_rank = rank;
  return true;
}

void MakeBroadcastPlan(const ShapeRef* shapes, int n, const int32_t* out_dims,
                       int out_rank, BroadcastPlan* plan) {
  plan->num_inputs = static_cast<int8_t>(n);
  plan->count = ShapeNumElements(out_dims, out_rank);

  // Keep output dims > 1 and merge neighbours along which every input either
  // broadcasts in both or in neither.
  int rank = 0;
  bool prev_bcast[kMaxBroadcastInputs] = {false, false, false};
  for (int axis = 0; axis < out_rank; ++axis) {
    if (out_dims[axis] == 1) continue;
    bool bcast[kMaxBroadcastInputs] = {false, false, false};
    bool same_as_prev = rank > 0;
    for (int k = 0; k < n; ++k) {
      bcast[k] = AlignedDim(shapes[k], out_rank, axis) == 1;
      same_as_prev = same_as_prev && bcast[k] == prev_bcast[k];
    }
    if (same_as_prev) {
      plan->dims[rank - 1] *= out_dims[axis];
    } else {
      plan->dims[rank] = out_dims[axis];
      for (int k = 0; k < n; ++k) {
        // Stride placeholder: 0 marks a broadcast dim, filled in below.
        plan->strides[k][rank] = bcast[k] ? 0 : 1;
        prev_bcast[k] = bcast[k];
      }
      ++rank;
    }
  }
  if (rank == 0) {
    rank = 1;
    plan->dims[0] = 1;
    for (int k = 0; k < n; ++k) plan->strides[k][0] = 1;
  }
  plan->rank = static_cast<int8_t>(rank);
  for (int k = 0; k < n; ++k) {
    int32_t stride = 1;
    for (int axis = rank - 1; axis >= 0; --axis) {
      if (plan->strides[k][axis] == 0) continue;
      plan->strides[k][axis] = stride;
      stride *= plan->dims[axis];
    }
  }

  bool all_full = true;
  for (int k = 0; k < n; ++k) {
    all_full = all_full && NumElements(shapes[k]) == plan->count;
  }
  if (all_full || plan->count == 0) {
    plan->path = BroadcastPlan::kSameShape;
  } else if (n == 2 && NumElements(shapes[0]) == 1 &&
             NumElements(shapes[1]) == plan->count) {
    plan->path = BroadcastPlan::kFirstScalar;
  } else if (n == 2 && NumElements(shapes[1]) == 1 &&
             NumElements(shapes[0]) == plan->count) {
    plan->path = BroadcastPlan::kSecondScalar;
  } else {
    plan->path = BroadcastPlan::kGeneral;
  }
}

Status PrepareBinaryBroadcast(OpContext& ctx, BroadcastPlan* plan) {
  const Tensor* input1 = ctx.input(0);
  const Tensor* input2 = ctx.input(1);
  if (input1->type != input2->type) {
    return ctx.Error(Status::kInvalidArgument,
                     "inputs must have the same dtype, got %s and %s",
                     DataTypeName(input1->type), DataTypeName(input2->type));
  }
  const ShapeRef shapes[2] = {ShapeOf(input1), ShapeOf(input2)};
  int32_t out_dims[kMaxRank];
  int out_rank = 0;
  if (!BroadcastShapesN(shapes, 2, out_dims, &out_rank)) {
    char a[64], b[64];
    return ctx.Error(Status::kInvalidArgument,
                     "input shapes %s and %s do not broadcast (rank <= %d)",
                     FormatShape(shapes[0], a, sizeof(a)),
                     FormatShape(shapes[1], b, sizeof(b)), kMaxRank);
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, out_rank));
  MakeBroadcastPlan(shapes, 2, out_dims, out_rank, plan);
  return Status::kOk;
}

}  // namespace tflm
