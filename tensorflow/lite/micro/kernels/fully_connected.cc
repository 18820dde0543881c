// FULLY_CONNECTED: input [..., k] (flattened to rows of k), weights
// [units][k], optional bias. float32, int8 (per-tensor or per-channel
// weights) and int16x8; keep_num_dims. Rows go through the family's GEMM
// (conv_gemm.h); int8 rows are widened with the zero point subtracted into a
// small scratch tile first.
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// FullyConnectedOptions field numbers.
constexpr int kActivationField = 0;
constexpr int kWeightsFormatField = 1;
constexpr int kKeepNumDimsField = 2;

// Checked by the interpreter before prepare.
constexpr OptionRange kFullyConnectedOptions[] = {
    {"fused_activation_function", kActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

struct FullyConnectedData {
  conv::ChannelQuant quant;
  conv::Variant variant;
  bool bias64;
  int rows;
  int k;
  int units;
  int tile_rows;
  uint32_t acc_offset;  // GEMM accumulators (integer variants) in the scratch
  int scratch;          // packed rows (int8), then accumulators; -1 if none
};

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* weights = ctx.input(1);
  const Tensor* bias = ctx.input(2);
  Tensor* output = ctx.output(0);
  conv::Variant variant;
  TFLM_RETURN_IF_ERROR(conv::ResolveVariant(ctx, input, weights, output, &variant));
  const fb::Table options = ctx.builtin_options();
  if (options.Scalar<int8_t>(kWeightsFormatField, 0) != 0) {
    return ctx.Error(Status::kUnsupported,
                     "shuffled weights format is not supported");
  }
  FusedActivation activation;
  TFLM_RETURN_IF_ERROR(conv::ReadActivation(ctx, kActivationField, &activation));
  if (weights->rank != 2) {
    return ctx.Error(Status::kInvalidArgument, "weights must be 2-D, got rank %d",
                     weights->rank);
  }
  if (input->rank < 1) {
    return ctx.Error(Status::kInvalidArgument, "input must have rank >= 1");
  }
  FullyConnectedData* d = ctx.AllocateOpData<FullyConnectedData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->variant = variant;
  d->units = weights->dims[0];
  d->k = weights->dims[1];
  const int64_t count = input->NumElements();
  if (d->k <= 0 || count % d->k != 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "input of %lld elements does not split into rows of %d "
                     "(weights' second dimension)",
                     static_cast<long long>(count), d->k);
  }
  d->rows = static_cast<int32_t>(count / d->k);
  TFLM_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, variant, d->units, &d->bias64));
  TFLM_RETURN_IF_ERROR(conv::PrepareChannelQuant(ctx, variant, activation, 0, 1,
                                                 d->units, 0, &d->quant));
  int32_t out_dims[kMaxRank];
  int out_rank = 2;
  if (options.Bool(kKeepNumDimsField, false)) {
    if (input->dims[input->rank - 1] != d->k) {
      return ctx.Error(Status::kInvalidArgument,
                       "keep_num_dims needs the input's last dimension (%d) to "
                       "equal the weights' (%d)",
                       static_cast<int>(input->dims[input->rank - 1]), d->k);
    }
    out_rank = input->rank;
    for (int i = 0; i < out_rank; ++i) out_dims[i] = input->dims[i];
    out_dims[out_rank - 1] = d->units;
  } else {
    out_dims[0] = d->rows;
    out_dims[1] = d->units;
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, out_rank));
  // Float and int16 rows are read in place; int8 rows are widened first.
  d->tile_rows = d->rows;
  size_t tile_bytes = 0;
  if (variant == conv::Variant::kInt8) {
    d->tile_rows = conv::TileRows(d->k, false);
    if (d->tile_rows > d->rows) d->tile_rows = d->rows;
    tile_bytes = conv::RoundUp8(static_cast<size_t>(d->tile_rows) * d->k * sizeof(int16_t));
  }
  const size_t acc_bytes =
      variant == conv::Variant::kFloat  ? 0
      : variant == conv::Variant::kInt8 ? conv::GemmAccBytes<int32_t>(d->units)
                                        : conv::GemmAccBytes<int64_t>(d->units);
  // (No right multipliers: fully connected requantizes with one rounding,
  // which the stage does per element.)
  d->acc_offset = static_cast<uint32_t>(tile_bytes);
  d->scratch = -1;
  if (tile_bytes + acc_bytes > 0) {
    TFLM_RETURN_IF_ERROR(ctx.RequestScratch(tile_bytes + acc_bytes, &d->scratch));
  }
  return Status::kOk;
}

template <typename TIn, typename TA, typename TW, typename Stage>
void RunFullyConnected(const FullyConnectedData& d, const TIn* input,
                       const TW* weights, const Stage& stage, TA* tile,
                       typename Stage::Acc* acc) {
  for (int r0 = 0; r0 < d.rows; r0 += d.tile_rows) {
    const int rows = d.rows - r0 < d.tile_rows ? d.rows - r0 : d.tile_rows;
    const TIn* src = input + static_cast<int64_t>(r0) * d.k;
    const TA* a = tile;
    if constexpr (std::is_same<TIn, TA>::value) {
      a = src;
    } else {
      conv::PackRows(src, d.k, rows, d.k, d.quant.input_zero_point, tile);
    }
    conv::Gemm(a, d.k, rows, weights, d.k, d.units, d.k, stage.Shifted(r0, 0), acc);
  }
}

template <typename TOut, typename TAcc, typename TBias, typename TScale = int32_t>
conv::QuantizedStage<TOut, TAcc, TBias, TScale> MakeQuantizedStage(
    const FullyConnectedData& d, OpContext& ctx) {
  conv::QuantizedStage<TOut, TAcc, TBias, TScale> stage =
      conv::MakeQuantizedStage<TOut, TAcc, TBias, TScale>(
          d.quant, ctx.output(0)->data_as<TOut>(), d.units, ctx.input(2), d.units,
          nullptr);
  stage.single_rounding = true;  // as TFLite's reference FULLY_CONNECTED
  return stage;
}

Status Eval(OpContext& ctx) {
  const FullyConnectedData& d = *ctx.op_data_as<FullyConnectedData>();
  const Tensor* input = ctx.input(0);
  const Tensor* weights = ctx.input(1);
  uint8_t* scratch = d.scratch >= 0 ? static_cast<uint8_t*>(ctx.scratch(d.scratch)) : nullptr;
  uint8_t* acc = scratch != nullptr ? scratch + d.acc_offset : nullptr;
  switch (d.variant) {
    case conv::Variant::kFloat: {
      const Tensor* bias = ctx.input(2);
      const conv::FloatStage stage = {
          ctx.output(0)->data_as<float>(), d.units,
          bias != nullptr ? bias->data_as<const float>() : nullptr,
          d.quant.float_min, d.quant.float_max};
      RunFullyConnected(d, input->data_as<const float>(),
                        weights->data_as<const float>(), stage,
                        static_cast<float*>(nullptr), static_cast<float*>(nullptr));
      break;
    }
    case conv::Variant::kInt8:
      RunFullyConnected(d, input->data_as<const int8_t>(),
                        weights->data_as<const int8_t>(),
                        MakeQuantizedStage<int8_t, int32_t, int32_t>(d, ctx),
                        reinterpret_cast<int16_t*>(scratch),
                        reinterpret_cast<int32_t*>(acc));
      break;
    case conv::Variant::kInt16x8:
      if (d.bias64) {
        RunFullyConnected(d, input->data_as<const int16_t>(),
                          weights->data_as<const int8_t>(),
                          MakeQuantizedStage<int16_t, int64_t, int64_t>(d, ctx),
                          static_cast<int16_t*>(nullptr),
                          reinterpret_cast<int64_t*>(acc));
      } else {
        RunFullyConnected(d, input->data_as<const int16_t>(),
                          weights->data_as<const int8_t>(),
                          MakeQuantizedStage<int16_t, int64_t, int32_t>(d, ctx),
                          static_cast<int16_t*>(nullptr),
                          reinterpret_cast<int64_t*>(acc));
      }
      break;
  }
  return Status::kOk;
}

}  // namespace

// Version 11 (int16x8 with an int32 bias) is the highest implemented; hybrid
// (3, 9), sparse (8) and int4 (10) weights are rejected in prepare.
const OpRegistration* Register_FULLY_CONNECTED() {
  static const OpRegistration r = {"FULLY_CONNECTED", nullptr, Prepare, Eval,
                                   nullptr, 11, nullptr,
                                   "input, weights, bias?", "output", kFullyConnectedOptions};
  return &r;
}

}  // namespace tflm
