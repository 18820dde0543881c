#include "tensorflow/lite/micro/kernels/internal/shape_concat.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace tflm {

Status AllocateJoinPlan(OpContext& ctx, int parts, JoinPlan** plan) {
  JoinPlan* p = ctx.AllocateOpData<JoinPlan>();
  if (p == nullptr) return Status::kArenaTooSmall;
  p->block_bytes = ctx.AllocatePersistentArray<uint32_t>(parts);
  if (p->block_bytes == nullptr) return Status::kArenaTooSmall;
  p->parts = parts;
  p->requant = nullptr;
  *plan = p;
  return Status::kOk;
}

Status PrepareJoinRequantize(OpContext& ctx, JoinPlan* plan) {
  const DataType type = ctx.output(0)->type;
  if (type != DataType::kInt8 && type != DataType::kUInt8 &&
      type != DataType::kInt16) {
    return Status::kOk;
  }
  const QuantParams out = ctx.output_quant(0);
  if (!out.is_quantized()) return Status::kOk;
  const float out_scale = out.scale();
  if (!(out_scale > 0.0f)) {
    return ctx.Error(Status::kInvalidArgument,
                     "output has a non-positive scale");
  }
  plan->out_zero_point = out.zero_point();
  const float inverse_out_scale = 1.0f / out_scale;
  for (int i = 0; i < plan->parts; ++i) {
    const QuantParams in = ctx.input_quant(i);
    if (!in.is_quantized()) {
      return ctx.Error(Status::kInvalidArgument,
                       "input %d is not quantized but the output is", i);
    }
    if (in.scale() == out_scale && in.zero_point() == out.zero_point()) {
      continue;
    }
    if (plan->requant == nullptr) {
      plan->requant = ctx.AllocatePersistentArray<BlockRequantize>(plan->parts);
      if (plan->requant == nullptr) return Status::kArenaTooSmall;
      for (int j = 0; j < plan->parts; ++j) plan->requant[j] = {0.0f, 0.0f};
    }
    const float scale = in.scale() * inverse_out_scale;
    plan->requant[i].scale = scale;
    plan->requant[i].bias = -static_cast<float>(in.zero_point()) * scale;
  }
  return Status::kOk;
}

namespace {

template <typename T>
void RequantizeBlock(const T* src, T* dst, uint32_t n,
                     const BlockRequantize& r, int32_t zero_point) {
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  for (uint32_t i = 0; i < n; ++i) {
    // Kept as two roundings (no fused multiply-add) to match the reference.
    volatile float product = static_cast<float>(src[i]) * r.scale;
    int32_t v = TruncateToInt32(std::round(product + r.bias)) + zero_point;
    dst[i] = static_cast<T>(v < kMin ? kMin : (v > kMax ? kMax : v));
  }
}

void CopyBlock(const JoinPlan& plan, int part, const uint8_t* src,
               uint8_t* dst, uint32_t bytes) {
  if (plan.requant == nullptr || plan.requant[part].scale == 0.0f) {
    memcpy(dst, src, bytes);
    return;
  }
  const BlockRequantize& r = plan.requant[part];
  switch (plan.type) {
    case DataType::kInt8:
      RequantizeBlock(reinterpret_cast<const int8_t*>(src),
                      reinterpret_cast<int8_t*>(dst), bytes, r,
                      plan.out_zero_point);
      break;
    case DataType::kUInt8:
      RequantizeBlock(src, dst, bytes, r, plan.out_zero_point);
      break;
    default:
      RequantizeBlock(reinterpret_cast<const int16_t*>(src),
                      reinterpret_cast<int16_t*>(dst), bytes / 2, r,
                      plan.out_zero_point);
      break;
  }
}

}  // namespace

void RunJoin(OpContext& ctx, const JoinPlan& plan) {
  uint8_t* out = static_cast<uint8_t*>(ctx.output(0)->data);
  for (int i = 0; i < plan.parts; ++i) {
    const uint8_t* in = static_cast<const uint8_t*>(ctx.input(i)->data);
    const uint32_t block = plan.block_bytes[i];
    uint8_t* dst = out;
    for (int32_t o = 0; o < plan.outer; ++o) {
      CopyBlock(plan, i, in + static_cast<size_t>(o) * block, dst, block);
      dst += plan.row_bytes;
    }
    out += block;
  }
}

void RunSplit(OpContext& ctx, const JoinPlan& plan, int input) {
  const uint8_t* in = static_cast<const uint8_t*>(ctx.input(input)->data);
  for (int i = 0; i < plan.parts; ++i) {
    Tensor* output = ctx.output(i);
    const uint32_t block = plan.block_bytes[i];
    if (output != nullptr && output->data != nullptr) {
      uint8_t* out = static_cast<uint8_t*>(output->data);
      const uint8_t* src = in;
      for (int32_t o = 0; o < plan.outer; ++o) {
        memcpy(out + static_cast<size_t>(o) * block, src, block);
        src += plan.row_bytes;
      }
    }
    in += block;
  }
}

}  // namespace tflm
