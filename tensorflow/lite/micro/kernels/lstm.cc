// UNIDIRECTIONAL_SEQUENCE_LSTM: a whole sequence through one LSTM layer.
//
// Supported (op versions 1-3):
//  - float32;
//  - full integer (version 1): int8 input, output, weights and output state;
//    int16 cell state; int32 biases; the five quantization intermediates of
//    TFLite's integer LSTM; bit-exact with TFLite's reference kernel for the
//    cell-state scales it computes (powers of two 2^-15 .. 2^-9), and with
//    upstream TFLM's kernel for the others (2^-30 .. 2^2, plain LSTM only);
//  - hybrid (versions 2-3, dynamic-range quantization): float activations and
//    state, int8 weight matrices, inputs quantized per row symmetrically or
//    (asymmetric_quantize_inputs) asymmetrically.
// Variants: CIFG, peephole, projection with optional bias, layer
// normalization, cell and projection clipping, batch-major and time-major.
// Not supported (clear error): diagonal recurrent weights (version 4), int16
// activations (version 5).
//
// The output state (input 18) and cell state (input 19) are variable tensors
// owned by the interpreter: they carry the state from one Invoke to the next
// and are reset by Reset() (to zero; the int8 state to its zero point).
#include <cmath>
#include <cstdio>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/lstm_eval.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// Input tensors of the op (TFLite's lstm_shared.h order).
enum : int {
  kInput = 0,
  kInputToGateWeights = 1,      // + gate: input, forget, cell, output
  kRecurrentToGateWeights = 5,  // + gate
  kCellToInputWeights = 9,
  kCellToForgetWeights = 10,
  kCellToOutputWeights = 11,
  kGateBias = 12,  // + gate
  kProjectionWeights = 16,
  kProjectionBias = 17,
  kOutputState = 18,
  kCellState = 19,
  kLayerNormCoefficients = 20,  // + gate
};
constexpr int kHiddenIntermediate = 4;

// UnidirectionalSequenceLSTMOptions fields.
constexpr int kActivationField = 0;
constexpr int kCellClipField = 1;
constexpr int kProjClipField = 2;
constexpr int kTimeMajorField = 3;
constexpr int kAsymmetricInputsField = 4;
constexpr int kDiagonalRecurrentField = 5;

// Checked by the interpreter before prepare.
constexpr OptionRange kLstmOptions[] = {
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

const char* const kInputNames[24] = {
    "input",
    "input_to_input_weights",
    "input_to_forget_weights",
    "input_to_cell_weights",
    "input_to_output_weights",
    "recurrent_to_input_weights",
    "recurrent_to_forget_weights",
    "recurrent_to_cell_weights",
    "recurrent_to_output_weights",
    "cell_to_input_weights",
    "cell_to_forget_weights",
    "cell_to_output_weights",
    "input_gate_bias",
    "forget_gate_bias",
    "cell_gate_bias",
    "output_gate_bias",
    "projection_weights",
    "projection_bias",
    "output_state",
    "cell_state",
    "input_layer_norm_coefficients",
    "forget_layer_norm_coefficients",
    "cell_layer_norm_coefficients",
    "output_layer_norm_coefficients",
};

// Peephole weights per gate (the cell gate has none).
int PeepholeIndex(int gate) {
  switch (gate) {
    case kLstmInputGate: return kCellToInputWeights;
    case kLstmForgetGate: return kCellToForgetWeights;
    case kLstmOutputGate: return kCellToOutputWeights;
    default: return -1;
  }
}

enum class Mode : uint8_t { kFloat, kHybrid, kInteger };

struct OpData {
  LstmSizes sizes;
  int n_batch;
  int n_time;
  bool time_major;
  Mode mode;
  bool use_cifg;
  bool use_peephole;
  bool use_projection;
  bool use_layer_norm;
  int scratch_handle;
  size_t scratch8_offset;     // bytes into the scratch buffer (int8 part)
  LstmFloatWeights fp;        // options only; pointers are set in eval
  union {                     // by `mode` (kept apart: op data is arena)
    LstmHybridWeights hybrid;   // scales and row sums; pointers set in eval
    LstmIntegerWeights q;       // quantization; pointers are set in eval
  };
};

// The optional input `k`, or nullptr when the model omits it.
const Tensor* Optional(OpContext& ctx, int k) {
  return k < ctx.num_inputs() ? ctx.input(k) : nullptr;
}

// Checks that input `k` is present (when `required`) with rank 1 [d0] or
// rank 2 [d0, d1] (d1 < 0 means rank 1) and type `type`.
Status CheckTensor(OpContext& ctx, int k, bool required, int d0, int d1,
                   DataType type) {
  const Tensor* t = Optional(ctx, k);
  if (t == nullptr) {
    if (!required) return Status::kOk;
    return ctx.Error(Status::kInvalidArgument, "input %d (%s) is missing", k,
                     kInputNames[k]);
  }
  const int rank = d1 < 0 ? 1 : 2;
  if (t->rank != rank || t->dims[0] != d0 || (rank == 2 && t->dims[1] != d1)) {
    if (rank == 1) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d (%s) must have shape [%d] (rank %d given)", k,
                       kInputNames[k], d0, t->rank);
    }
    return ctx.Error(Status::kInvalidArgument,
                     "input %d (%s) must have shape [%d, %d] (rank %d given)",
                     k, kInputNames[k], d0, d1, t->rank);
  }
  if (t->type != type) {
    return ctx.Error(Status::kInvalidArgument, "input %d (%s) must be %s, not %s",
                     k, kInputNames[k], DataTypeName(type), DataTypeName(t->type));
  }
  return Status::kOk;
}

// log2 of a power-of-two scale (TFLite's tolerance: 1e-3 in the exponent).
bool ExactLog2(float scale, int* log2) {
  if (!(scale > 0.0f)) return false;
  const double l = std::log2(static_cast<double>(scale));
  const double rounded = std::round(l);
  *log2 = static_cast<int>(rounded);
  return std::fabs(l - rounded) < 1e-3;
}

// Per-tensor scale of a symmetric int8/int16 weight tensor.
Status WeightScale(OpContext& ctx, int k, float* scale) {
  const QuantParams q = ctx.input_quant(k);
  if (q.count != 1) {
    return ctx.Error(Status::kUnsupported,
                     "input %d (%s) must be quantized per tensor (has %d scales)",
                     k, kInputNames[k], static_cast<int>(q.count));
  }
  if (q.zero_point(0) != 0) {
    return ctx.Error(Status::kUnsupported,
                     "input %d (%s) must be quantized symmetrically (zero point %d)",
                     k, kInputNames[k], static_cast<int>(q.zero_point(0)));
  }
  *scale = q.scale(0);
  return Status::kOk;
}

// out[r] = (bias ? bias[r] : 0) + zero_point * sum_c weights[r, c]
int32_t* EffectiveBias(OpContext& ctx, const Tensor* weights, const Tensor* bias,
                       int32_t zero_point) {
  const int rows = weights->dims[0];
  const int cols = weights->dims[1];
  int32_t* out = ctx.AllocatePersistentArray<int32_t>(rows);
  if (out == nullptr) return nullptr;
  const int8_t* w = weights->data_as<int8_t>();
  const int32_t* b = bias != nullptr ? bias->data_as<int32_t>() : nullptr;
  for (int r = 0; r < rows; ++r) {
    int32_t row_sum = 0;
    for (int c = 0; c < cols; ++c) row_sum += w[r * cols + c];
    out[r] = (b != nullptr ? b[r] : 0) + row_sum * zero_point;
  }
  return out;
}

// QuantizeMultiplier for an effective scale, refusing scales that are not
// finite, negative, or so large that the rescaling's left shift overflows.
Status Multiplier(OpContext& ctx, double scale, const char* what,
                  int32_t* multiplier, int* shift) {
  if (!(scale >= 0.0f) || !std::isfinite(scale)) {
    return ctx.Error(Status::kInvalidArgument, "%s scale %g is invalid", what, scale);
  }
  QuantizeMultiplier(scale, multiplier, shift);
  if (*shift > 30) {
    return ctx.Error(Status::kUnsupported, "%s scale %g is too large", what, scale);
  }
  return Status::kOk;
}

// log2 of the cell scale as upstream TFLM rounds it (CreateLstmCellStateInfo:
// CheckedLog2 in single precision, whose power-of-two verdict it ignores).
int TflmCellScaleLog2(float scale) {
  const float log2 = std::log(scale) * (1.0f / std::log(2.0f));
  return static_cast<int>(std::round(log2));
}

// What upstream TFLM's integer LSTM computes, for the cell scales that only
// it does: the plain LSTM (LstmTensors::ValidateTensorStatus refuses the
// variants' tensors), and scales whose arithmetic stays within int32 (i * g
// rescaled with a left shift of at most 1; the tanh input multiplier
// 3 << (12 + k) times an int16), 2^-30 .. 2^2.
Status CheckTflmLstm(OpContext& ctx, const OpData& data, float cell_scale) {
  if (!(cell_scale > 0.0f) || !std::isfinite(cell_scale)) {
    return ctx.Error(Status::kInvalidArgument, "cell_state scale %g is invalid",
                     cell_scale);
  }
  const int k = TflmCellScaleLog2(cell_scale);
  char scale[48];
  if (static_cast<double>(cell_scale) == std::ldexp(1.0, k)) {
    snprintf(scale, sizeof(scale), "2^%d", k);
  } else {
    snprintf(scale, sizeof(scale), "%g (read as 2^%d)", cell_scale, k);
  }
  if (data.use_cifg || data.use_peephole || data.use_projection || data.use_layer_norm) {
    return ctx.Error(Status::kUnsupported,
                     "cell_state scale %s is outside what TFLite's integer LSTM "
                     "computes (powers of two 2^-15 .. 2^-9), and upstream TFLM's "
                     "supports no CIFG, peephole, projection or layer norm",
                     scale);
  }
  if (k < -30 || k > 2) {
    return ctx.Error(Status::kUnsupported,
                     "cell_state scale %s is not supported (2^-30 .. 2^2)", scale);
  }
  return Status::kOk;
}

// The inter-gate multiplications, tanh input and clip of upstream TFLM's
// arithmetic (lstm_eval_common.cc: PrepareGateParametersInteger,
// CreateInterGateMulParams, CreateLstmCellStateInfo; lstm_eval.cc:
// lstm_internal::Tanh). The gate FCs are set up as for TFLite: TFLM's
// multipliers (GetQuantizedConvolutionMultipler without a bias: the float
// product of the scales over 2^-12) are the same.
Status PrepareTflmTail(OpContext& ctx, OpData* data, float cell_clip) {
  // Only these LSTMs pay for the parameters (prepare's persistent memory).
  LstmTflmQuant* tflm = ctx.AllocatePersistentArray<LstmTflmQuant>(1);
  if (tflm == nullptr) return Status::kArenaTooSmall;
  LstmTflmQuant& t = *tflm;
  t = LstmTflmQuant{};
  data->q.tflm = tflm;
  const double cell_scale = ctx.input_quant(kCellState).scale(0);
  const QuantParams state_q = ctx.input_quant(kOutputState);
  constexpr double kQ15 = 1.0 / 32768;  // gate outputs
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, kQ15 * cell_scale / cell_scale, "forget x cell",
                                  &t.forget_cell_multiplier, &t.forget_cell_shift));
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, kQ15 * kQ15 / cell_scale, "input x cell gate",
                                  &t.input_cell_multiplier, &t.input_cell_shift));
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, kQ15 * kQ15 / static_cast<double>(state_q.scale(0)),
                                  "effective hidden", &t.hidden_multiplier,
                                  &t.hidden_shift));
  t.hidden_zero_point = state_q.zero_point(0);
  // The int16 TANH reads its input at scale 2^-12 (Q3.12), times 3: the cell
  // state 2^k is shifted left by 12 + k, or, below 2^-12, multiplied by 3
  // and shifted right by -(12 + k) with rounding (half up).
  const int left_shift = 12 + TflmCellScaleLog2(static_cast<float>(cell_scale));
  if (left_shift < 0) {
    t.tanh_multiplier = 3;
    t.tanh_shift = -left_shift;
    t.tanh_round = 1 << (-left_shift - 1);
  } else {
    t.tanh_multiplier = 3 << left_shift;
  }
  t.clip = cell_clip > 0.0f;
  const double clip = static_cast<double>(cell_clip) / cell_scale;
  t.quantized_cell_clip =
      static_cast<int16_t>(clip > 32767.0 ? 32767.0 : (clip < -32768.0 ? -32768.0 : clip));
  return Status::kOk;
}

Status PrepareInteger(OpContext& ctx, OpData* data, float cell_clip,
                      float proj_clip) {
  const LstmSizes& s = data->sizes;
  LstmIntegerWeights& q = data->q;
  if (static_cast<FusedActivation>(ctx.builtin_options().Scalar<int8_t>(
          kActivationField, 0)) != FusedActivation::kTanh) {
    return ctx.Error(Status::kUnsupported,
                     "the integer LSTM supports only the tanh activation");
  }
  // Integer weights are folded with zero points at prepare time.
  for (int k = 1; k < ctx.num_inputs(); ++k) {
    const Tensor* t = ctx.input(k);
    if (t != nullptr && k != kOutputState && k != kCellState && !t->is_constant()) {
      return ctx.Error(Status::kUnsupported,
                       "input %d (%s) of the integer LSTM must be constant", k,
                       kInputNames[k]);
    }
  }
  const QuantParams input_q = ctx.input_quant(kInput);
  const QuantParams state_q = ctx.input_quant(kOutputState);
  const QuantParams cell_q = ctx.input_quant(kCellState);
  const QuantParams output_q = ctx.output_quant(0);
  if (!input_q.is_quantized() || !state_q.is_quantized() || !cell_q.is_quantized() ||
      !output_q.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument,
                     "input, output, output_state and cell_state of the integer "
                     "LSTM must be quantized");
  }
  const float input_scale = input_q.scale(0);
  const float state_scale = state_q.scale(0);
  // TFLite's kernel (unidirectional_sequence_lstm.cc,
  // PopulateQuantizedLstmParams8x8_16) requires a power-of-two cell scale 2^k
  // (its k <= -9 check is commented out there; lstm.cc's LSTM op keeps it),
  // but its tanh of the cell state (lstm_eval.cc,
  // CalculateLstmOutputInteger8x8_16) is ApplyTanh(15 + k): gemmlowp's tanh
  // of the raw value read with 15 + k integer bits, for 0..6 only; any other
  // count leaves the output unwritten (TF 2.21's results then ignore the
  // cell state). So it computes 2^-15 .. 2^-9. Upstream TFLM
  // (lstm_eval_common.cc) checks nothing and computes any scale (a Keras
  // two-layer LSTM calibrates to 2^-16): for the others the op follows
  // upstream TFLM's arithmetic (LstmTflmQuant).
  int cell_log2 = 0;
  q.follow_tflm = !ExactLog2(cell_q.scale(0), &cell_log2) || cell_log2 < -15 ||
                  cell_log2 > -9;
  q.tflm = nullptr;  // set by PrepareTflmTail
  if (q.follow_tflm) TFLM_RETURN_IF_ERROR(CheckTflmLstm(ctx, *data, cell_q.scale(0)));
  float hidden_scale = 0.0f;
  if (!q.follow_tflm) {
    if (ctx.num_intermediates() != 5) {
      return ctx.Error(Status::kInvalidArgument,
                       "the integer LSTM needs 5 intermediate tensors (has %d)",
                       ctx.num_intermediates());
    }
    const QuantParams hidden_q = ctx.intermediate_quant(kHiddenIntermediate);
    if (!hidden_q.is_quantized()) {
      return ctx.Error(Status::kInvalidArgument,
                       "intermediate 4 (effective hidden scale) is not quantized");
    }
    hidden_scale = hidden_q.scale(0);
    q.hidden_zero_point = hidden_q.zero_point(0);
    q.cell_scale_log2 = cell_log2;
  }
  LstmPrepareIntegerActivations(cell_log2, q.follow_tflm);
  q.output_state_zero_point = state_q.zero_point(0);

  for (int g = 0; g < kLstmNumGates; ++g) {
    LstmGateQuant& gq = q.gate[g];
    gq = LstmGateQuant{};
    if (g == kLstmInputGate && data->use_cifg) continue;
    // Gate pre-activations: Q3.12 unless layer norm gives them a scale.
    float gate_scale = 1.0f / 4096.0f;
    if (data->use_layer_norm) {
      const QuantParams iq = ctx.intermediate_quant(g);
      if (!iq.is_quantized()) {
        return ctx.Error(Status::kInvalidArgument,
                         "intermediate %d (gate %d scale) is not quantized", g, g);
      }
      gate_scale = iq.scale(0);
    }
    float wx_scale = 0.0f, wh_scale = 0.0f;
    TFLM_RETURN_IF_ERROR(WeightScale(ctx, kInputToGateWeights + g, &wx_scale));
    TFLM_RETURN_IF_ERROR(WeightScale(ctx, kRecurrentToGateWeights + g, &wh_scale));
    // Single-precision products, as the reference computes them.
    const float input_effective = wx_scale * input_scale / gate_scale;
    const float recurrent_effective = wh_scale * state_scale / gate_scale;
    TFLM_RETURN_IF_ERROR(Multiplier(ctx, input_effective, "effective input", &gq.input_multiplier,
                                    &gq.input_shift));
    TFLM_RETURN_IF_ERROR(Multiplier(ctx, recurrent_effective, "effective recurrent",
                                    &gq.recurrent_multiplier, &gq.recurrent_shift));
    const int peephole = PeepholeIndex(g);
    if (data->use_peephole && peephole >= 0) {
      float wc_scale = 0.0f;
      TFLM_RETURN_IF_ERROR(WeightScale(ctx, peephole, &wc_scale));
      const float cell_effective = static_cast<float>(
          std::pow(2.0, cell_log2) * wc_scale / gate_scale);
      TFLM_RETURN_IF_ERROR(Multiplier(ctx, cell_effective, "effective peephole",
                                      &gq.cell_multiplier, &gq.cell_shift));
    }
    if (data->use_layer_norm) {
      float ln_scale = 0.0f;
      TFLM_RETURN_IF_ERROR(WeightScale(ctx, kLayerNormCoefficients + g, &ln_scale));
      TFLM_RETURN_IF_ERROR(Multiplier(ctx, ln_scale, "layer norm", &gq.layer_norm_multiplier,
                                      &gq.layer_norm_shift));
      const int32_t guard = static_cast<int32_t>(10000 * ln_scale);
      gq.variance_guard = guard > 1 ? guard : 1;
    }
    // With layer norm the bias is added after normalization instead.
    gq.input_effective_bias = EffectiveBias(
        ctx, ctx.input(kInputToGateWeights + g),
        data->use_layer_norm ? nullptr : ctx.input(kGateBias + g),
        -input_q.zero_point(0));
    gq.recurrent_effective_bias = EffectiveBias(
        ctx, ctx.input(kRecurrentToGateWeights + g), nullptr, -state_q.zero_point(0));
    if (gq.input_effective_bias == nullptr || gq.recurrent_effective_bias == nullptr) {
      return Status::kArenaTooSmall;
    }
  }

  if (q.follow_tflm) return PrepareTflmTail(ctx, data, cell_clip);
  const float hidden_effective = static_cast<float>(
      std::pow(2.0, -15) / hidden_scale * std::pow(2.0, -15));
  TFLM_RETURN_IF_ERROR(Multiplier(ctx, hidden_effective, "effective hidden",
                                  &q.hidden_multiplier, &q.hidden_shift));
  if (data->use_projection) {
    float wp_scale = 0.0f;
    TFLM_RETURN_IF_ERROR(WeightScale(ctx, kProjectionWeights, &wp_scale));
    const float projection_effective = wp_scale * hidden_scale / state_scale;
    TFLM_RETURN_IF_ERROR(Multiplier(ctx, projection_effective, "effective projection",
                                    &q.projection_multiplier, &q.projection_shift));
    // The reference folds +hidden_zp (not -hidden_zp) into this bias and
    // compensates in the hidden product; keep its arithmetic.
    q.projection_effective_bias =
        EffectiveBias(ctx, ctx.input(kProjectionWeights),
                      Optional(ctx, kProjectionBias), q.hidden_zero_point);
    if (q.projection_effective_bias == nullptr) return Status::kArenaTooSmall;
  }
  q.quantized_cell_clip = 0;
  if (cell_clip > 0.0f) {
    const float c = cell_clip / cell_q.scale(0);
    q.quantized_cell_clip =
        static_cast<int16_t>(c > 32767.0f ? 32767.0f : (c < -32768.0f ? -32768.0f : c));
  }
  q.quantized_proj_clip = 0;
  if (proj_clip > 0.0f) {
    const float c = proj_clip / output_q.scale(0);
    q.quantized_proj_clip =
        static_cast<int8_t>(c > 127.0f ? 127.0f : (c < -128.0f ? -128.0f : c));
  }
  // The reference's peephole loop walks n_output entries per row.
  if (data->use_peephole && s.n_output != s.n_cell) {
    return ctx.Error(Status::kUnsupported,
                     "integer LSTM with peephole and projection to a different "
                     "size (%d != %d units) is not supported",
                     s.n_output, s.n_cell);
  }
  return Status::kOk;
}

Status PrepareHybrid(OpContext& ctx, OpData* data) {
  LstmHybridWeights& h = data->hybrid;
  h = LstmHybridWeights{};
  h.asymmetric = ctx.builtin_options().Bool(kAsymmetricInputsField, false);
  // Asymmetric rows subtract zero_point * row sums, computed here once.
  auto row_sums = [&](int k, const int32_t** out) -> Status {
    if (!h.asymmetric) return Status::kOk;
    const Tensor* t = ctx.input(k);
    if (!t->is_constant()) {
      return ctx.Error(Status::kUnsupported,
                       "input %d (%s) of the hybrid LSTM must be constant", k,
                       kInputNames[k]);
    }
    *out = EffectiveBias(ctx, t, nullptr, 1);
    return *out != nullptr ? Status::kOk : Status::kArenaTooSmall;
  };
  for (int g = 0; g < kLstmNumGates; ++g) {
    if (g == kLstmInputGate && data->use_cifg) continue;
    TFLM_RETURN_IF_ERROR(
        WeightScale(ctx, kInputToGateWeights + g, &h.input_to_gate_scale[g]));
    TFLM_RETURN_IF_ERROR(
        WeightScale(ctx, kRecurrentToGateWeights + g, &h.recurrent_to_gate_scale[g]));
    TFLM_RETURN_IF_ERROR(row_sums(kInputToGateWeights + g, &h.input_row_sums[g]));
    TFLM_RETURN_IF_ERROR(row_sums(kRecurrentToGateWeights + g, &h.recurrent_row_sums[g]));
    const int peephole = PeepholeIndex(g);
    if (data->use_peephole && peephole >= 0) {
      TFLM_RETURN_IF_ERROR(WeightScale(ctx, peephole, &h.cell_to_gate_scale[g]));
    }
  }
  if (data->use_projection) {
    TFLM_RETURN_IF_ERROR(WeightScale(ctx, kProjectionWeights, &h.projection_scale));
    TFLM_RETURN_IF_ERROR(row_sums(kProjectionWeights, &h.projection_row_sums));
  }
  return Status::kOk;
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() != nullptr ? Status::kOk
                                                : Status::kArenaTooSmall;
}

Status Prepare(OpContext& ctx) {
  OpData* data = ctx.op_data_as<OpData>();
  // The declaration takes 20 to 24 inputs; the op lists either none of the
  // four layer norm coefficients (20) or all of them (24, each maybe -1).
  if (ctx.num_inputs() != 20 && ctx.num_inputs() != 24) {
    return ctx.Error(Status::kInvalidArgument, "expects 20 or 24 inputs, got %d",
                     ctx.num_inputs());
  }
  const fb::Table options = ctx.builtin_options();
  if (options.Bool(kDiagonalRecurrentField, false)) {
    return ctx.Error(Status::kUnsupported,
                     "diagonal recurrent weights (diagonal_recurrent_tensors, op "
                     "version 4) are not supported");
  }
  const Tensor* input = ctx.input(kInput);
  if (input->rank != 3) {
    return ctx.Error(Status::kInvalidArgument,
                     "input must have rank 3 ([batch, time, features] or "
                     "[time, batch, features]), has rank %d", input->rank);
  }
  const Tensor* w_out = ctx.input(kInputToGateWeights + kLstmOutputGate);
  TFLM_ENSURE_MSG(ctx, w_out->rank == 2,
                  "input 4 (input_to_output_weights) must be a matrix");
  Mode mode = Mode::kFloat;
  if (input->type == DataType::kInt8) {
    mode = Mode::kInteger;
  } else if (input->type == DataType::kFloat32) {
    mode = w_out->type == DataType::kInt8 ? Mode::kHybrid : Mode::kFloat;
  } else {
    return ctx.Error(Status::kUnsupported,
                     "input type %s is not supported (float32, or int8 for the "
                     "full-integer LSTM)", DataTypeName(input->type));
  }
  const bool integer = mode == Mode::kInteger;
  data->mode = mode;
  data->time_major = options.Bool(kTimeMajorField, false);
  data->n_time = data->time_major ? input->dims[0] : input->dims[1];
  data->n_batch = data->time_major ? input->dims[1] : input->dims[0];
  LstmSizes& s = data->sizes;
  s.n_input = input->dims[2];
  s.n_cell = w_out->dims[0];
  const Tensor* r_out = ctx.input(kRecurrentToGateWeights + kLstmOutputGate);
  if (r_out->rank == 1) {
    return ctx.Error(Status::kUnsupported,
                     "diagonal recurrent weights (rank-1 %s) are not supported",
                     kInputNames[kRecurrentToGateWeights + kLstmOutputGate]);
  }
  TFLM_ENSURE_MSG(ctx, r_out->rank == 2,
                  "input 8 (recurrent_to_output_weights) must be a matrix");
  s.n_output = r_out->dims[1];

  // Types per mode: float / hybrid / integer.
  const DataType weight_type = mode == Mode::kFloat ? DataType::kFloat32 : DataType::kInt8;
  const DataType peephole_type = mode == Mode::kFloat    ? DataType::kFloat32
                                 : mode == Mode::kHybrid ? DataType::kInt8
                                                         : DataType::kInt16;
  const DataType small_type = integer ? DataType::kInt16 : DataType::kFloat32;
  const DataType bias_type = integer ? DataType::kInt32 : DataType::kFloat32;
  data->use_cifg = Optional(ctx, kInputToGateWeights + kLstmInputGate) == nullptr;
  data->use_peephole = Optional(ctx, kCellToOutputWeights) != nullptr;
  data->use_projection = Optional(ctx, kProjectionWeights) != nullptr;
  data->use_layer_norm =
      ctx.num_inputs() == 24 &&
      Optional(ctx, kLayerNormCoefficients + kLstmForgetGate) != nullptr;
  if (data->use_cifg != (Optional(ctx, kRecurrentToGateWeights) == nullptr)) {
    return ctx.Error(Status::kInvalidArgument,
                     "input_to_input_weights and recurrent_to_input_weights must "
                     "be both present or both omitted (CIFG)");
  }
  if (data->use_cifg && Optional(ctx, kGateBias) != nullptr) {
    return ctx.Error(Status::kInvalidArgument,
                     "input_gate_bias must be omitted in a CIFG LSTM");
  }
  // (A CIFG LSTM has no input gate: its cell_to_input_weights are ignored.)
  const bool peephole_consistent =
      (Optional(ctx, kCellToForgetWeights) != nullptr) == data->use_peephole &&
      (data->use_cifg ||
       (Optional(ctx, kCellToInputWeights) != nullptr) == data->use_peephole);
  if (!peephole_consistent) {
    return ctx.Error(Status::kInvalidArgument,
                     "peephole weights (cell_to_*_weights) must be all present "
                     "or all omitted");
  }
  if (!data->use_projection && Optional(ctx, kProjectionBias) != nullptr) {
    return ctx.Error(Status::kInvalidArgument,
                     "projection_bias given without projection_weights");
  }
  if (!data->use_projection && s.n_output != s.n_cell) {
    return ctx.Error(Status::kInvalidArgument,
                     "without projection the output size (%d) must equal the "
                     "number of units (%d)", s.n_output, s.n_cell);
  }
  for (int g = 0; g < kLstmNumGates; ++g) {
    const bool gate_present = !(g == kLstmInputGate && data->use_cifg);
    TFLM_RETURN_IF_ERROR(CheckTensor(ctx, kInputToGateWeights + g, gate_present,
                                     s.n_cell, s.n_input, weight_type));
    TFLM_RETURN_IF_ERROR(CheckTensor(ctx, kRecurrentToGateWeights + g, gate_present,
                                     s.n_cell, s.n_output, weight_type));
    TFLM_RETURN_IF_ERROR(
        CheckTensor(ctx, kGateBias + g, gate_present, s.n_cell, -1, bias_type));
    const int peephole = PeepholeIndex(g);
    if (peephole >= 0 && gate_present) {
      TFLM_RETURN_IF_ERROR(
          CheckTensor(ctx, peephole, false, s.n_cell, -1, peephole_type));
    }
    if (data->use_layer_norm) {
      TFLM_RETURN_IF_ERROR(CheckTensor(ctx, kLayerNormCoefficients + g, gate_present,
                                       s.n_cell, -1, small_type));
    } else if (ctx.num_inputs() == 24 &&
               Optional(ctx, kLayerNormCoefficients + g) != nullptr) {
      return ctx.Error(Status::kInvalidArgument,
                       "layer norm coefficients given without the forget gate's");
    }
  }
  if (data->use_cifg && data->use_layer_norm &&
      Optional(ctx, kLayerNormCoefficients + kLstmInputGate) != nullptr) {
    return ctx.Error(Status::kInvalidArgument,
                     "input_layer_norm_coefficients must be omitted in a CIFG LSTM");
  }
  TFLM_RETURN_IF_ERROR(CheckTensor(ctx, kProjectionWeights, false, s.n_output,
                                   s.n_cell, weight_type));
  TFLM_RETURN_IF_ERROR(
      CheckTensor(ctx, kProjectionBias, false, s.n_output, -1, bias_type));

  // State: variable tensors of n_batch * size elements (any shape).
  const Tensor* output_state = ctx.input(kOutputState);
  const Tensor* cell_state = ctx.input(kCellState);
  const Tensor* states[2] = {output_state, cell_state};
  const int state_index[2] = {kOutputState, kCellState};
  const int state_size[2] = {s.n_output, s.n_cell};
  const DataType state_type[2] = {integer ? DataType::kInt8 : DataType::kFloat32,
                                  small_type};
  for (int i = 0; i < 2; ++i) {
    const int k = state_index[i];
    if ((states[i]->flags & kTensorIsVariable) == 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d (%s) must be a variable tensor", k, kInputNames[k]);
    }
    if (states[i]->NumElements() !=
        static_cast<int64_t>(data->n_batch) * state_size[i]) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d (%s) has %lld elements, expected batch %d x %d", k,
                       kInputNames[k], static_cast<long long>(states[i]->NumElements()),
                       data->n_batch, state_size[i]);
    }
    TFLM_RETURN_IF_ERROR(ctx.ExpectType(states[i], state_type[i], kInputNames[k]));
  }

  const float cell_clip = options.Scalar<float>(kCellClipField, 0.0f);
  const float proj_clip = options.Scalar<float>(kProjClipField, 0.0f);
  if (!(cell_clip >= 0.0f) || !(proj_clip >= 0.0f)) {
    return ctx.Error(Status::kInvalidArgument,
                     "cell_clip (%g) and proj_clip (%g) must be >= 0", cell_clip,
                     proj_clip);
  }
  const int8_t activation = options.Scalar<int8_t>(kActivationField, 0);
  if (activation < 0 || activation > static_cast<int8_t>(FusedActivation::kTanh)) {
    return ctx.Error(Status::kUnsupported, "fused activation %d is not supported",
                     activation);
  }
  data->fp = LstmFloatWeights{};
  data->fp.activation = static_cast<FusedActivation>(activation);
  data->fp.cell_clip = cell_clip;
  data->fp.proj_clip = proj_clip;
  if (integer) TFLM_RETURN_IF_ERROR(PrepareInteger(ctx, data, cell_clip, proj_clip));
  if (mode == Mode::kHybrid) TFLM_RETURN_IF_ERROR(PrepareHybrid(ctx, data));

  Tensor* output = ctx.output(0);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  const int32_t out_dims[3] = {input->dims[0], input->dims[1], s.n_output};
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, 3));

  // Gate buffers (and quantized rows) for the rows advanced in one step.
  const size_t step_batch = data->time_major ? data->n_batch : 1;
  const size_t gates = kLstmNumGates * step_batch * s.n_cell;
  size_t bytes = gates * sizeof(float);
  if (integer) {
    data->scratch8_offset = gates * sizeof(int16_t);
    bytes = data->scratch8_offset + step_batch * s.n_cell;
  } else if (mode == Mode::kHybrid) {
    // floats: gates, 3 row scales, product scales; int32: 3 zero points.
    data->scratch8_offset = (gates + 4 * step_batch) * sizeof(float) +
                            3 * step_batch * sizeof(int32_t);
    bytes = data->scratch8_offset + step_batch * (s.n_input + s.n_output + s.n_cell);
  }
  return ctx.RequestScratch(bytes, &data->scratch_handle);
}

template <typename T>
const T* Data(OpContext& ctx, int k) {
  const Tensor* t = Optional(ctx, k);
  return t != nullptr ? t->data_as<T>() : nullptr;
}

// Runs the sequence: time-major advances all batch rows per step; batch-major
// runs each batch row through the whole sequence (as the reference does).
template <typename T, typename Cell, typename Step>
void RunSequence(const OpData& d, const T* input, T* output, T* output_state,
                 Cell* cell_state, Step step) {
  const LstmSizes& s = d.sizes;
  if (d.time_major) {
    for (int t = 0; t < d.n_time; ++t) {
      const size_t row = static_cast<size_t>(t) * d.n_batch;
      step(d.n_batch, input + row * s.n_input, output_state, cell_state,
           output + row * s.n_output);
    }
    return;
  }
  for (int b = 0; b < d.n_batch; ++b) {
    for (int t = 0; t < d.n_time; ++t) {
      const size_t row = static_cast<size_t>(b) * d.n_time + t;
      step(1, input + row * s.n_input, output_state + b * s.n_output,
           cell_state + b * s.n_cell, output + row * s.n_output);
    }
  }
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  const LstmSizes& s = d.sizes;
  void* scratch = ctx.scratch(d.scratch_handle);
  if (d.mode == Mode::kHybrid) {
    LstmHybridWeights w = d.hybrid;
    w.activation = d.fp.activation;
    w.cell_clip = d.fp.cell_clip;
    w.proj_clip = d.fp.proj_clip;
    for (int g = 0; g < kLstmNumGates; ++g) {
      w.input_to_gate[g] = Data<int8_t>(ctx, kInputToGateWeights + g);
      w.recurrent_to_gate[g] = Data<int8_t>(ctx, kRecurrentToGateWeights + g);
      w.bias[g] = Data<float>(ctx, kGateBias + g);
      const int peephole = PeepholeIndex(g);
      w.cell_to_gate[g] = peephole >= 0 ? Data<int8_t>(ctx, peephole) : nullptr;
      w.layer_norm[g] =
          d.use_layer_norm ? Data<float>(ctx, kLayerNormCoefficients + g) : nullptr;
    }
    w.projection = Data<int8_t>(ctx, kProjectionWeights);
    w.projection_bias = Data<float>(ctx, kProjectionBias);
    const size_t sb = d.time_major ? d.n_batch : 1;
    LstmHybridScratch hs;
    hs.gates = static_cast<float*>(scratch);
    hs.row_scales = hs.gates + kLstmNumGates * sb * s.n_cell;
    hs.product_scales = hs.row_scales + 3 * sb;
    hs.row_zero_points = reinterpret_cast<int32_t*>(hs.product_scales + sb);
    hs.quantized_input = static_cast<int8_t*>(scratch) + d.scratch8_offset;
    hs.quantized_state = hs.quantized_input + sb * s.n_input;
    hs.quantized_hidden = hs.quantized_state + sb * s.n_output;
    RunSequence(d, ctx.input(kInput)->data_as<float>(), ctx.output(0)->data_as<float>(),
                ctx.input(kOutputState)->data_as<float>(),
                ctx.input(kCellState)->data_as<float>(),
                [&](int n_batch, const float* in, float* h, float* c, float* out) {
                  LstmStepHybrid(s, w, n_batch, in, h, c, out, hs);
                });
    return Status::kOk;
  }
  if (d.mode == Mode::kFloat) {
    LstmFloatWeights w = d.fp;
    for (int g = 0; g < kLstmNumGates; ++g) {
      w.input_to_gate[g] = Data<float>(ctx, kInputToGateWeights + g);
      w.recurrent_to_gate[g] = Data<float>(ctx, kRecurrentToGateWeights + g);
      w.bias[g] = Data<float>(ctx, kGateBias + g);
      const int peephole = PeepholeIndex(g);
      w.cell_to_gate[g] = peephole >= 0 ? Data<float>(ctx, peephole) : nullptr;
      w.layer_norm[g] =
          d.use_layer_norm ? Data<float>(ctx, kLayerNormCoefficients + g) : nullptr;
    }
    w.projection = Data<float>(ctx, kProjectionWeights);
    w.projection_bias = Data<float>(ctx, kProjectionBias);
    float* gates = static_cast<float*>(scratch);
    RunSequence(d, ctx.input(kInput)->data_as<float>(), ctx.output(0)->data_as<float>(),
                ctx.input(kOutputState)->data_as<float>(),
                ctx.input(kCellState)->data_as<float>(),
                [&](int n_batch, const float* in, float* h, float* c, float* out) {
                  LstmStepFloat(s, w, n_batch, in, h, c, out, gates);
                });
    return Status::kOk;
  }
  // The interpreter starts the int8 state at its zero point (real 0.0).
  int8_t* output_state = ctx.input(kOutputState)->data_as<int8_t>();
  LstmIntegerWeights w = d.q;
  for (int g = 0; g < kLstmNumGates; ++g) {
    w.input_to_gate[g] = Data<int8_t>(ctx, kInputToGateWeights + g);
    w.recurrent_to_gate[g] = Data<int8_t>(ctx, kRecurrentToGateWeights + g);
    w.bias[g] = Data<int32_t>(ctx, kGateBias + g);
    const int peephole = PeepholeIndex(g);
    w.cell_to_gate[g] = peephole >= 0 ? Data<int16_t>(ctx, peephole) : nullptr;
    w.layer_norm[g] =
        d.use_layer_norm ? Data<int16_t>(ctx, kLayerNormCoefficients + g) : nullptr;
  }
  w.projection = Data<int8_t>(ctx, kProjectionWeights);
  int16_t* gates = static_cast<int16_t*>(scratch);
  int8_t* hidden = static_cast<int8_t*>(scratch) + d.scratch8_offset;
  RunSequence(d, ctx.input(kInput)->data_as<int8_t>(), ctx.output(0)->data_as<int8_t>(),
              output_state, ctx.input(kCellState)->data_as<int16_t>(),
              [&](int n_batch, const int8_t* in, int8_t* h, int16_t* c, int8_t* out) {
                LstmStepInteger(s, w, n_batch, in, h, c, out, gates, hidden);
              });
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_UNIDIRECTIONAL_SEQUENCE_LSTM() {
  static const OpRegistration r = {"UNIDIRECTIONAL_SEQUENCE_LSTM", Init, Prepare, Eval,
                                   nullptr, 3, nullptr,
                                   "input, input_to_input_weights?, input_to_forget_weights, "
                                   "input_to_cell_weights, input_to_output_weights, "
                                   "recurrent_to_input_weights?, recurrent_to_forget_weights, "
                                   "recurrent_to_cell_weights, recurrent_to_output_weights, "
                                   "cell_to_input_weights?, cell_to_forget_weights?, "
                                   "cell_to_output_weights?, input_gate_bias?, "
                                   "forget_gate_bias, cell_gate_bias, output_gate_bias, "
                                   "projection_weights?, projection_bias?, output_state, "
                                   "cell_state, input_layer_norm_coefficients?, "
                                   "forget_layer_norm_coefficients?, "
                                   "cell_layer_norm_coefficients?, "
                                   "output_layer_norm_coefficients?",
                                   "output", kLstmOptions};
  return &r;
}

}  // namespace tflm
