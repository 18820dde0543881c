// The shared Prepare/Eval of the elementwise unary kernels (ABS ... ELU in
// unary_elementwise.cc, RELU ... TANH in activations.cc).
//
// An op is a struct of static members (see "Op interface" below); the
// templates here do the input checks, allocate the lookup tables and run one
// elementwise loop per dtype:
//   float32      out = Op::Float(in, params)   (inlined: simple ops vectorize)
//   int8         out = lut[in]: a 256-entry table filled at prepare with the
//                exact integer result of the op for each input byte
//   int16        a 513-entry interpolated table (Op::kInt16Lut) or the op's
//                per-element integer formula (Op::Int16)
//   int32/int64  out = Op::Integer(in)          (non-quantized integer ops)
//   bool         out = Op::Bool(in)
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_UNARY_KERNEL_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_UNARY_KERNEL_H_

#include <cstdint>

#include "tensorflow/lite/micro/core/tensor.h"
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/activation_lut.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {
namespace unary {

// Bits of the dtypes an op accepts.
constexpr uint32_t TypeBit(DataType t) { return 1u << static_cast<int>(t); }
constexpr uint32_t kF32 = TypeBit(DataType::kFloat32);
constexpr uint32_t kI8 = TypeBit(DataType::kInt8);
constexpr uint32_t kI16 = TypeBit(DataType::kInt16);
constexpr uint32_t kI32 = TypeBit(DataType::kInt32);
constexpr uint32_t kI64 = TypeBit(DataType::kInt64);
constexpr uint32_t kBool = TypeBit(DataType::kBool);

// Quantization of the input and output tensors (first channel).
struct QuantInfo {
  float input_scale = 0.0f;
  int32_t input_zero_point = 0;
  float output_scale = 0.0f;
  int32_t output_zero_point = 0;
  bool quantized = false;  // both tensors carry quantization parameters
};

// Everything eval needs, computed at prepare; lives in the arena (op data).
struct UnaryParams {
  const int8_t* lut8 = nullptr;    // 256 entries, int8 inputs
  const int16_t* lut16 = nullptr;  // 513 entries, int16 inputs using a table
  float alpha = 0.0f;              // LEAKY_RELU
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;      // output rescale (LEAKY_RELU: x >= 0 branch)
  int shift = 0;
  int32_t multiplier_neg = 0;  // LEAKY_RELU x < 0 branch; HARD_SWISH reluish
  int shift_neg = 0;
  int32_t rounding = 0;        // int16 LOGISTIC/TANH
  int32_t act_min = 0;         // quantized clamp range
  int32_t act_max = 0;
  bool needs_rescale = false;  // ABS: input and output scales differ
  bool quantized = false;      // int16 ABS: quantized or plain integer abs
  bool inputs_nonnegative = false;  // RSQRT: eval rejects inputs below zero
  bool approximate = false;    // GELU: tanh approximation instead of erf
};

// ---- Op interface (all static) ----
//   kName, kTypes (TypeBit mask)
//   float Float(float x, const UnaryParams& p)
//   optional, when kTypes has them:
//     int8:  kInt8Exact ? int32_t Int8Exact(int32_t q, const QuantInfo&,
//                                           const UnaryParams&)
//                       : the table is dequantize -> Float -> quantize
//     int16: kInt16Lut ? table over Float (float math; kInt16LutRange says
//                        how values outside the output range are sampled)
//                      : int16_t Int16(int16_t x, const UnaryParams& p)
//            kPlainInt16: int16 tensors may also come without quantization
//     int32/int64: template <typename T> T Integer(T x)
//     bool:  bool Bool(bool x)
//   Status PrepareOptions(OpContext&, UnaryParams*)   reads the options
//   Status PrepareQuantized(OpContext&, const Tensor* input,
//                           const QuantInfo&, UnaryParams*)
//     checks the quantization and fills the scalar params (runs before the
//     tables are built, for int8 and int16 inputs).

inline QuantInfo ReadQuantInfo(const OpContext& ctx) {
  QuantInfo q;
  const QuantParams in = ctx.input_quant(0);
  const QuantParams out = ctx.output_quant(0);
  q.quantized = in.is_quantized() && out.is_quantized();
  if (in.is_quantized()) {
    q.input_scale = in.scale(0);
    q.input_zero_point = in.zero_point(0);
  }
  if (out.is_quantized()) {
    q.output_scale = out.scale(0);
    q.output_zero_point = out.zero_point(0);
  }
  return q;
}

template <typename T, typename F>
inline void ApplyElementwise(const T* in, T* out, int64_t count, F f) {
  for (int64_t i = 0; i < count; ++i) out[i] = f(in[i]);
}

// Op data lives from init to the interpreter's end; tables are allocated at
// prepare (and re-allocated when the graph is re-prepared).
inline Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<UnaryParams>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

template <class Op>
Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  if ((Op::kTypes & TypeBit(input->type)) == 0) {
    return ctx.Error(Status::kUnsupported, "%s does not support %s inputs", Op::kName,
                     DataTypeName(input->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  UnaryParams* params = ctx.op_data_as<UnaryParams>();
  *params = UnaryParams();
  TFLM_RETURN_IF_ERROR(Op::PrepareOptions(ctx, params));

  if (input->type == DataType::kInt8 || input->type == DataType::kInt16) {
    const QuantInfo q = ReadQuantInfo(ctx);
    if (!q.quantized && (input->type == DataType::kInt8 || !Op::kPlainInt16)) {
      return ctx.Error(Status::kInvalidArgument,
                       "%s: %s input and output need quantization parameters", Op::kName,
                       DataTypeName(input->type));
    }
    TFLM_RETURN_IF_ERROR(Op::PrepareQuantized(ctx, input, q, params));
    if (input->type == DataType::kInt8) {
      if constexpr ((Op::kTypes & kI8) != 0) {
        int8_t* lut = ctx.AllocatePersistentArray<int8_t>(kInt8LutSize);
        if (lut == nullptr) return Status::kArenaTooSmall;
        if constexpr (Op::kInt8Exact) {
          for (int32_t v = -128; v <= 127; ++v) {
            const int32_t r = Op::Int8Exact(v, q, *params);
            lut[LutIndex(static_cast<int8_t>(v))] =
                static_cast<int8_t>(r < -128 ? -128 : (r > 127 ? 127 : r));
          }
        } else {
          const UnaryParams& p = *params;
          PopulateInt8Lut(q.input_scale, q.input_zero_point, q.output_scale,
                          q.output_zero_point, [&p](float x) { return Op::Float(x, p); }, lut);
        }
        params->lut8 = lut;
      }
    } else {
      if constexpr ((Op::kTypes & kI16) != 0 && Op::kInt16Lut) {
        int16_t* lut = ctx.AllocatePersistentArray<int16_t>(kInt16LutSize);
        if (lut == nullptr) return Status::kArenaTooSmall;
        const UnaryParams& p = *params;
        PopulateInt16Lut<float>(q.input_scale, q.input_zero_point, q.output_scale,
                                q.output_zero_point,
                                [&p](float x) { return Op::Float(x, p); }, lut,
                                Op::kInt16LutRange);
        params->lut16 = lut;
      }
    }
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShapeLike(0, input));
  // out[i] depends on in[i] only: the output may take the input's buffer.
  ctx.AllowInPlace(0, 0);
  return Status::kOk;
}

template <class Op>
Status Eval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  // A local copy: the loops below cannot alias it with the output.
  const UnaryParams p = *ctx.op_data_as<UnaryParams>();
  const int64_t n = input->NumElements();
  switch (input->type) {
    case DataType::kFloat32:
      if constexpr ((Op::kTypes & kF32) != 0) {
        ApplyElementwise(input->data_as<float>(), output->data_as<float>(), n,
                         [&p](float x) { return Op::Float(x, p); });
        return Status::kOk;
      }
      break;
    case DataType::kInt8:
      if constexpr ((Op::kTypes & kI8) != 0) {
        const int8_t* in = input->data_as<int8_t>();
        if (p.inputs_nonnegative) {
          for (int64_t i = 0; i < n; ++i) {
            if (in[i] < p.input_zero_point) {
              return ctx.Error(Status::kInvalidArgument, "%s is only defined for inputs >= 0",
                               Op::kName);
            }
          }
        }
        LookupInt8(in, output->data_as<int8_t>(), n, p.lut8);
        return Status::kOk;
      }
      break;
    case DataType::kInt16:
      if constexpr ((Op::kTypes & kI16) != 0) {
        const int16_t* in = input->data_as<int16_t>();
        int16_t* out = output->data_as<int16_t>();
        if constexpr (Op::kInt16Lut) {
          if (p.inputs_nonnegative) {
            for (int64_t i = 0; i < n; ++i) {
              if (in[i] < p.input_zero_point) {
                return ctx.Error(Status::kInvalidArgument,
                                 "%s is only defined for inputs >= 0", Op::kName);
              }
            }
          }
          ApplyElementwise(in, out, n, [&p](int16_t x) { return LookupInt16(x, p.lut16); });
        } else {
          ApplyElementwise(in, out, n, [&p](int16_t x) { return Op::Int16(x, p); });
        }
        return Status::kOk;
      }
      break;
    case DataType::kInt32:
      if constexpr ((Op::kTypes & kI32) != 0) {
        ApplyElementwise(input->data_as<int32_t>(), output->data_as<int32_t>(), n,
                         [](int32_t x) { return Op::template Integer<int32_t>(x); });
        return Status::kOk;
      }
      break;
    case DataType::kInt64:
      if constexpr ((Op::kTypes & kI64) != 0) {
        ApplyElementwise(input->data_as<int64_t>(), output->data_as<int64_t>(), n,
                         [](int64_t x) { return Op::template Integer<int64_t>(x); });
        return Status::kOk;
      }
      break;
    case DataType::kBool:
      if constexpr ((Op::kTypes & kBool) != 0) {
        ApplyElementwise(input->data_as<bool>(), output->data_as<bool>(), n,
                         [](bool x) { return Op::Bool(x); });
        return Status::kOk;
      }
      break;
    default:
      break;
  }
  return ctx.Error(Status::kInternal, "%s: dtype %s was not prepared", Op::kName,
                   DataTypeName(input->type));
}

// Defaults for the optional parts of the op interface.
struct OpDefaults {
  static constexpr bool kInt8Exact = false;
  static constexpr bool kInt16Lut = false;
  static constexpr Int16LutRange kInt16LutRange = Int16LutRange::kClampTransformed;
  static constexpr bool kPlainInt16 = false;  // int16 without quantization
  // Reads builtin options into the params (every dtype).
  static Status PrepareOptions(OpContext&, UnaryParams*) { return Status::kOk; }
  static Status PrepareQuantized(OpContext&, const Tensor*, const QuantInfo&, UnaryParams*) {
    return Status::kOk;
  }
  static int32_t Int8Exact(int32_t, const QuantInfo&, const UnaryParams&) { return 0; }
  static int16_t Int16(int16_t x, const UnaryParams&) { return x; }
  template <typename T>
  static T Integer(T x) {
    return x;
  }
  static bool Bool(bool x) { return x; }
};

}  // namespace unary
}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_UNARY_KERNEL_H_
