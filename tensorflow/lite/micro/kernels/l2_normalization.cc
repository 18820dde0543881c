// L2_NORMALIZATION over the last dimension: x / max(||x||, 1e-6).
//
// int8 follows TFLite's reference: the sum of squares of (x - zero_point) in
// int32, its inverse square root as a fixed-point multiplier, output on the
// fixed scale 1/128 with zero point 0.
#include <cmath>
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_fixedpoint.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kActivationField = 0;  // L2NormOptions.fused_activation_function

// Checked by the interpreter before prepare.
constexpr OptionRange kL2NormOptions[] = {
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};
constexpr float kEpsilon = 1e-6f;

struct L2NormData {
  int32_t input_zero_point = 0;
};

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<L2NormData>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  if (input->rank < 1) {
    return ctx.Error(Status::kInvalidArgument, "L2_NORMALIZATION needs an input of rank >= 1");
  }
  if (input->type != DataType::kFloat32 && input->type != DataType::kInt8) {
    return ctx.Error(Status::kUnsupported, "L2_NORMALIZATION does not support %s inputs",
                     DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  if (ctx.builtin_options().Scalar<int8_t>(kActivationField, 0) != 0) {
    return ctx.Error(Status::kUnsupported, "L2_NORMALIZATION: fused activations are not supported");
  }
  L2NormData* data = ctx.op_data_as<L2NormData>();
  if (input->type == DataType::kInt8) {
    const QuantParams iq = ctx.input_quant(0);
    const QuantParams oq = ctx.output_quant(0);
    if (!iq.is_quantized() || !oq.is_quantized() || oq.scale(0) != 1.0f / 128 ||
        oq.zero_point(0) != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "L2_NORMALIZATION: int8 output needs scale 1/128 and zero point 0");
    }
    data->input_zero_point = iq.zero_point(0);
  }
  return ctx.SetOutputShapeLike(0, input);
}

void L2NormFloat(const float* in, float* out, int64_t outer, int32_t depth) {
  for (int64_t r = 0; r < outer; ++r, in += depth, out += depth) {
    float sum_sq = 0.0f;
    for (int32_t c = 0; c < depth; ++c) sum_sq += in[c] * in[c];
    float norm = std::sqrt(sum_sq);
    norm = norm > kEpsilon ? norm : kEpsilon;
    for (int32_t c = 0; c < depth; ++c) out[c] = in[c] / norm;
  }
}

void L2NormInt8(const int8_t* in, int8_t* out, int64_t outer, int32_t depth, int32_t zero_point) {
  constexpr int kOutputShift = 7;  // output scale 1/128
  for (int64_t r = 0; r < outer; ++r, in += depth, out += depth) {
    int32_t sum_sq = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = in[c] - zero_point;
      sum_sq += v * v;
    }
    int32_t inv_norm;
    int inv_norm_shift;
    fixedpoint::GetInvSqrtQuantizedMultiplierExp(sum_sq, -1, &inv_norm, &inv_norm_shift);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = MultiplyByQuantizedMultiplier(in[c] - zero_point, inv_norm,
                                                      inv_norm_shift + kOutputShift);
      out[c] = static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
  }
}

Status Eval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  const int32_t depth = input->dims[input->rank - 1];
  const int64_t outer = depth == 0 ? 0 : input->NumElements() / depth;
  if (input->type == DataType::kFloat32) {
    L2NormFloat(input->data_as<float>(), output->data_as<float>(), outer, depth);
  } else {
    L2NormInt8(input->data_as<int8_t>(), output->data_as<int8_t>(), outer, depth,
               ctx.op_data_as<L2NormData>()->input_zero_point);
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_L2_NORMALIZATION() {
  static const OpRegistration r = {"L2_NORMALIZATION", Init, Prepare, Eval, nullptr, 2, nullptr,
                                   "input", "output", kL2NormOptions};
  return &r;
}

}  // namespace tflm
