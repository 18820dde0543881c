// UNPACK: splits the input along `axis` into `num` outputs without that axis.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_concat.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kNumField = 0;   // UnpackOptions.num
constexpr int kAxisField = 1;  // UnpackOptions.axis

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  const fb::Table options = ctx.builtin_options();
  int32_t axis = 0;
  if (!NormalizeAxis(options.Scalar<int32_t>(kAxisField, 0), input->rank,
                     &axis)) {
    return ctx.Error(Status::kInvalidArgument,
                     "axis is out of range for rank %d",
                     input->rank);
  }
  const int n = ctx.num_outputs();
  if (n != input->dims[axis] || options.Scalar<int32_t>(kNumField, n) != n) {
    return ctx.Error(Status::kInvalidArgument,
                     "%d outputs for a dimension of size %d", n,
                     static_cast<int>(input->dims[axis]));
  }
  int32_t dims[kMaxRank];
  int rank = 0;
  int64_t outer = 1;
  int64_t block = elem_size;
  for (int d = 0; d < input->rank; ++d) {
    if (d == axis) continue;
    dims[rank++] = input->dims[d];
    if (d < axis) outer *= input->dims[d];
    else block *= input->dims[d];
  }
  for (int i = 0; i < n; ++i) {
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(i), input->type, "output"));
    TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(i, dims, rank));
  }
  JoinPlan* plan = nullptr;
  TFLM_RETURN_IF_ERROR(AllocateJoinPlan(ctx, n, &plan));
  plan->type = input->type;
  plan->outer = static_cast<int32_t>(outer);
  plan->row_bytes = static_cast<uint32_t>(n * block);
  for (int i = 0; i < n; ++i) plan->block_bytes[i] = static_cast<uint32_t>(block);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  RunSplit(ctx, *ctx.op_data_as<JoinPlan>(), 0);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_UNPACK() {
  static const OpRegistration r = {"UNPACK", nullptr, Prepare, Eval, nullptr,
                                   4, nullptr, "input", "outputs...", nullptr};
  return &r;
}

}  // namespace tflm
