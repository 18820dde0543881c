// SQUEEZE: removes size-1 dimensions (all of them, or those listed in
// squeeze_dims). The data is unchanged; the output shares the input's buffer
// when the planner allows it.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kSqueezeDimsField = 0;  // SqueezeOptions.squeeze_dims

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  bool ok = true;
  const fb::Vector<int32_t> squeeze_dims =
      ctx.builtin_options().VectorField<int32_t>(kSqueezeDimsField, &ok);
  if (!ok) return ctx.Error(Status::kMalformedModel,
                            "squeeze_dims is out of bounds");
  bool remove[kMaxRank] = {};
  if (squeeze_dims.empty()) {
    for (int i = 0; i < input->rank; ++i) remove[i] = input->dims[i] == 1;
  }
  for (uint32_t i = 0; i < squeeze_dims.size; ++i) {
    int32_t axis = 0;
    if (!NormalizeAxis(squeeze_dims[i], input->rank, &axis)) {
      return ctx.Error(Status::kInvalidArgument,
                       "squeeze_dims entry %d is out of range for rank %d",
                       static_cast<int>(squeeze_dims[i]), input->rank);
    }
    if (input->dims[axis] != 1) {
      return ctx.Error(Status::kInvalidArgument,
                       "cannot squeeze dimension %d of size %d", static_cast<int>(axis),
                       static_cast<int>(input->dims[axis]));
    }
    remove[axis] = true;
  }
  int32_t dims[kMaxRank];
  int rank = 0;
  for (int i = 0; i < input->rank; ++i) {
    if (!remove[i]) dims[rank++] = input->dims[i];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  ctx.ShareInputBuffer(0, 0);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SQUEEZE() {
  // Version 2 adds string tensors, which this runtime does not support.
  static const OpRegistration r = {"SQUEEZE", nullptr, Prepare,
                                   EvalCopyUnlessShared, nullptr, 1, nullptr,
                                   "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
