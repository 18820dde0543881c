// SVDF: a fully connected layer factored into a feature filter and a time
// filter over the last `memory_size` steps (keyword-spotting models).
//
// Operands: input [batch, input_size], weights_feature [num_filters,
// input_size], weights_time [num_filters, memory_size], bias? [num_units],
// activation_state [batch, num_filters * memory_size] (a variable tensor)
// -> output [batch, num_units], with num_units = num_filters / rank.
//
// Each invoke, per batch and filter f, the filter's memory row of the state
// moves one step left (the whole state shifts by one element, as upstream
// TFLM does; the column that wraps in is overwritten next), the newest column
// gets dot(weights_feature[f], input), and
//   output[b, u] = bias[u] + sum_{r < rank} dot(weights_time[u * rank + r],
//                                                state[b, u * rank + r]).
// The state after each invoke equals TF 2.21's reference (tested).
//
// Supported:
//  - float32 (fused activation none, relu, relu_n1_to_1, relu6, tanh,
//    sign_bit), close to TFLite's reference;
//  - full integer: int8 input and weights_feature, int16 weights_time and
//    state, int32 bias, int8 output; bit-exact with TFLite's reference
//    (EvalIntegerSVDF). As there and in upstream TFLM, the integer path
//    applies no fused activation (TFLite requires relu; TFLM ignores it).
// Op versions 1 (float) and 3 (integer); versions 2 and 4 are hybrid.
// Not supported (clear error): hybrid (float input, int8 weights), int8
// weights_time/state (an upstream-TFLM-only variant), per-channel scales.
//
// The state is owned by the interpreter: it persists across invokes and is
// zeroed by Reset(). The kernel needs no scratch: each output element sums
// its rank time-filter dot products directly.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_float.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

enum : int {
  kInput = 0,
  kWeightsFeature = 1,
  kWeightsTime = 2,
  kBias = 3,
  kState = 4,
};

// SVDFOptions fields.
constexpr int kRankField = 0;
constexpr int kActivationField = 1;
// Field 2, asymmetric_quantize_inputs, concerns only the hybrid kernel.

// Checked by the interpreter before prepare.
constexpr OptionRange kSvdfOptions[] = {
    {"rank", kRankField, 4, 0, 1, std::numeric_limits<int32_t>::max()},
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

struct OpData {
  int n_batch;
  int n_input;
  int n_filter;
  int n_memory;
  int rank;
  bool integer;
  FusedActivation activation;
  // Integer path (TFLite's effective_scale_1 / effective_scale_2).
  int32_t feature_multiplier;  // input * weights_feature / state
  int feature_shift;
  int32_t time_multiplier;  // state * weights_time / output
  int time_shift;
  int32_t input_zero_point;
  int32_t output_zero_point;
};

Status CheckType(OpContext& ctx, int k, const char* name, DataType want) {
  const Tensor* t = ctx.input(k);
  if (t->type != want) {
    return ctx.Error(Status::kInvalidArgument, "input %d (%s) must be %s, not %s", k,
                     name, DataTypeName(want), DataTypeName(t->type));
  }
  return Status::kOk;
}

// The per-tensor scale of a quantized operand; `symmetric` requires zero
// point 0 (TFLite's integer SVDF reads no zero point for these).
Status TensorScale(OpContext& ctx, const QuantParams& q, const char* name,
                   bool symmetric, float* scale) {
  if (q.count != 1) {
    return ctx.Error(Status::kUnsupported,
                     "%s must be quantized per tensor (has %d scales)", name,
                     static_cast<int>(q.count));
  }
  if (symmetric && q.zero_point(0) != 0) {
    return ctx.Error(Status::kUnsupported,
                     "%s must be quantized symmetrically (zero point %d)", name,
                     static_cast<int>(q.zero_point(0)));
  }
  *scale = q.scale(0);
  return Status::kOk;
}

// QuantizeMultiplier of `scale`, refusing scales that are not finite and
// positive or whose left shift would overflow the rescaling.
Status Multiplier(OpContext& ctx, float scale, const char* what, int32_t* multiplier,
                  int* shift) {
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    return ctx.Error(Status::kInvalidArgument, "%s scale %g is invalid", what,
                     static_cast<double>(scale));
  }
  QuantizeMultiplier(static_cast<double>(scale), multiplier, shift);
  if (*shift > 30) {
    return ctx.Error(Status::kUnsupported, "%s scale %g is too large", what,
                     static_cast<double>(scale));
  }
  return Status::kOk;
}

Status PrepareInteger(OpContext& ctx, OpData* data) {
  TFLM_RETURN_IF_ERROR(CheckType(ctx, kWeightsFeature, "weights_feature", DataType::kInt8));
  const Tensor* weights_time = ctx.input(kWeightsTime);
  const Tensor* state = ctx.input(kState);
  if (weights_time->type != DataType::kInt16 || state->type != DataType::kInt16) {
    return ctx.Error(Status::kUnsupported,
                     "the integer SVDF needs int16 weights_time and activation_state "
                     "(got %s and %s)", DataTypeName(weights_time->type),
                     DataTypeName(state->type));
  }
  if (ctx.input(kBias) != nullptr) {
    TFLM_RETURN_IF_ERROR(CheckType(ctx, kBias, "bias", DataType::kInt32));
  }
  if (ctx.output(0)->type != DataType::kInt8) {
    return ctx.Error(Status::kInvalidArgument, "output must be int8, not %s",
                     DataTypeName(ctx.output(0)->type));
  }
  const QuantParams input_q = ctx.input_quant(kInput);
  const QuantParams output_q = ctx.output_quant(0);
  float input_scale = 0, feature_scale = 0, time_scale = 0, state_scale = 0, output_scale = 0;
  TFLM_RETURN_IF_ERROR(TensorScale(ctx, input_q, "input", false, &input_scale));
  TFLM_RETURN_IF_ERROR(TensorScale(ctx, ctx.input_quant(kWeightsFeature),
                                   "weights_feature", true, &feature_scale));
  TFLM_RETURN_IF_ERROR(TensorScale(ctx, ctx.input_quant(kWeightsTime), "weights_time",
                                   true, &time_scale));
  TFLM_RETURN_IF_ERROR(TensorScale(ctx, ctx.input_quant(kState), "activation_state",
                                   true, &state_scale));
  TFLM_RETURN_IF_ERROR(TensorScale(ctx, output_q, "output", false, &output_scale));
  // As TFLite's svdf.cc Prepare (and TFLM's PrepareSvdf): the products and
  // quotients of the float scales are computed in float.
  const float scale_1 = input_scale * feature_scale / state_scale;
  const float scale_2 = state_scale * time_scale / output_scale;
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, scale_1, "effective (input * weights_feature / state)",
                                  &data->feature_multiplier, &data->feature_shift));
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, scale_2, "effective (state * weights_time / output)",
                                  &data->time_multiplier, &data->time_shift));
  data->input_zero_point = input_q.zero_point(0);
  data->output_zero_point = output_q.zero_point(0);
  return Status::kOk;
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

Status Prepare(OpContext& ctx) {
  OpData* data = ctx.op_data_as<OpData>();
  const fb::Table options = ctx.builtin_options();
  const int rank = options.Scalar<int32_t>(kRankField, 0);
  const Tensor* input = ctx.input(kInput);
  const Tensor* weights_feature = ctx.input(kWeightsFeature);
  const Tensor* weights_time = ctx.input(kWeightsTime);
  const Tensor* bias = ctx.input(kBias);
  const Tensor* state = ctx.input(kState);
  TFLM_ENSURE_MSG(ctx, input->rank == 2,
                  "input must have rank 2 ([batch, input_size]), has rank %d",
                  input->rank);
  TFLM_ENSURE_MSG(ctx, weights_feature->rank == 2,
                  "weights_feature must have rank 2 ([num_filters, input_size]), "
                  "has rank %d", weights_feature->rank);
  TFLM_ENSURE_MSG(ctx, weights_time->rank == 2,
                  "weights_time must have rank 2 ([num_filters, memory_size]), "
                  "has rank %d", weights_time->rank);
  const int n_batch = input->dims[0];
  const int n_input = input->dims[1];
  const int n_filter = weights_feature->dims[0];
  const int n_memory = weights_time->dims[1];
  TFLM_ENSURE_MSG(ctx, n_filter % rank == 0,
                  "num_filters (%d, weights_feature dim 0) must be a multiple of "
                  "rank (%d)", n_filter, rank);
  const int n_unit = n_filter / rank;
  TFLM_ENSURE_MSG(ctx, weights_feature->dims[1] == n_input,
                  "weights_feature dim 1 (%d) must equal the input size (%d)",
                  static_cast<int>(weights_feature->dims[1]), n_input);
  TFLM_ENSURE_MSG(ctx, weights_time->dims[0] == n_filter,
                  "weights_time dim 0 (%d) must equal num_filters (%d)",
                  static_cast<int>(weights_time->dims[0]), n_filter);
  TFLM_ENSURE_MSG(ctx, n_memory >= 1, "weights_time dim 1 (memory_size) must be >= 1, is %d",
                  n_memory);
  if (bias != nullptr) {
    TFLM_ENSURE_MSG(ctx, bias->rank == 1 && bias->dims[0] == n_unit,
                    "bias must have shape [%d] (num_units)", n_unit);
  }
  TFLM_ENSURE_MSG(ctx, (state->flags & kTensorIsVariable) != 0,
                  "activation_state (input 4) must be a variable tensor");
  TFLM_ENSURE_MSG(ctx,
                  state->rank == 2 && state->dims[0] == n_batch &&
                      static_cast<int64_t>(state->dims[1]) ==
                          static_cast<int64_t>(n_memory) * n_filter,
                  "activation_state must have shape [%d, %d] (batch, memory_size * "
                  "num_filters)", n_batch, n_memory * n_filter);

  data->n_batch = n_batch;
  data->n_input = n_input;
  data->n_filter = n_filter;
  data->n_memory = n_memory;
  data->rank = rank;
  data->activation =
      static_cast<FusedActivation>(options.Scalar<int8_t>(kActivationField, 0));
  if (input->type == DataType::kInt8) {
    data->integer = true;
    TFLM_RETURN_IF_ERROR(PrepareInteger(ctx, data));
  } else if (input->type == DataType::kFloat32) {
    data->integer = false;
    if (weights_feature->type == DataType::kInt8) {
      return ctx.Error(Status::kUnsupported,
                       "hybrid SVDF (float32 input, int8 weights) is not supported");
    }
    TFLM_RETURN_IF_ERROR(CheckType(ctx, kWeightsFeature, "weights_feature", DataType::kFloat32));
    TFLM_RETURN_IF_ERROR(CheckType(ctx, kWeightsTime, "weights_time", DataType::kFloat32));
    TFLM_RETURN_IF_ERROR(CheckType(ctx, kState, "activation_state", DataType::kFloat32));
    if (bias != nullptr) {
      TFLM_RETURN_IF_ERROR(CheckType(ctx, kBias, "bias", DataType::kFloat32));
    }
    if (ctx.output(0)->type != DataType::kFloat32) {
      return ctx.Error(Status::kInvalidArgument, "output must be float32, not %s",
                       DataTypeName(ctx.output(0)->type));
    }
  } else {
    return ctx.Error(Status::kUnsupported,
                     "input type %s is not supported (float32, or int8 for the "
                     "full-integer SVDF)", DataTypeName(input->type));
  }
  const int32_t out_dims[2] = {n_batch, n_unit};
  return ctx.SetOutputShape(0, out_dims, 2);
}

// Moves every filter's memory one step left: the whole state by one element
// (each row's first element goes to the previous row's last slot, which the
// new feature activation overwrites).
template <typename T>
void ShiftState(T* state, int64_t count) {
  if (count > 1) std::memmove(state, state + 1, sizeof(T) * static_cast<size_t>(count - 1));
}

float ActivateFloat(FusedActivation activation, float x, float lo, float hi) {
  switch (activation) {
    case FusedActivation::kTanh:
      return TanhFloat(x);
    case FusedActivation::kSignBit:
      return std::signbit(x) ? 1.0f : 0.0f;
    default:
      return ApplyActivation(x, lo, hi);
  }
}

void EvalFloat(const OpData& d, const float* input, const float* weights_feature,
               const float* weights_time, const float* bias, float* state,
               float* output) {
  const int n_filter = d.n_filter, n_memory = d.n_memory, n_input = d.n_input;
  const int n_unit = n_filter / d.rank;
  ShiftState(state, static_cast<int64_t>(d.n_batch) * n_filter * n_memory);
  float lo, hi;
  ActivationRangeFloat(d.activation, &lo, &hi);
  for (int b = 0; b < d.n_batch; ++b) {
    const float* in = input + static_cast<int64_t>(b) * n_input;
    float* state_b = state + static_cast<int64_t>(b) * n_filter * n_memory;
    for (int f = 0; f < n_filter; ++f) {
      const float* w = weights_feature + static_cast<int64_t>(f) * n_input;
      float acc = 0.0f;
      for (int c = 0; c < n_input; ++c) acc += w[c] * in[c];
      state_b[static_cast<int64_t>(f) * n_memory + n_memory - 1] = acc;
    }
    float* out = output + static_cast<int64_t>(b) * n_unit;
    for (int u = 0; u < n_unit; ++u) {
      float sum = bias != nullptr ? bias[u] : 0.0f;
      for (int r = 0; r < d.rank; ++r) {
        const int64_t f = static_cast<int64_t>(u) * d.rank + r;
        const float* wt = weights_time + f * n_memory;
        const float* s = state_b + f * n_memory;
        float dot = 0.0f;
        for (int m = 0; m < n_memory; ++m) dot += wt[m] * s[m];
        sum += dot;
      }
      out[u] = ActivateFloat(d.activation, sum, lo, hi);
    }
  }
}

// TFLite's EvalIntegerSVDF (reference/svdf.h): int32 accumulators (wrapping
// where hostile values overflow), the feature result rescaled by
// effective_scale_1 and saturated to int16 into the state, the time result
// (plus bias, summed over rank) rescaled by effective_scale_2, plus the
// output zero point, saturated to int8.
void EvalInteger(const OpData& d, const int8_t* input, const int8_t* weights_feature,
                 const int16_t* weights_time, const int32_t* bias, int16_t* state,
                 int8_t* output) {
  const int n_filter = d.n_filter, n_memory = d.n_memory, n_input = d.n_input;
  const int n_unit = n_filter / d.rank;
  ShiftState(state, static_cast<int64_t>(d.n_batch) * n_filter * n_memory);
  for (int b = 0; b < d.n_batch; ++b) {
    const int8_t* in = input + static_cast<int64_t>(b) * n_input;
    int16_t* state_b = state + static_cast<int64_t>(b) * n_filter * n_memory;
    for (int f = 0; f < n_filter; ++f) {
      const int8_t* w = weights_feature + static_cast<int64_t>(f) * n_input;
      int32_t acc = 0;
      for (int c = 0; c < n_input; ++c) {
        acc = WrappingAdd(acc, static_cast<int32_t>(w[c]) *
                                   (static_cast<int32_t>(in[c]) - d.input_zero_point));
      }
      int32_t scaled = MultiplyByQuantizedMultiplier(acc, d.feature_multiplier,
                                                     d.feature_shift);
      scaled = scaled < -32768 ? -32768 : (scaled > 32767 ? 32767 : scaled);
      state_b[static_cast<int64_t>(f) * n_memory + n_memory - 1] =
          static_cast<int16_t>(scaled);
    }
    int8_t* out = output + static_cast<int64_t>(b) * n_unit;
    for (int u = 0; u < n_unit; ++u) {
      int32_t sum = bias != nullptr ? bias[u] : 0;
      for (int r = 0; r < d.rank; ++r) {
        const int64_t f = static_cast<int64_t>(u) * d.rank + r;
        const int16_t* wt = weights_time + f * n_memory;
        const int16_t* s = state_b + f * n_memory;
        int32_t dot = 0;
        for (int m = 0; m < n_memory; ++m) {
          dot = WrappingAdd(dot, static_cast<int32_t>(wt[m]) * static_cast<int32_t>(s[m]));
        }
        sum = WrappingAdd(sum, dot);
      }
      int32_t x = MultiplyByQuantizedMultiplier(sum, d.time_multiplier, d.time_shift);
      x = WrappingAdd(x, d.output_zero_point);
      x = x < -128 ? -128 : (x > 127 ? 127 : x);
      out[u] = static_cast<int8_t>(x);
    }
  }
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  const Tensor* bias = ctx.input(kBias);
  Tensor* state = ctx.input(kState);
  if (d.integer) {
    EvalInteger(d, ctx.input(kInput)->data_as<int8_t>(),
                ctx.input(kWeightsFeature)->data_as<int8_t>(),
                ctx.input(kWeightsTime)->data_as<int16_t>(),
                bias != nullptr ? bias->data_as<int32_t>() : nullptr,
                state->data_as<int16_t>(), ctx.output(0)->data_as<int8_t>());
  } else {
    EvalFloat(d, ctx.input(kInput)->data_as<float>(),
              ctx.input(kWeightsFeature)->data_as<float>(),
              ctx.input(kWeightsTime)->data_as<float>(),
              bias != nullptr ? bias->data_as<float>() : nullptr, state->data_as<float>(),
              ctx.output(0)->data_as<float>());
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_SVDF() {
  static const OpRegistration r = {"SVDF", Init, Prepare, Eval, nullptr, 3, nullptr,
                                   "input, weights_feature, weights_time, bias?, "
                                   "activation_state",
                                   "output", kSvdfOptions};
  return &r;
}

}  // namespace tflm
