// PRELU: x >= 0 ? x : alpha * x, with alpha broadcast against x (typically
// one alpha per channel, shared over the other axes).
//
// int8 follows TFLite's reference: the x >= 0 branch rescales by
// input_scale / output_scale, the other branch multiplies (x - zp) by
// (alpha - alpha_zp) in int32 and rescales by
// input_scale * alpha_scale / output_scale.
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct PreluData {
  BroadcastIndexer alpha_indexer;  // alpha strides over the output shape
  int32_t input_offset = 0;        // -input zero point
  int32_t alpha_offset = 0;        // -alpha zero point
  int32_t output_offset = 0;
  int32_t multiplier_pos = 0;
  int shift_pos = 0;
  int32_t multiplier_neg = 0;
  int shift_neg = 0;
};

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<PreluData>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* alpha = ctx.input(1);
  if (input->type != DataType::kFloat32 && input->type != DataType::kInt8) {
    return ctx.Error(Status::kUnsupported, "PRELU does not support %s inputs",
                     DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(alpha, input->type, "alpha"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  int32_t dims[kMaxRank];
  int rank = 0;
  if (input->rank > kMaxRank || alpha->rank > kMaxRank ||
      !BroadcastShapes(input, alpha, dims, &rank) || rank != input->rank) {
    return ctx.Error(Status::kInvalidArgument, "PRELU: alpha does not broadcast to the input");
  }
  for (int i = 0; i < rank; ++i) {
    if (dims[i] != input->dims[i]) {
      return ctx.Error(Status::kInvalidArgument, "PRELU: alpha does not broadcast to the input");
    }
  }
  PreluData* data = ctx.op_data_as<PreluData>();
  MakeBroadcastIndexer(alpha, input->dims, input->rank, &data->alpha_indexer);
  if (input->type == DataType::kInt8) {
    const QuantParams iq = ctx.input_quant(0);
    const QuantParams aq = ctx.input_quant(1);
    const QuantParams oq = ctx.output_quant(0);
    if (!iq.is_quantized() || !aq.is_quantized() || !oq.is_quantized()) {
      return ctx.Error(Status::kInvalidArgument, "PRELU: int8 tensors need quantization");
    }
    data->input_offset = -iq.zero_point(0);
    data->alpha_offset = -aq.zero_point(0);
    data->output_offset = oq.zero_point(0);
    QuantizeMultiplier(iq.scale(0) / oq.scale(0), &data->multiplier_pos, &data->shift_pos);
    QuantizeMultiplier(iq.scale(0) * aq.scale(0) / oq.scale(0), &data->multiplier_neg,
                       &data->shift_neg);
  }
  return ctx.SetOutputShapeLike(0, input);
}

struct FloatPrelu {
  float operator()(float x, float a) const { return x >= 0.0f ? x : x * a; }
};

struct Int8Prelu {
  PreluData d;
  int8_t operator()(int8_t x, int8_t a) const {
    const int32_t v = d.input_offset + x;
    int32_t r;
    if (v >= 0) {
      r = MultiplyByQuantizedMultiplier(v, d.multiplier_pos, d.shift_pos);
    } else {
      r = MultiplyByQuantizedMultiplier(v * (d.alpha_offset + a), d.multiplier_neg, d.shift_neg);
    }
    r += d.output_offset;
    return static_cast<int8_t>(r < -128 ? -128 : (r > 127 ? 127 : r));
  }
};

// Walks the output (= input) shape; the innermost axis is a tight loop with
// alpha either fixed or contiguous.
template <typename T, typename F>
void PreluBroadcast(const T* in, const T* alpha, T* out, const BroadcastIndexer& ix, F f) {
  const int32_t* d = ix.out_dims;
  const int32_t* s = ix.strides;
  for (int32_t i0 = 0; i0 < d[0]; ++i0) {
    for (int32_t i1 = 0; i1 < d[1]; ++i1) {
      for (int32_t i2 = 0; i2 < d[2]; ++i2) {
        for (int32_t i3 = 0; i3 < d[3]; ++i3) {
          for (int32_t i4 = 0; i4 < d[4]; ++i4) {
            const T* a = alpha + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
            if (s[5] == 0) {
              const T a0 = *a;
              for (int32_t i5 = 0; i5 < d[5]; ++i5) out[i5] = f(in[i5], a0);
            } else {
              for (int32_t i5 = 0; i5 < d[5]; ++i5) out[i5] = f(in[i5], a[i5]);
            }
            in += d[5];
            out += d[5];
          }
        }
      }
    }
  }
}

Status Eval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  const Tensor* alpha = ctx.input(1);
  Tensor* output = ctx.output(0);
  const PreluData& data = *ctx.op_data_as<PreluData>();
  if (input->type == DataType::kFloat32) {
    PreluBroadcast(input->data_as<float>(), alpha->data_as<float>(), output->data_as<float>(),
                   data.alpha_indexer, FloatPrelu());
  } else {
    PreluBroadcast(input->data_as<int8_t>(), alpha->data_as<int8_t>(),
                   output->data_as<int8_t>(), data.alpha_indexer, Int8Prelu{data});
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_PRELU() {
  static const OpRegistration r = {"PRELU", Init, Prepare, Eval, nullptr, 1, nullptr,
                                   "input, alpha", "output", nullptr};
  return &r;
}

}  // namespace tflm
