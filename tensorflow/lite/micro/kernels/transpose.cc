// TRANSPOSE: output dimension i is input dimension perm[i] (input 1, known at
// prepare). Prepare turns the permutation into a copy plan walking the output
// in order; loops that stay contiguous in both tensors merge, so when the
// permutation keeps the last axis (or a trailing group of axes) in place each
// step copies a whole inner run with memcpy.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  int32_t perm[kMaxRank];
  int count = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 1, "perm", perm, kMaxRank,
                                           &count));
  const int rank = input->rank;
  if (count != rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "perm has %d entries for an input of rank %d", count, rank);
  }
  bool seen[kMaxRank] = {};
  int32_t dims[kMaxRank];
  for (int i = 0; i < rank; ++i) {
    int32_t axis = 0;
    if (!NormalizeAxis(perm[i], rank, &axis) || seen[axis]) {
      return ctx.Error(Status::kInvalidArgument,
                       "perm is not a permutation of 0..%d", rank - 1);
    }
    seen[axis] = true;
    perm[i] = axis;
    dims[i] = input->dims[axis];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  CopyPlan* plan = ctx.AllocateOpData<CopyPlan>();
  if (plan == nullptr) return Status::kArenaTooSmall;
  int64_t in_strides[kMaxRank];
  int64_t out_strides[kMaxRank];
  ElementStrides(input->dims, rank, in_strides);
  ElementStrides(dims, rank, out_strides);
  plan->Init(elem_size);
  for (int i = 0; i < rank; ++i) {
    (void)plan->AddLoop(dims[i],
                        static_cast<int32_t>(in_strides[perm[i]] * elem_size),
                        static_cast<int32_t>(out_strides[i] * elem_size));
  }
  plan->Finalize();
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  ctx.op_data_as<CopyPlan>()->Run(ctx.input(0)->data, ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_TRANSPOSE() {
  static const OpRegistration r = {"TRANSPOSE", nullptr, Prepare, Eval,
                                   nullptr, 6, nullptr, "input, perm", "output", nullptr};
  return &r;
}

}  // namespace tflm
