// One time step of UNIDIRECTIONAL_SEQUENCE_LSTM: float32, hybrid (float
// activations, int8 weights) and full-integer (int8 activations and weights,
// int16 cell state), with every variant of the TFLite LSTM: CIFG (no input
// gate), peephole, projection (+ bias), layer normalization, cell and
// projection clipping.
//
// The step functions follow TFLite's reference kernel operation by operation
// (same rounding, same saturation points, same order of the gate
// computations), so integer results are bit-exact with it.
//
// Lifetimes: every pointer in the structs below is borrowed and only needs to
// stay valid for one step. The kernel fills tensor pointers in at each Eval
// (weights may be planned tensors); effective biases and row sums point to
// persistent arena memory computed at prepare time.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_LSTM_EVAL_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_LSTM_EVAL_H_

#include <cstdint>

#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {

// Gate order used everywhere below (and by the op's input tensors).
enum LstmGate : int { kLstmInputGate = 0, kLstmForgetGate, kLstmCellGate, kLstmOutputGate };
constexpr int kLstmNumGates = 4;

struct LstmSizes {
  int n_input;   // features per input row
  int n_cell;    // units
  int n_output;  // output features (n_cell unless projected)
};

// ---- float32 ----

struct LstmFloatWeights {
  // [n_cell, n_input] and [n_cell, n_output] row-major; the input gate's are
  // nullptr for CIFG.
  const float* input_to_gate[kLstmNumGates];
  const float* recurrent_to_gate[kLstmNumGates];
  // [n_cell] peephole diagonals (nullptr without peephole; the cell gate's
  // is always nullptr).
  const float* cell_to_gate[kLstmNumGates];
  // [n_cell] layer-norm coefficients (all nullptr without layer norm).
  const float* layer_norm[kLstmNumGates];
  const float* bias[kLstmNumGates];  // [n_cell]; input gate's nullptr for CIFG
  const float* projection;           // [n_output, n_cell] or nullptr
  const float* projection_bias;      // [n_output] or nullptr
  FusedActivation activation;        // cell gate and output activation
  float cell_clip;                   // 0: no clipping
  float proj_clip;                   // 0: no clipping
};

// Advances `n_batch` independent rows by one step.
//   input:        [n_batch, n_input]
//   output_state: [n_batch, n_output] (read, then overwritten)
//   cell_state:   [n_batch, n_cell]   (read, then overwritten)
//   output:       [n_batch, n_output]
//   scratch:      4 * n_batch * n_cell floats
void LstmStepFloat(const LstmSizes& sizes, const LstmFloatWeights& w,
                   int n_batch, const float* input, float* output_state,
                   float* cell_state, float* output, float* scratch);

// ---- hybrid: float activations and state, int8 weight matrices ----
//
// Each step quantizes the input rows and the output state rows to int8 (per
// row: symmetric, or asymmetric with a zero point), runs the int8 matrix
// products, and rescales the int32 sums to float. Everything else is float.

struct LstmHybridWeights {
  const int8_t* input_to_gate[kLstmNumGates];  // input gate's nullptr for CIFG
  float input_to_gate_scale[kLstmNumGates];
  const int8_t* recurrent_to_gate[kLstmNumGates];
  float recurrent_to_gate_scale[kLstmNumGates];
  const int8_t* cell_to_gate[kLstmNumGates];  // peephole, or nullptr
  float cell_to_gate_scale[kLstmNumGates];
  const float* layer_norm[kLstmNumGates];
  const float* bias[kLstmNumGates];
  // [n_cell] row sums of the matrices above (asymmetric inputs only).
  const int32_t* input_row_sums[kLstmNumGates];
  const int32_t* recurrent_row_sums[kLstmNumGates];
  const int8_t* projection;  // [n_output, n_cell] or nullptr
  float projection_scale;
  const int32_t* projection_row_sums;  // [n_output] (asymmetric only)
  const float* projection_bias;        // [n_output] or nullptr
  FusedActivation activation;
  float cell_clip;
  float proj_clip;
  bool asymmetric;  // asymmetric_quantize_inputs
};

// Scratch of one hybrid step advancing `n_batch` rows.
struct LstmHybridScratch {
  float* gates;              // 4 * n_batch * n_cell
  float* row_scales;         // 3 * n_batch: input, output state, hidden
  int32_t* row_zero_points;  // 3 * n_batch (asymmetric only)
  float* product_scales;     // n_batch
  int8_t* quantized_input;   // n_batch * n_input
  int8_t* quantized_state;   // n_batch * n_output
  int8_t* quantized_hidden;  // n_batch * n_cell
};

void LstmStepHybrid(const LstmSizes& sizes, const LstmHybridWeights& w,
                    int n_batch, const float* input, float* output_state,
                    float* cell_state, float* output,
                    const LstmHybridScratch& scratch);

// ---- full integer: int8 activations, int16 cell state ----

struct LstmGateQuant {
  int32_t input_multiplier;  // input_scale * w_x_scale / gate_scale
  int input_shift;
  int32_t recurrent_multiplier;  // output_state_scale * w_h_scale / gate_scale
  int recurrent_shift;
  int32_t cell_multiplier;  // cell_scale * w_c_scale / gate_scale (peephole)
  int cell_shift;
  int32_t layer_norm_multiplier;  // layer norm coefficients' scale
  int layer_norm_shift;
  int32_t variance_guard;
  // [n_cell] bias + (-input_zp) * row sums of input_to_gate (the bias is left
  // out with layer norm, where it is added after normalization).
  const int32_t* input_effective_bias;
  // [n_cell] (-output_state_zp) * row sums of recurrent_to_gate.
  const int32_t* recurrent_effective_bias;
};

// Upstream TFLM's integer LSTM arithmetic, used for the cell-state scales
// TFLite's kernel does not compute (see lstm.cc's PrepareInteger). TFLM's
// kernel (kernels/lstm_eval.{h,cc}, UNIDIRECTIONAL_SEQUENCE_LSTM only; no
// CIFG, peephole, projection or layer norm) differs from TFLite's throughout,
// not only in the tanh of the cell state:
//  - each gate is sat16(sat16(FC(input) + bias) + sat16(FC(output_state)))
//    (TFLite adds the recurrent FC to the saturated input FC unsaturated),
//    activated with the table-interpolating int16 LOGISTIC / TANH of
//    TFLite's reference integer_ops (Q3.12 in: input multiplier 3, no
//    shift), not gemmlowp's;
//  - the cell update is two int16 MULs, each MultiplyByQuantizedMultiplier
//    (double rounding) by a multiplier from double scales: f * c by 2^-15,
//    i * g by 2^-30 / cell_scale; their saturating sum, clipped when the
//    float cell_clip is > 0;
//  - tanh(c) is the int16 TANH with the cell state rescaled to its 2^-12
//    input scale: (c * tanh_multiplier + tanh_round) >> tanh_shift, see
//    lstm.cc;
//  - h = sat8(o * tanh(c) * (2^-30 / output_state_scale) + output_state_zp),
//    from the output state's quantization (TFLite uses intermediate 4's).
struct LstmTflmQuant {
  int32_t forget_cell_multiplier;  // f * c -> c
  int forget_cell_shift;
  int32_t input_cell_multiplier;  // i * g -> c
  int input_cell_shift;
  int32_t hidden_multiplier;  // o * tanh(c) -> h
  int hidden_shift;
  int32_t hidden_zero_point;  // the output state's
  int32_t tanh_multiplier;    // cell state -> tanh input (TanhInt16)
  int tanh_shift;
  int32_t tanh_round;
  int16_t quantized_cell_clip;
  bool clip;  // cell_clip > 0
};

struct LstmIntegerWeights {
  const int8_t* input_to_gate[kLstmNumGates];
  const int8_t* recurrent_to_gate[kLstmNumGates];
  const int16_t* cell_to_gate[kLstmNumGates];
  const int16_t* layer_norm[kLstmNumGates];
  const int32_t* bias[kLstmNumGates];  // raw gate biases (used by layer norm)
  LstmGateQuant gate[kLstmNumGates];
  const int8_t* projection;                   // [n_output, n_cell] or nullptr
  const int32_t* projection_effective_bias;   // [n_output] (with projection)
  int32_t projection_multiplier;
  int projection_shift;
  int32_t hidden_multiplier;  // 2^-30 / hidden_scale
  int hidden_shift;
  int32_t hidden_zero_point;
  int32_t output_state_zero_point;
  int cell_scale_log2;        // cell state scale is 2^cell_scale_log2
  int16_t quantized_cell_clip;  // 0: no clipping
  int8_t quantized_proj_clip;   // 0: no clipping
  // Steps with upstream TFLM's arithmetic (`tflm`) instead of TFLite's; then
  // only the gate weights, effective biases and FC multipliers above are used.
  bool follow_tflm;
  const LstmTflmQuant* tflm;  // when follow_tflm (prepare's persistent memory)
};

// Advances `n_batch` independent rows by one step (shapes as LstmStepFloat),
// with TFLite's arithmetic or (w.follow_tflm) upstream TFLM's.
//   scratch16: 4 * n_batch * n_cell int16
//   scratch8:  n_batch * n_cell int8 (used with projection only)
void LstmStepInteger(const LstmSizes& sizes, const LstmIntegerWeights& w,
                     int n_batch, const int8_t* input, int8_t* output_state,
                     int16_t* cell_state, int8_t* output, int16_t* scratch16,
                     int8_t* scratch8);

// Builds, once per process, whatever LstmStepInteger needs for its
// activations with this cell scale, or with TFLM's arithmetic (host tables;
// nothing on a microcontroller). Called at prepare so that the first step is
// not slow.
void LstmPrepareIntegerActivations(int cell_scale_log2, bool follow_tflm);

// The inverse square root used by the integer layer norm, as a multiplier
// and a left shift (gemmlowp-style Newton-Raphson, like TFLite's
// GetInvSqrtQuantizedMultiplierExp with reverse_shift = -1).
void LstmInverseSqrtMultiplier(int32_t input, int32_t* multiplier, int* shift);

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_LSTM_EVAL_H_
