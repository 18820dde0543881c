// RESHAPE: same data, new shape. The output shares the input's buffer when
// the planner allows it, so eval usually copies nothing.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kReshapeNewShapeField = 0;  // ReshapeOptions.new_shape

// Chooses the requested shape: the shape input (when its value is known at
// prepare time), else the new_shape option, else the output's model shape.
Status RequestedShape(OpContext& ctx, int32_t* dims, int* rank) {
  const Tensor* shape = ctx.input(1);
  if (shape != nullptr && shape->rank == 1 && ValueKnownAtPrepare(shape)) {
    return ReadPrepareTimeInts(ctx, 1, "shape", dims, kMaxRank, rank);
  }
  bool ok = true;
  fb::Vector<int32_t> new_shape =
      ctx.builtin_options().VectorField<int32_t>(kReshapeNewShapeField, &ok);
  if (!ok) return ctx.Error(Status::kMalformedModel,
                            "new_shape is out of bounds");
  // A model without a known shape input or option: keep the output's shape.
  const Tensor* output = ctx.output(0);
  if (new_shape.empty() && (shape != nullptr || output->rank > 0)) {
    *rank = output->rank;
    for (int i = 0; i < *rank; ++i) dims[i] = output->dims[i];
    // A dynamic batch dimension is re-derived below through -1.
    if ((output->flags & kTensorDynamicShape) != 0 && *rank > 0) dims[0] = -1;
    return Status::kOk;
  }
  if (new_shape.size > static_cast<uint32_t>(kMaxRank)) {
    return ctx.Error(Status::kUnsupported, "new_shape has rank %u",
                     static_cast<unsigned>(new_shape.size));
  }
  *rank = static_cast<int>(new_shape.size);
  for (int i = 0; i < *rank; ++i) dims[i] = new_shape[i];
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  int32_t dims[kMaxRank];
  int rank = 0;
  TFLM_RETURN_IF_ERROR(RequestedShape(ctx, dims, &rank));
  const int64_t count = input->NumElements();
  int stretch = -1;
  int64_t known = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == -1) {
      if (stretch >= 0) {
        return ctx.Error(Status::kInvalidArgument,
                         "new shape has more than one -1");
      }
      stretch = i;
    } else {
      known *= dims[i];
    }
  }
  if (stretch >= 0) {
    if (known == 0 || count % known != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "cannot reshape %lld elements with the requested shape",
                       static_cast<long long>(count));
    }
    dims[stretch] = static_cast<int32_t>(count / known);
    known *= dims[stretch];
  }
  if (known != count) {
    return ctx.Error(Status::kInvalidArgument,
                     "cannot reshape %lld elements into %lld",
                     static_cast<long long>(count), static_cast<long long>(known));
  }
  TFLM_RETURN_IF_ERROR(ctx.SetShape(output, dims, rank));
  ctx.ShareInputBuffer(0, 0);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_RESHAPE() {
  static const OpRegistration r = {"RESHAPE", nullptr, Prepare, EvalCopyUnlessShared,
                                   nullptr, 1, nullptr, "input, shape?", "output", nullptr};
  return &r;
}

}  // namespace tflm
