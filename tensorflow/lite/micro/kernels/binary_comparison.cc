// Comparisons (EQUAL NOT_EQUAL LESS LESS_EQUAL GREATER GREATER_EQUAL) and
// logical ops (LOGICAL_AND LOGICAL_OR): two broadcast inputs, a bool output.
//
// As TFLite's reference kernels: int8/uint8 inputs are always compared after
// rescaling both onto a common fixed-point scale (so inputs with different
// scales compare by real value); every other dtype compares raw values.
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/binary_broadcast.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kComparisonLeftShift = 8;

struct ComparisonOpData {
  BroadcastPlan plan;
  DataType type;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t input1_multiplier;
  int32_t input2_multiplier;
  int input1_shift;
  int input2_shift;
};

constexpr uint32_t Bit(DataType t) { return 1u << static_cast<uint32_t>(t); }
constexpr uint32_t kOrderedTypes =
    Bit(DataType::kFloat32) | Bit(DataType::kInt8) | Bit(DataType::kUInt8) |
    Bit(DataType::kInt16) | Bit(DataType::kInt32) | Bit(DataType::kInt64);
constexpr uint32_t kEqualityTypes = kOrderedTypes | Bit(DataType::kBool);
constexpr uint32_t kLogicalTypes = Bit(DataType::kBool);

struct EqualFn {
  template <typename T>
  bool operator()(T a, T b) const { return a == b; }
};
struct NotEqualFn {
  template <typename T>
  bool operator()(T a, T b) const { return a != b; }
};
struct LessFn {
  template <typename T>
  bool operator()(T a, T b) const { return a < b; }
};
struct LessEqualFn {
  template <typename T>
  bool operator()(T a, T b) const { return a <= b; }
};
struct GreaterFn {
  template <typename T>
  bool operator()(T a, T b) const { return a > b; }
};
struct GreaterEqualFn {
  template <typename T>
  bool operator()(T a, T b) const { return a >= b; }
};
struct LogicalAndFn {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOrFn {
  bool operator()(bool a, bool b) const { return a || b; }
};

template <typename Cmp>
struct PlainCompareFn {
  template <typename T>
  bool operator()(T a, T b) const { return Cmp()(a, b); }
};

// Rescales both 8-bit operands to ((x - zp) << 8) * scale in fixed point,
// then compares. (For shifts <= 0, MultiplyByQuantizedMultiplier is exactly
// TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp.)
template <typename Cmp>
struct RescaledCompareFn {
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t input1_multiplier;
  int32_t input2_multiplier;
  int input1_shift;
  int input2_shift;
  template <typename T>
  bool operator()(T a, T b) const {
    const int32_t a_scaled = MultiplyByQuantizedMultiplier(
        (input1_offset + a) * (1 << kComparisonLeftShift), input1_multiplier,
        input1_shift);
    const int32_t b_scaled = MultiplyByQuantizedMultiplier(
        (input2_offset + b) * (1 << kComparisonLeftShift), input2_multiplier,
        input2_shift);
    return Cmp()(a_scaled, b_scaled);
  }
};

Status PrepareComparison(OpContext& ctx, uint32_t types) {
  ComparisonOpData* d = ctx.AllocateOpData<ComparisonOpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  TFLM_RETURN_IF_ERROR(PrepareBinaryBroadcast(ctx, &d->plan));
  d->type = ctx.input(0)->type;
  TFLM_RETURN_IF_ERROR(
      ctx.ExpectType(ctx.output(0), DataType::kBool, "output"));
  if ((types & Bit(d->type)) == 0) {
    return ctx.Error(Status::kUnsupported, "%s inputs are not supported",
                     DataTypeName(d->type));
  }
  if (d->type == DataType::kInt8 || d->type == DataType::kUInt8) {
    // Missing quantization reads as scale 0 / zero point 0, as in TFLite.
    const QuantParams q1 = ctx.input_quant(0);
    const QuantParams q2 = ctx.input_quant(1);
    const float s1 = q1.is_quantized() ? q1.scale(0) : 0.0f;
    const float s2 = q2.is_quantized() ? q2.scale(0) : 0.0f;
    d->input1_offset = q1.is_quantized() ? -q1.zero_point(0) : 0;
    d->input2_offset = q2.is_quantized() ? -q2.zero_point(0) : 0;
    QuantizeMultiplier(s1, &d->input1_multiplier, &d->input1_shift);
    QuantizeMultiplier(s2, &d->input2_multiplier, &d->input2_shift);
  }
  return Status::kOk;
}

template <typename T, typename Op>
Status Run(OpContext& ctx, const BroadcastPlan& plan, const Op& op) {
  BinaryLoop(plan, static_cast<const T*>(ctx.input(0)->data),
             static_cast<const T*>(ctx.input(1)->data),
             static_cast<bool*>(ctx.output(0)->data), op);
  return Status::kOk;
}

template <typename Cmp>
Status EvalComparison(OpContext& ctx) {
  const ComparisonOpData& d = *ctx.op_data_as<ComparisonOpData>();
  const RescaledCompareFn<Cmp> rescaled = {
      d.input1_offset,     d.input2_offset, d.input1_multiplier,
      d.input2_multiplier, d.input1_shift,  d.input2_shift};
  const PlainCompareFn<Cmp> plain;
  switch (d.type) {
    case DataType::kBool:
      return Run<bool>(ctx, d.plan, plain);
    case DataType::kFloat32:
      return Run<float>(ctx, d.plan, plain);
    case DataType::kInt8:
      return Run<int8_t>(ctx, d.plan, rescaled);
    case DataType::kUInt8:
      return Run<uint8_t>(ctx, d.plan, rescaled);
    case DataType::kInt16:
      return Run<int16_t>(ctx, d.plan, plain);
    case DataType::kInt32:
      return Run<int32_t>(ctx, d.plan, plain);
    case DataType::kInt64:
      return Run<int64_t>(ctx, d.plan, plain);
    default:
      return ctx.Error(Status::kInternal, "unexpected dtype %s",
                       DataTypeName(d.type));
  }
}

template <typename Op>
Status EvalLogical(OpContext& ctx) {
  return Run<bool>(ctx, ctx.op_data_as<ComparisonOpData>()->plan, Op());
}

Status EqualityPrepare(OpContext& ctx) {
  return PrepareComparison(ctx, kEqualityTypes);
}
Status OrderedPrepare(OpContext& ctx) {
  return PrepareComparison(ctx, kOrderedTypes);
}
Status LogicalPrepare(OpContext& ctx) {
  return PrepareComparison(ctx, kLogicalTypes);
}

}  // namespace

// Versions (TFLite's op_version.cc): EQUAL 4 = int16, NOT_EQUAL 3 and
// EQUAL 3 = string (rejected at prepare), LESS / GREATER_EQUAL 3 = int16,
// GREATER / LESS_EQUAL 2 = int8.
const OpRegistration* Register_EQUAL() {
  static const OpRegistration r = {"EQUAL", nullptr, EqualityPrepare,
                                   EvalComparison<EqualFn>, nullptr,
                                   4, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_NOT_EQUAL() {
  static const OpRegistration r = {"NOT_EQUAL", nullptr, EqualityPrepare,
                                   EvalComparison<NotEqualFn>, nullptr,
                                   3, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_LESS() {
  static const OpRegistration r = {"LESS", nullptr, OrderedPrepare,
                                   EvalComparison<LessFn>, nullptr,
                                   3, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_LESS_EQUAL() {
  static const OpRegistration r = {"LESS_EQUAL", nullptr, OrderedPrepare,
                                   EvalComparison<LessEqualFn>, nullptr,
                                   2, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_GREATER() {
  static const OpRegistration r = {"GREATER", nullptr, OrderedPrepare,
                                   EvalComparison<GreaterFn>, nullptr,
                                   2, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_GREATER_EQUAL() {
  static const OpRegistration r = {"GREATER_EQUAL", nullptr, OrderedPrepare,
                                   EvalComparison<GreaterEqualFn>, nullptr,
                                   3, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_LOGICAL_AND() {
  static const OpRegistration r = {"LOGICAL_AND", nullptr, LogicalPrepare,
                                   EvalLogical<LogicalAndFn>, nullptr,
                                   1, nullptr, "input1, input2", "output", nullptr};
  return &r;
}
const OpRegistration* Register_LOGICAL_OR() {
  static const OpRegistration r = {"LOGICAL_OR", nullptr, LogicalPrepare,
                                   EvalLogical<LogicalOrFn>, nullptr,
                                   1, nullptr, "input1, input2", "output", nullptr};
  return &r;
}

}  // namespace tflm
