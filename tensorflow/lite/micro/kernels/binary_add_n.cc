// ADD_N: the elementwise sum of N >= 2 inputs of one shape and dtype.
// Summation runs input by input (((x0 + x1) + x2) + ...), TFLite's order.
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/binary_arithmetic.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

Status AddNPrepare(OpContext& ctx) {
  // The declaration says one or more; the op sums at least two.
  const int n = ctx.num_inputs();
  TFLM_ENSURE_MSG(ctx, n >= 2, "expected at least 2 inputs, got %d", n);
  const Tensor* first = ctx.input(0);
  if (first->type != DataType::kFloat32 && first->type != DataType::kInt32) {
    return ctx.Error(Status::kUnsupported,
                     "%s inputs are not supported (float32, int32)",
                     DataTypeName(first->type));
  }
  for (int k = 1; k < n; ++k) {
    const Tensor* t = ctx.input(k);
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(t, first->type, "input"));
    TFLM_ENSURE_MSG(ctx, SameShape(t, first),
                    "input %d's shape differs from input 0's", k);
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), first->type, "output"));
  return ctx.SetOutputShapeLike(0, first);
}

template <typename T>
Status AddNTyped(OpContext& ctx) {
  const int64_t count = ctx.input(0)->NumElements();
  T* out = static_cast<T*>(ctx.output(0)->data);
  const T* a = static_cast<const T*>(ctx.input(0)->data);
  const T* b = static_cast<const T*>(ctx.input(1)->data);
  const AddFn add;
  for (int64_t i = 0; i < count; ++i) out[i] = add(a[i], b[i]);
  // The planner never overlaps the output with an input that is still live,
  // so accumulating into the output is safe.
  for (int k = 2; k < ctx.num_inputs(); ++k) {
    const T* c = static_cast<const T*>(ctx.input(k)->data);
    for (int64_t i = 0; i < count; ++i) out[i] = add(out[i], c[i]);
  }
  return Status::kOk;
}

Status AddNEval(OpContext& ctx) {
  if (ctx.input(0)->type == DataType::kInt32) return AddNTyped<int32_t>(ctx);
  return AddNTyped<float>(ctx);
}

}  // namespace

const OpRegistration* Register_ADD_N() {
  static const OpRegistration r = {"ADD_N", nullptr, AddNPrepare, AddNEval,
                                   nullptr, 1, nullptr, "values+", "output", nullptr};
  return &r;
}

}  // namespace tflm
