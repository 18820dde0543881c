// SPLIT (equal parts; axis is input 0, the value input 1) and SPLIT_V (sizes
// in input 1, one of them may be -1; axis is input 2). Axis and sizes must be
// known at prepare.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_concat.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kNumSplitsField = 0;  // SplitOptions / SplitVOptions.num_splits

// Shared by both ops; `variable_sizes` reads SPLIT_V's size_splits.
Status PrepareSplit(OpContext& ctx, int value_input, int axis_input,
                    bool variable_sizes) {
  const Tensor* input = ctx.input(value_input);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  const int n = ctx.num_outputs();
  const int32_t num_splits = ctx.builtin_options().Scalar<int32_t>(kNumSplitsField, n);
  if (num_splits != n) {
    return ctx.Error(Status::kInvalidArgument,
                     "num_splits %d does not match the %d outputs",
                     static_cast<int>(num_splits), n);
  }
  int32_t axis = 0;
  int count = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, axis_input, "axis", &axis, 1,
                                           &count));
  if (count != 1 || !NormalizeAxis(axis, input->rank, &axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis must be one value in range for rank %d", input->rank);
  }
  JoinPlan* plan = nullptr;
  TFLM_RETURN_IF_ERROR(AllocateJoinPlan(ctx, n, &plan));
  const int32_t dim = input->dims[axis];
  // Sizes along the axis go through block_bytes until scaled below.
  uint32_t* sizes = plan->block_bytes;
  if (!variable_sizes) {
    if (dim % n != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "dimension of size %d does not split into %d parts",
                       static_cast<int>(dim), n);
    }
    for (int i = 0; i < n; ++i) sizes[i] = static_cast<uint32_t>(dim / n);
  } else {
    const Tensor* split_sizes = ctx.input(1);
    if (!ValueKnownAtPrepare(split_sizes)) {
      return ctx.Error(Status::kUnsupported,
                       "size_splits (input 1) must be a constant or computed "
                       "at prepare time: output shapes are fixed at prepare");
    }
    if ((split_sizes->type != DataType::kInt32 &&
         split_sizes->type != DataType::kInt64) ||
        split_sizes->NumElements() != n) {
      return ctx.Error(Status::kInvalidArgument,
                       "size_splits must be %d int32 or int64 values", n);
    }
    int unknown = -1;
    int64_t known = 0;
    for (int i = 0; i < n; ++i) {
      const int64_t s = LoadIndex(split_sizes->data, split_sizes->type, i);
      if (s == -1 && unknown < 0) {
        unknown = i;
        continue;
      }
      if (s < 0) {
        return ctx.Error(Status::kInvalidArgument, "invalid split size %lld",
                         static_cast<long long>(s));
      }
      known += s;
      sizes[i] = static_cast<uint32_t>(s);
    }
    if (unknown >= 0 && known <= dim) {
      sizes[unknown] = static_cast<uint32_t>(dim - known);
      known = dim;
    }
    if (known != dim) {
      return ctx.Error(Status::kInvalidArgument,
                       "split sizes add up to %lld, not the dimension's %d",
                       static_cast<long long>(known), static_cast<int>(dim));
    }
  }
  int64_t outer = 1;
  int64_t inner = elem_size;
  for (int d = 0; d < axis; ++d) outer *= input->dims[d];
  for (int d = axis + 1; d < input->rank; ++d) inner *= input->dims[d];
  int32_t dims[kMaxRank];
  for (int d = 0; d < input->rank; ++d) dims[d] = input->dims[d];
  for (int i = 0; i < n; ++i) {
    dims[axis] = static_cast<int32_t>(sizes[i]);
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(i), input->type, "output"));
    TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(i, dims, input->rank));
    plan->block_bytes[i] = static_cast<uint32_t>(sizes[i] * inner);
  }
  plan->type = input->type;
  plan->outer = static_cast<int32_t>(outer);
  plan->row_bytes = static_cast<uint32_t>(dim * inner);
  return Status::kOk;
}

Status PrepareSplitEqual(OpContext& ctx) {
  return PrepareSplit(ctx, /*value_input=*/1, /*axis_input=*/0, false);
}

Status PrepareSplitV(OpContext& ctx) {
  return PrepareSplit(ctx, /*value_input=*/0, /*axis_input=*/2, true);
}

Status EvalSplitEqual(OpContext& ctx) {
  RunSplit(ctx, *ctx.op_data_as<JoinPlan>(), 1);
  return Status::kOk;
}

Status EvalSplitV(OpContext& ctx) {
  RunSplit(ctx, *ctx.op_data_as<JoinPlan>(), 0);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SPLIT() {
  static const OpRegistration r = {"SPLIT", nullptr, PrepareSplitEqual,
                                   EvalSplitEqual, nullptr, 4, nullptr,
                                   "axis, input", "outputs+", nullptr};
  return &r;
}

const OpRegistration* Register_SPLIT_V() {
  static const OpRegistration r = {"SPLIT_V", nullptr, PrepareSplitV,
                                   EvalSplitV, nullptr, 2, nullptr,
                                   "input, size_splits, axis", "outputs+", nullptr};
  return &r;
}

}  // namespace tflm
