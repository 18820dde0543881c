// Binary arithmetic: ADD SUB MUL DIV SQUARED_DIFFERENCE MAXIMUM MINIMUM POW
// FLOOR_DIV FLOOR_MOD.
//
// One Prepare serves every op: it checks dtypes and shapes, builds the
// broadcast plan and, per op, the fused-activation clamp and the fixed-point
// rescaling of quantized tensors. Eval dispatches on the dtype to one
// templated loop (binary_broadcast.h) with the op's element functor
// (binary_arithmetic.h).
#include <cmath>
#include <cstdint>
#include <limits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/binary_arithmetic.h"
#include "tensorflow/lite/micro/kernels/internal/binary_broadcast.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// Schema fields shared by AddOptions, SubOptions, MulOptions, DivOptions.
constexpr int kFusedActivationField = 0;
constexpr int kPotScaleInt16Field = 1;  // AddOptions / SubOptions only

// Checked by the interpreter before prepare (ADD, SUB, MUL, DIV).
constexpr OptionRange kActivationOptions[] = {
    {"fused_activation_function", kFusedActivationField, 1, 0, 0, 5},
    {nullptr, 0, 0, 0, 0, 0},
};

enum class Quantized : uint8_t { kNone, kGeneral, kPowerOfTwo };

struct ArithmeticOpData {
  BroadcastPlan plan;
  DataType type;
  Quantized quantized;
  // Fused activation clamp of non-quantized outputs (TFLite clamps to the
  // type's finite range even without an activation: inf becomes FLT_MAX).
  float float_min;
  float float_max;
  int64_t int_min;
  int64_t int_max;
  QuantizedArithmeticParams q;
};

constexpr uint32_t Bit(DataType t) { return 1u << static_cast<uint32_t>(t); }
constexpr uint32_t kFloat = Bit(DataType::kFloat32);
constexpr uint32_t kI8 = Bit(DataType::kInt8);
constexpr uint32_t kU8 = Bit(DataType::kUInt8);
constexpr uint32_t kI16 = Bit(DataType::kInt16);
constexpr uint32_t kI32 = Bit(DataType::kInt32);
constexpr uint32_t kU32 = Bit(DataType::kUInt32);
constexpr uint32_t kI64 = Bit(DataType::kInt64);
constexpr uint32_t kC64 = Bit(DataType::kComplex64);

// What an op accepts and how it is prepared.
struct ArithmeticSpec {
  uint32_t plain_types;      // dtypes computed as plain numbers
  uint32_t quantized_types;  // dtypes computed by requantization
  bool has_activation;       // options field 0 is a fused activation
  Status (*prepare_quantized)(OpContext& ctx, FusedActivation activation,
                              bool pot_option, ArithmeticOpData* data);
};

bool ValidActivation(FusedActivation a) {
  return a == FusedActivation::kNone || a == FusedActivation::kRelu ||
         a == FusedActivation::kReluN1To1 || a == FusedActivation::kRelu6;
}

template <typename T>
void StoreIntegerRange(FusedActivation a, ArithmeticOpData* d) {
  T lo, hi;
  ActivationRange(a, &lo, &hi);
  d->int_min = lo;
  d->int_max = hi;
}

// Clamp range of the plain-arithmetic dtypes (see EvalPlainClamped).
void SetPlainActivation(DataType type, FusedActivation a, ArithmeticOpData* d) {
  ActivationRange<float>(a, &d->float_min, &d->float_max);
  switch (type) {
    case DataType::kInt16:
      return StoreIntegerRange<int16_t>(a, d);
    case DataType::kInt32:
      return StoreIntegerRange<int32_t>(a, d);
    case DataType::kUInt32:
      return StoreIntegerRange<uint32_t>(a, d);
    default:
      return StoreIntegerRange<int64_t>(a, d);
  }
}

template <typename T>
void StoreQuantizedRange(int32_t* lo, int32_t* hi) {
  *lo = QuantizedMin<T>();
  *hi = QuantizedMax<T>();
}

void QuantizedRange(DataType type, int32_t* lo, int32_t* hi) {
  switch (type) {
    case DataType::kInt8:
      return StoreQuantizedRange<int8_t>(lo, hi);
    case DataType::kUInt8:
      return StoreQuantizedRange<uint8_t>(lo, hi);
    default:
      return StoreQuantizedRange<int16_t>(lo, hi);
  }
}

struct Scales {
  float input1, input2, output;
  int32_t zp1, zp2, zpo;
};

Status ReadScales(OpContext& ctx, Scales* s) {
  const QuantParams q1 = ctx.input_quant(0);
  const QuantParams q2 = ctx.input_quant(1);
  const QuantParams qo = ctx.output_quant(0);
  if (!q1.is_quantized() || !q2.is_quantized() || !qo.is_quantized()) {
    return ctx.Error(Status::kInvalidArgument,
                     "%s tensors need quantization parameters (inputs and "
                     "output)",
                     DataTypeName(ctx.input(0)->type));
  }
  if (q1.count != 1 || q2.count != 1 || qo.count != 1) {
    return ctx.Error(Status::kUnsupported,
                     "per-channel quantization is not supported");
  }
  s->input1 = q1.scale(0);
  s->input2 = q2.scale(0);
  s->output = qo.scale(0);
  s->zp1 = q1.zero_point(0);
  s->zp2 = q2.zero_point(0);
  s->zpo = qo.zero_point(0);
  if (!(s->input1 > 0) || !(s->input2 > 0) || !(s->output > 0)) {
    return ctx.Error(Status::kInvalidArgument,
                     "quantization scales must be > 0");
  }
  return Status::kOk;
}

Status SetQuantizedActivation(OpContext& ctx, FusedActivation a,
                              const Scales& s, ArithmeticOpData* d) {
  if (!ValidActivation(a)) {
    return ctx.Error(Status::kUnsupported,
                     "fused activation %d is not supported for quantized types",
                     static_cast<int>(a));
  }
  int32_t qmin, qmax;
  QuantizedRange(d->type, &qmin, &qmax);
  ActivationRangeQuantized(a, s.output, s.zpo, qmin, qmax, &d->q.act_min,
                           &d->q.act_max);
  return Status::kOk;
}

double MaxInputScale(const Scales& s) {
  return static_cast<double>(s.input1 > s.input2 ? s.input1 : s.input2);
}

// Quantizes a multiplier in (0, 1) as TFLite's
// QuantizeMultiplierSmallerThanOneExp (the shift must not be positive).
Status QuantizeSmallMultiplier(OpContext& ctx, double m, int32_t* multiplier,
                               int* shift) {
  QuantizeMultiplier(m, multiplier, shift);
  if (*shift > 0) {
    return ctx.Error(Status::kUnsupported,
                     "quantization scales give a rescale factor %g >= 1", m);
  }
  return Status::kOk;
}

// log2(x) when x is (within TFLite's 1e-3 tolerance on log2) a power of two.
bool PowerOfTwoExponent(float x, int* exponent) {
  const double l = std::log2(static_cast<double>(x));
  const double r = std::round(l);
  *exponent = static_cast<int>(r);
  return std::fabs(l - r) < 1e-3;
}

// ADD and SUB. General scales: left_shift 20 (8-bit) or 15 (int16) bits of
// headroom. int16 with pot_scale_int16 and power-of-two scales and zero
// offsets: the shift-only path.
Status PrepareAddSubQuantized(OpContext& ctx, FusedActivation a,
                              bool pot_option, ArithmeticOpData* d) {
  Scales s;
  TFLM_RETURN_IF_ERROR(ReadScales(ctx, &s));
  TFLM_RETURN_IF_ERROR(SetQuantizedActivation(ctx, a, s, d));
  d->quantized = Quantized::kGeneral;
  if (d->type == DataType::kInt16 && pot_option) {
    int e1, e2, eo;
    const bool pot = PowerOfTwoExponent(s.input1, &e1) &&
                     PowerOfTwoExponent(s.input2, &e2) &&
                     PowerOfTwoExponent(s.output, &eo) && s.zp1 == 0 &&
                     s.zp2 == 0 && s.zpo == 0;
    if (pot) {
      d->quantized = Quantized::kPowerOfTwo;
      d->q.input1_shift = e1 - eo;
      d->q.input2_shift = e2 - eo;
      TFLM_ENSURE_MSG(ctx,
                      (d->q.input1_shift == 0 || d->q.input2_shift == 0) &&
                          d->q.input1_shift <= 0 && d->q.input2_shift <= 0,
                      "int16 power-of-two scales need one input on the "
                      "output's scale and the other finer (shifts %d, %d)",
                      d->q.input1_shift, d->q.input2_shift);
      return Status::kOk;
    }
  }
  d->q.input1_offset = -s.zp1;
  d->q.input2_offset = -s.zp2;
  d->q.output_offset = s.zpo;
  d->q.left_shift = d->type == DataType::kInt16 ? 15 : 20;
  const double twice_max = 2.0 * MaxInputScale(s);
  TFLM_RETURN_IF_ERROR(QuantizeSmallMultiplier(
      ctx, s.input1 / twice_max, &d->q.input1_multiplier, &d->q.input1_shift));
  TFLM_RETURN_IF_ERROR(QuantizeSmallMultiplier(
      ctx, s.input2 / twice_max, &d->q.input2_multiplier, &d->q.input2_shift));
  return QuantizeSmallMultiplier(
      ctx, twice_max / ((1 << d->q.left_shift) * static_cast<double>(s.output)),
      &d->q.output_multiplier, &d->q.output_shift);
}

Status PrepareMulQuantized(OpContext& ctx, FusedActivation a, bool,
                           ArithmeticOpData* d) {
  Scales s;
  TFLM_RETURN_IF_ERROR(ReadScales(ctx, &s));
  TFLM_RETURN_IF_ERROR(SetQuantizedActivation(ctx, a, s, d));
  d->quantized = Quantized::kGeneral;
  d->q.input1_offset = -s.zp1;
  d->q.input2_offset = -s.zp2;
  d->q.output_offset = s.zpo;
  // TFLite computes the int16 multiplier in float32 and the int8/uint8 one in
  // double (checked bit-exact against TF 2.21 on tens of thousands of
  // outputs each; the float32 rounding of the product matters).
  const double real =
      ctx.input(0)->type == DataType::kInt16
          ? static_cast<double>(s.input1 * s.input2 / s.output)
          : static_cast<double>(s.input1) * static_cast<double>(s.input2) /
                static_cast<double>(s.output);
  QuantizeMultiplier(real, &d->q.output_multiplier, &d->q.output_shift);
  return Status::kOk;
}

Status PrepareSquaredDifferenceQuantized(OpContext& ctx, FusedActivation,
                                         bool, ArithmeticOpData* d) {
  Scales s;
  TFLM_RETURN_IF_ERROR(ReadScales(ctx, &s));
  d->quantized = Quantized::kGeneral;
  QuantizedRange(d->type, &d->q.act_min, &d->q.act_max);
  d->q.input1_offset = -s.zp1;
  d->q.input2_offset = -s.zp2;
  d->q.output_offset = s.zpo;
  d->q.left_shift = 7;
  const double twice_max = 2.0 * MaxInputScale(s);
  TFLM_RETURN_IF_ERROR(QuantizeSmallMultiplier(
      ctx, s.input1 / twice_max, &d->q.input1_multiplier, &d->q.input1_shift));
  TFLM_RETURN_IF_ERROR(QuantizeSmallMultiplier(
      ctx, s.input2 / twice_max, &d->q.input2_multiplier, &d->q.input2_shift));
  return QuantizeSmallMultiplier(
      ctx,
      twice_max * twice_max /
          ((1 << (2 * d->q.left_shift)) * static_cast<double>(s.output)),
      &d->q.output_multiplier, &d->q.output_shift);
}

Status PrepareArithmetic(OpContext& ctx, const ArithmeticSpec& spec) {
  ArithmeticOpData* d = ctx.AllocateOpData<ArithmeticOpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  TFLM_RETURN_IF_ERROR(PrepareBinaryBroadcast(ctx, &d->plan));
  const Tensor* input = ctx.input(0);
  const Tensor* output = ctx.output(0);
  d->type = input->type;
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(output, input->type, "output"));
  // Each output element reads the inputs' elements at its own index (or a
  // broadcast one), so the output may overwrite an input of its own shape.
  // The first input that qualifies is taken (AllowInPlace ignores inputs
  // that are not planned, e.g. a variable read in place).
  if (SameShape(input, output)) ctx.AllowInPlace(0, 0);
  if (SameShape(ctx.input(1), output)) ctx.AllowInPlace(0, 1);

  const fb::Table options = ctx.builtin_options();
  const FusedActivation activation =
      spec.has_activation
          ? static_cast<FusedActivation>(
                options.Scalar<int8_t>(kFusedActivationField, 0))
          : FusedActivation::kNone;
  // pot_scale_int16 defaults to true in the schema, false without options.
  const bool pot_option =
      options.present() && options.Bool(kPotScaleInt16Field, true);

  const uint32_t bit = Bit(d->type);
  const bool has_quant = ctx.input_quant(0).is_quantized();
  // A dtype in both sets (int16 for ADD/SUB/MUL) is quantized when its
  // tensors carry quantization parameters.
  const bool quantized = (spec.quantized_types & bit) != 0 &&
                         (has_quant || (spec.plain_types & bit) == 0);
  if (quantized) {
    return spec.prepare_quantized(ctx, activation, pot_option, d);
  }
  if ((spec.plain_types & bit) == 0) {
    const bool needs_quant = (spec.quantized_types & bit) != 0;
    return ctx.Error(Status::kUnsupported, "%s inputs are not supported%s",
                     DataTypeName(d->type),
                     needs_quant ? " without quantization parameters" : "");
  }
  d->quantized = Quantized::kNone;
  SetPlainActivation(d->type, activation, d);
  return Status::kOk;
}

constexpr uint32_t kAddQuantizedTypes = kI8 | kU8 | kI16;
// {plain dtypes, quantized dtypes, has_activation, prepare_quantized}
constexpr ArithmeticSpec kAddSpec = {kFloat | kI16 | kI32 | kI64,
                                     kAddQuantizedTypes, true,
                                     PrepareAddSubQuantized};
constexpr ArithmeticSpec kMulSpec = {
    kFloat | kI16 | kI32 | kU32 | kI64 | kC64, kI8 | kU8 | kI16, true,
    PrepareMulQuantized};
constexpr ArithmeticSpec kDivSpec = {kFloat | kI32, 0, true, nullptr};
constexpr ArithmeticSpec kSquaredDifferenceSpec = {
    kFloat | kI32, kI8, false, PrepareSquaredDifferenceQuantized};
constexpr ArithmeticSpec kMaxMinSpec = {
    kFloat | kI8 | kU8 | kI16 | kI32 | kI64, 0, false, nullptr};
constexpr ArithmeticSpec kPowSpec = {kFloat | kI32, 0, false, nullptr};
constexpr ArithmeticSpec kFloorDivSpec = {kFloat | kI8 | kI16 | kI32, 0, false,
                                          nullptr};
constexpr ArithmeticSpec kFloorModSpec = {kFloat | kI8 | kI16 | kI32 | kI64, 0,
                                          false, nullptr};

// ---- eval ----



template <typename T, typename Op>
Status Run(OpContext& ctx, const BroadcastPlan& plan, const Op& op) {
  BinaryLoop(plan, static_cast<const T*>(ctx.input(0)->data),
             static_cast<const T*>(ctx.input(1)->data),
             static_cast<T*>(ctx.output(0)->data), op);
  return Status::kOk;
}

template <typename T, typename F>
Status RunPlain(OpContext& ctx, const ArithmeticOpData& d) {
  return Run<T>(ctx, d.plan, PlainFn<T, F>{F()});
}

Status UnexpectedType(OpContext& ctx, DataType type) {
  return ctx.Error(Status::kInternal, "unexpected dtype %s",
                   DataTypeName(type));
}

template <typename F>
Status RunClampedFloat(OpContext& ctx, const ArithmeticOpData& d) {
  return Run<float>(ctx, d.plan,
                    ClampedFn<float, F>{F(), d.float_min, d.float_max});
}

template <typename T, typename F>
Status RunClamped(OpContext& ctx, const ArithmeticOpData& d) {
  return Run<T>(ctx, d.plan,
                ClampedFn<T, F>{F(), static_cast<T>(d.int_min),
                                static_cast<T>(d.int_max)});
}

// `kTypes` (a mask of Bit(DataType)) limits the instantiations to the dtypes
// the op's Prepare accepts.
#define TFLM_BINARY_CASE(dtype, bit, ...)      \
  case DataType::dtype:                        \
    if constexpr ((kTypes & (bit)) != 0) {     \
      return __VA_ARGS__;                      \
    }                                          \
    break;

// Plain arithmetic with the fused activation clamp (ADD SUB MUL DIV).
template <uint32_t kTypes, typename F>
Status EvalPlainClamped(OpContext& ctx, const ArithmeticOpData& d) {
  switch (d.type) {
    TFLM_BINARY_CASE(kFloat32, kFloat, RunClampedFloat<F>(ctx, d))
    TFLM_BINARY_CASE(kInt16, kI16, RunClamped<int16_t, F>(ctx, d))
    TFLM_BINARY_CASE(kInt32, kI32, RunClamped<int32_t, F>(ctx, d))
    TFLM_BINARY_CASE(kUInt32, kU32, RunClamped<uint32_t, F>(ctx, d))
    TFLM_BINARY_CASE(kInt64, kI64, RunClamped<int64_t, F>(ctx, d))
    default:
      break;
  }
  return UnexpectedType(ctx, d.type);
}

// Plain element operations without activation.
template <uint32_t kTypes, typename F>
Status EvalPlain(OpContext& ctx, const ArithmeticOpData& d) {
  switch (d.type) {
    TFLM_BINARY_CASE(kFloat32, kFloat, RunPlain<float, F>(ctx, d))
    TFLM_BINARY_CASE(kInt8, kI8, RunPlain<int8_t, F>(ctx, d))
    TFLM_BINARY_CASE(kUInt8, kU8, RunPlain<uint8_t, F>(ctx, d))
    TFLM_BINARY_CASE(kInt16, kI16, RunPlain<int16_t, F>(ctx, d))
    TFLM_BINARY_CASE(kInt32, kI32, RunPlain<int32_t, F>(ctx, d))
    TFLM_BINARY_CASE(kInt64, kI64, RunPlain<int64_t, F>(ctx, d))
    TFLM_BINARY_CASE(kComplex64, kC64, RunPlain<Complex64, F>(ctx, d))
    default:
      break;
  }
  return UnexpectedType(ctx, d.type);
}

// Requantizing kernels: Fn<T> is a functor template over the storage type.
template <uint32_t kTypes, template <typename> class Fn>
Status EvalQuantized(OpContext& ctx, const ArithmeticOpData& d) {
  switch (d.type) {
    TFLM_BINARY_CASE(kInt8, kI8, Run<int8_t>(ctx, d.plan, Fn<int8_t>{d.q}))
    TFLM_BINARY_CASE(kUInt8, kU8, Run<uint8_t>(ctx, d.plan, Fn<uint8_t>{d.q}))
    TFLM_BINARY_CASE(kInt16, kI16, Run<int16_t>(ctx, d.plan, Fn<int16_t>{d.q}))
    default:
      break;
  }
  return UnexpectedType(ctx, d.type);
}

#undef TFLM_BINARY_CASE

template <typename T>
using QuantizedAddFn = QuantizedAddSubFn<T, false>;
template <typename T>
using QuantizedSubFn = QuantizedAddSubFn<T, true>;

template <bool kSubtract>
Status EvalAddSub(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  switch (d.quantized) {
    case Quantized::kNone:
      return kSubtract ? EvalPlainClamped<kAddSpec.plain_types, SubFn>(ctx, d)
                       : EvalPlainClamped<kAddSpec.plain_types, AddFn>(ctx, d);
    case Quantized::kGeneral:
      return kSubtract
                 ? EvalQuantized<kAddQuantizedTypes, QuantizedSubFn>(ctx, d)
                 : EvalQuantized<kAddQuantizedTypes, QuantizedAddFn>(ctx, d);
    case Quantized::kPowerOfTwo:
      return Run<int16_t>(
          ctx, d.plan,
          QuantizedPotAddSubFn<kSubtract>{-d.q.input1_shift, -d.q.input2_shift,
                                          d.q.act_min, d.q.act_max});
  }
  return Status::kOk;
}

// True if any element of `t` (of type T) is zero, or with `negative`, is
// below zero.
template <typename T>
bool AnyBelowOrZero(const Tensor* t, bool negative) {
  const T* v = static_cast<const T*>(t->data);
  const int64_t n = t->NumElements();
  bool bad = false;
  if (negative) {
    for (int64_t i = 0; i < n; ++i) bad |= v[i] < 0;
  } else {
    for (int64_t i = 0; i < n; ++i) bad |= v[i] == 0;
  }
  return bad;
}

Status CheckIntegerDivisor(OpContext& ctx, DataType type) {
  const Tensor* divisor = ctx.input(1);
  bool zero = false;
  switch (type) {
    case DataType::kInt8:
      zero = AnyBelowOrZero<int8_t>(divisor, false);
      break;
    case DataType::kInt16:
      zero = AnyBelowOrZero<int16_t>(divisor, false);
      break;
    case DataType::kInt32:
      zero = AnyBelowOrZero<int32_t>(divisor, false);
      break;
    case DataType::kInt64:
      zero = AnyBelowOrZero<int64_t>(divisor, false);
      break;
    default:
      return Status::kOk;  // floats divide by zero into inf / nan
  }
  if (zero) return ctx.Error(Status::kInvalidArgument, "division by zero");
  return Status::kOk;
}

// ---- per-op entry points ----

// SUB accepts the same dtypes as ADD and has the same options layout.
Status AddSubPrepare(OpContext& ctx) {
  return PrepareArithmetic(ctx, kAddSpec);
}
Status AddEval(OpContext& ctx) { return EvalAddSub<false>(ctx); }
Status SubEval(OpContext& ctx) { return EvalAddSub<true>(ctx); }

Status MulPrepare(OpContext& ctx) { return PrepareArithmetic(ctx, kMulSpec); }
Status MulEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  if (d.quantized != Quantized::kNone) {
    return EvalQuantized<kMulSpec.quantized_types, QuantizedMulFn>(ctx, d);
  }
  // Complex products have no activation.
  if (d.type == DataType::kComplex64) return EvalPlain<kC64, MulFn>(ctx, d);
  return EvalPlainClamped<kMulSpec.plain_types & ~kC64, MulFn>(ctx, d);
}

Status DivPrepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  if (input != nullptr && input->type == DataType::kUInt8) {
    return ctx.Error(Status::kUnsupported,
                     "quantized uint8 DIV is not supported (float32, int32)");
  }
  return PrepareArithmetic(ctx, kDivSpec);
}
Status DivEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  TFLM_RETURN_IF_ERROR(CheckIntegerDivisor(ctx, d.type));
  return EvalPlainClamped<kDivSpec.plain_types, DivFn>(ctx, d);
}

Status SquaredDifferencePrepare(OpContext& ctx) {
  return PrepareArithmetic(ctx, kSquaredDifferenceSpec);
}
Status SquaredDifferenceEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  if (d.quantized != Quantized::kNone) {
    return EvalQuantized<kSquaredDifferenceSpec.quantized_types,
                         QuantizedSquaredDifferenceFn>(ctx, d);
  }
  return EvalPlain<kSquaredDifferenceSpec.plain_types, SquaredDifferenceFn>(
      ctx, d);
}

Status MaxMinPrepare(OpContext& ctx) {
  return PrepareArithmetic(ctx, kMaxMinSpec);
}
Status MaximumEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  return EvalPlain<kMaxMinSpec.plain_types, MaximumFn>(ctx, d);
}
Status MinimumEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  return EvalPlain<kMaxMinSpec.plain_types, MinimumFn>(ctx, d);
}

Status PowPrepare(OpContext& ctx) { return PrepareArithmetic(ctx, kPowSpec); }
Status PowEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  if (d.type == DataType::kInt32) {
    if (AnyBelowOrZero<int32_t>(ctx.input(1), true)) {
      return ctx.Error(Status::kInvalidArgument,
                       "int32 POW does not support negative exponents");
    }
    return Run<int32_t>(ctx, d.plan, PlainFn<int32_t, PowFn>{PowFn()});
  }
  return Run<float>(ctx, d.plan, PlainFn<float, PowFn>{PowFn()});
}

Status FloorDivPrepare(OpContext& ctx) {
  return PrepareArithmetic(ctx, kFloorDivSpec);
}
Status FloorDivEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  TFLM_RETURN_IF_ERROR(CheckIntegerDivisor(ctx, d.type));
  return EvalPlain<kFloorDivSpec.plain_types, FloorDivFn>(ctx, d);
}

Status FloorModPrepare(OpContext& ctx) {
  return PrepareArithmetic(ctx, kFloorModSpec);
}
Status FloorModEval(OpContext& ctx) {
  const ArithmeticOpData& d = *ctx.op_data_as<ArithmeticOpData>();
  TFLM_RETURN_IF_ERROR(CheckIntegerDivisor(ctx, d.type));
  return EvalPlain<kFloorModSpec.plain_types, FloorModFn>(ctx, d);
}

}  // namespace

// Versions: TFLite's op_version.cc. ADD 5 = plain int16; SUB 5 = int16
// general scales; MUL 7 = plain int16 / uint32; DIV 2 = broadcast > 4-D;
// MAXIMUM/MINIMUM 4 = int16; FLOOR_DIV 3 = int8/int16; FLOOR_MOD 2 =
// int8/int16.
const OpRegistration* Register_ADD() {
  static const OpRegistration r = {"ADD", nullptr, AddSubPrepare,
                                   AddEval, nullptr, 5, nullptr,
                                   "input1, input2", "output", kActivationOptions};
  return &r;
}
const OpRegistration* Register_SUB() {
  static const OpRegistration r = {"SUB", nullptr, AddSubPrepare,
                                   SubEval, nullptr, 5, nullptr,
                                   "input1, input2", "output", kActivationOptions};
  return &r;
}
const OpRegistration* Register_MUL() {
  static const OpRegistration r = {"MUL", nullptr, MulPrepare,
                                   MulEval, nullptr, 7, nullptr,
                                   "input1, input2", "output", kActivationOptions};
  return &r;
}
const OpRegistration* Register_DIV() {
  static const OpRegistration r = {"DIV", nullptr, DivPrepare,
                                   DivEval, nullptr, 2, nullptr,
                                   "input1, input2", "output", kActivationOptions};
  return &r;
}
const OpRegistration* Register_SQUARED_DIFFERENCE() {
  static const OpRegistration r = {
      "SQUARED_DIFFERENCE", nullptr, SquaredDifferencePrepare,
      SquaredDifferenceEval, nullptr, 2, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_MAXIMUM() {
  static const OpRegistration r = {"MAXIMUM", nullptr, MaxMinPrepare,
                                   MaximumEval, nullptr, 4, nullptr,
                                   "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_MINIMUM() {
  static const OpRegistration r = {"MINIMUM", nullptr, MaxMinPrepare,
                                   MinimumEval, nullptr, 4, nullptr,
                                   "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_POW() {
  static const OpRegistration r = {"POW", nullptr, PowPrepare,
                                   PowEval, nullptr, 1, nullptr,
                                   "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_FLOOR_DIV() {
  static const OpRegistration r = {"FLOOR_DIV", nullptr, FloorDivPrepare,
                                   FloorDivEval, nullptr, 3, nullptr,
                                   "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_FLOOR_MOD() {
  static const OpRegistration r = {"FLOOR_MOD", nullptr, FloorModPrepare,
                                   FloorModEval, nullptr, 2, nullptr,
                                   "input1, input2", "output", nullptr};
  return &r;
}

}  // namespace tflm
