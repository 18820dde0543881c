// Gradients of activations, as TensorFlow defines them (float32):
//   ReluGrad(gradients, features)   = gradients * (features > 0)
//   Relu6Grad(gradients, features)  = gradients * (0 < features < 6)
//   SigmoidGrad(y, dy)              = dy * y * (1 - y)
//   TanhGrad(y, dy)                 = dy * (1 - y * y)
// Both inputs have the output's shape (the batch may be dynamic).
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

struct ReluGradOp {
  static constexpr const char* kName = "ReluGrad";
  static constexpr const char* kFlexName = "FlexReluGrad";
  static constexpr const char* kInputs = "gradients, features";
  static constexpr const char* kOutputs = "backprops";
  static float Apply(float g, float f) { return f > 0.0f ? g : 0.0f; }
};
struct Relu6GradOp {
  static constexpr const char* kName = "Relu6Grad";
  static constexpr const char* kFlexName = "FlexRelu6Grad";
  static constexpr const char* kInputs = "gradients, features";
  static constexpr const char* kOutputs = "backprops";
  static float Apply(float g, float f) { return (f > 0.0f && f < 6.0f) ? g : 0.0f; }
};
struct SigmoidGradOp {  // inputs (y, dy)
  static constexpr const char* kName = "SigmoidGrad";
  static constexpr const char* kFlexName = "FlexSigmoidGrad";
  static constexpr const char* kInputs = "y, dy";
  static constexpr const char* kOutputs = "z";
  static float Apply(float y, float dy) { return dy * y * (1.0f - y); }
};
struct TanhGradOp {  // inputs (y, dy)
  static constexpr const char* kName = "TanhGrad";
  static constexpr const char* kFlexName = "FlexTanhGrad";
  static constexpr const char* kInputs = "y, dy";
  static constexpr const char* kOutputs = "z";
  static float Apply(float y, float dy) { return dy * (1.0f - y * y); }
};

template <class Op>
Status Init(OpContext& ctx) {
  NodeDef node;
  return ReadFlexNodeDef(ctx, Op::kName, &node);
}

template <class Op>
Status Prepare(OpContext& ctx) {
  const Tensor* a = ctx.input(0);
  const Tensor* b = ctx.input(1);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(a, DataType::kFloat32, "input 0"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(b, DataType::kFloat32, "input 1"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  if (!SameShape(a, b)) {
    return ctx.Error(Status::kInvalidArgument, "%s needs inputs of one shape", Op::kName);
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, a));
  ctx.AllowInPlace(0, 0);
  return Status::kOk;
}

template <class Op>
Status Eval(OpContext& ctx) {
  const float* a = ctx.input(0)->data_as<const float>();
  const float* b = ctx.input(1)->data_as<const float>();
  float* out = ctx.output(0)->data_as<float>();
  const int64_t n = ctx.output(0)->NumElements();
  for (int64_t i = 0; i < n; ++i) out[i] = Op::Apply(a[i], b[i]);
  return Status::kOk;
}

template <class Op>
const OpRegistration* Registration() {
  // Constant-initialized (no run-time guard): the name and operands are Op's.
  static const OpRegistration r = {Op::kFlexName, Init<Op>, Prepare<Op>, Eval<Op>, nullptr, 0,
                                   nullptr, Op::kInputs, Op::kOutputs, nullptr};
  return &r;
}

}  // namespace

const OpRegistration* Register_FlexReluGrad() {
  return Registration<ReluGradOp>();
}
const OpRegistration* Register_FlexRelu6Grad() {
  return Registration<Relu6GradOp>();
}
const OpRegistration* Register_FlexSigmoidGrad() {
  return Registration<SigmoidGradOp>();
}
const OpRegistration* Register_FlexTanhGrad() {
  return Registration<TanhGradOp>();
}

}  // namespace tflm
