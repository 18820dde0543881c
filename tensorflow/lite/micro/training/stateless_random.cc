// TensorFlow's stateless random ops (random_ops v2) that Keras 3's Dropout
// and tf.random.stateless_uniform convert to, matching TensorFlow's CPU
// kernels bit for bit:
//   StatelessRandomGetKeyCounter(seed: int32/int64 [2])
//       -> key uint64[1], counter uint64[2]
//     The seeds s0, s1 (int32 values sign-extended to 64 bits) form the
//     Philox counter (s0 low word, s0 high, s1 low, s1 high); one Philox
//     block under the fixed key (0x3ec8f720, 0x02461e29) gives words
//     m0..m3, and key = m0 | m1 << 32, counter = {0, m2 | m3 << 32}.
//   StatelessRandomUniformV2(shape, key, counter, alg) -> dtype
//     Philox-4x32-10 with that key and counter (uint64s split low word
//     first), values in [0, 1) from consecutive blocks as TensorFlow makes
//     them (kernels/internal/philox.h): float32 and float16 take one word
//     per value, float64 two. alg must be Philox (1) or auto-select (3,
//     Philox on a CPU).
// Both are pure functions of their inputs; a "random per step" stream comes
// from the graph feeding new seeds (Keras' SeedGenerator variable).
#include <cstring>

#include "tensorflow/lite/micro/kernels/internal/philox.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

constexpr uint32_t kSeedScrambleKey[2] = {0x3ec8f720u, 0x02461e29u};
constexpr int32_t kAlgPhilox = 1;
constexpr int32_t kAlgAutoSelect = 3;

// ---------------------------------------------------------------- key/counter

Status InitKeyCounter(OpContext& ctx) {
  NodeDef node;
  return ReadFlexNodeDef(ctx, "StatelessRandomGetKeyCounter", &node);
}

Status PrepareKeyCounter(OpContext& ctx) {
  const Tensor* seed = ctx.input(0);
  if (seed->type != DataType::kInt32 && seed->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "StatelessRandomGetKeyCounter: seed has dtype %s (int32 or int64 "
                     "supported)",
                     DataTypeName(seed->type));
  }
  if (seed->rank != 1 || seed->dims[0] != 2) {
    return ctx.Error(Status::kInvalidArgument,
                     "StatelessRandomGetKeyCounter: seed must have shape [2] (rank %d, %d "
                     "elements)",
                     seed->rank, static_cast<int>(seed->NumElements()));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kUInt64, "key"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(1), DataType::kUInt64, "counter"));
  const int32_t key_dims[1] = {1};
  const int32_t counter_dims[1] = {2};
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, key_dims, 1));
  return ctx.SetOutputShape(1, counter_dims, 1);
}

Status EvalKeyCounter(OpContext& ctx) {
  const Tensor* seed = ctx.input(0);
  uint64_t s0, s1;
  if (seed->type == DataType::kInt32) {
    const int32_t* v = seed->data_as<const int32_t>();
    s0 = static_cast<uint64_t>(static_cast<int64_t>(v[0]));
    s1 = static_cast<uint64_t>(static_cast<int64_t>(v[1]));
  } else {
    const int64_t* v = seed->data_as<const int64_t>();
    s0 = static_cast<uint64_t>(v[0]);
    s1 = static_cast<uint64_t>(v[1]);
  }
  uint32_t counter[4];
  philox::SplitU64(s0, &counter[0], &counter[1]);
  philox::SplitU64(s1, &counter[2], &counter[3]);
  uint32_t mix[4];
  philox::Block(counter, kSeedScrambleKey, mix);
  uint64_t* key_out = ctx.output(0)->data_as<uint64_t>();
  uint64_t* counter_out = ctx.output(1)->data_as<uint64_t>();
  key_out[0] = philox::JoinU64(mix[0], mix[1]);
  counter_out[0] = 0;
  counter_out[1] = philox::JoinU64(mix[2], mix[3]);
  return Status::kOk;
}

// ---------------------------------------------------------------- uniform

struct UniformData {
  bool alg_checked;  // alg was a value known at prepare, and valid
};

Status CheckAlg(OpContext& ctx, const Tensor* alg) {
  const int64_t value = alg->type == DataType::kInt64 ? alg->data_as<const int64_t>()[0]
                                                      : alg->data_as<const int32_t>()[0];
  if (value != kAlgPhilox && value != kAlgAutoSelect) {
    return ctx.Error(Status::kUnsupported,
                     "StatelessRandomUniformV2: algorithm %lld is not supported (Philox = 1, "
                     "or auto-select = 3, which is Philox on a CPU)",
                     static_cast<long long>(value));
  }
  return Status::kOk;
}

Status InitUniform(OpContext& ctx) {
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, "StatelessRandomUniformV2", &node));
  return ctx.AllocateOpData<UniformData>() != nullptr ? Status::kOk : Status::kArenaTooSmall;
}

// The output shape from the `shape` input (int32 or int64, known at prepare).
template <typename T>
Status ShapeFromInput(OpContext& ctx, const Tensor* shape) {
  const T* v = shape->data_as<const T>();
  int32_t dims[kMaxRank];
  for (int32_t i = 0; i < shape->dims[0]; ++i) {
    if (v[i] < 0 || v[i] > 0x7fffffff) {
      return ctx.Error(Status::kInvalidArgument,
                       "StatelessRandomUniformV2: shape entry %d is %lld", static_cast<int>(i),
                       static_cast<long long>(v[i]));
    }
    dims[i] = static_cast<int32_t>(v[i]);
  }
  return ctx.SetOutputShape(0, dims, shape->dims[0]);
}

Status PrepareUniform(OpContext& ctx) {
  const Tensor* shape = ctx.input(0);
  const Tensor* key = ctx.input(1);
  const Tensor* counter = ctx.input(2);
  const Tensor* alg = ctx.input(3);
  const DataType out_type = ctx.output(0)->type;
  if (out_type != DataType::kFloat32 && out_type != DataType::kFloat64 &&
      out_type != DataType::kFloat16) {
    return ctx.Error(Status::kUnsupported,
                     "StatelessRandomUniformV2: output dtype %s (float32, float64 or float16 "
                     "supported)",
                     DataTypeName(out_type));
  }
  if ((shape->type != DataType::kInt32 && shape->type != DataType::kInt64) ||
      shape->rank != 1 || shape->dims[0] > kMaxRank) {
    return ctx.Error(Status::kUnsupported,
                     "StatelessRandomUniformV2: shape must be an int32 or int64 vector of at "
                     "most %d entries",
                     kMaxRank);
  }
  if (!OpContext::ValueKnownAtPrepare(shape) ||
      (shape->dims[0] > 0 && shape->data == nullptr)) {
    return ctx.Error(Status::kUnsupported,
                     "StatelessRandomUniformV2: shape (input 0, '%s') must be a constant or "
                     "computed at prepare time (such as the SHAPE of an activation)",
                     ctx.input_name(0));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(key, DataType::kUInt64, "key"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(counter, DataType::kUInt64, "counter"));
  if (key->NumElements() != 1 || key->rank != 1) {
    return ctx.Error(Status::kInvalidArgument,
                     "StatelessRandomUniformV2: key must have shape [1]");
  }
  if (counter->rank != 1 || counter->NumElements() < 2) {
    return ctx.Error(Status::kInvalidArgument,
                     "StatelessRandomUniformV2: counter must be a vector of at least 2 "
                     "elements for Philox");
  }
  if ((alg->type != DataType::kInt32 && alg->type != DataType::kInt64) ||
      alg->NumElements() != 1) {
    return ctx.Error(Status::kInvalidArgument,
                     "StatelessRandomUniformV2: alg must be an int32 scalar");
  }
  UniformData* d = ctx.op_data_as<UniformData>();
  d->alg_checked = false;
  if (OpContext::ValueKnownAtPrepare(alg) && alg->data != nullptr) {
    TFLM_RETURN_IF_ERROR(CheckAlg(ctx, alg));
    d->alg_checked = true;
  }
  return shape->type == DataType::kInt64 ? ShapeFromInput<int64_t>(ctx, shape)
                                         : ShapeFromInput<int32_t>(ctx, shape);
}

Status EvalUniform(OpContext& ctx) {
  if (!ctx.op_data_as<UniformData>()->alg_checked) {
    TFLM_RETURN_IF_ERROR(CheckAlg(ctx, ctx.input(3)));
  }
  const uint64_t* key_in = ctx.input(1)->data_as<const uint64_t>();
  const uint64_t* counter_in = ctx.input(2)->data_as<const uint64_t>();
  uint32_t key[2], counter[4];
  philox::SplitU64(key_in[0], &key[0], &key[1]);
  philox::SplitU64(counter_in[0], &counter[0], &counter[1]);
  philox::SplitU64(counter_in[1], &counter[2], &counter[3]);
  Tensor* out = ctx.output(0);
  const int64_t n = out->NumElements();
  switch (out->type) {
    case DataType::kFloat64:
      philox::FillUniform<philox::UniformDouble>(key, counter, out->data_as<double>(), n);
      break;
    case DataType::kFloat16:
      philox::FillUniform<philox::UniformHalf>(key, counter, out->data_as<uint16_t>(), n);
      break;
    default:
      philox::FillUniform<philox::UniformFloat>(key, counter, out->data_as<float>(), n);
      break;
  }
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexStatelessRandomGetKeyCounter() {
  static const OpRegistration r = {"FlexStatelessRandomGetKeyCounter", InitKeyCounter,
                                   PrepareKeyCounter, EvalKeyCounter, nullptr, 0, nullptr,
                                   "seed", "key, counter", nullptr};
  return &r;
}

const OpRegistration* Register_FlexStatelessRandomUniformV2() {
  static const OpRegistration r = {"FlexStatelessRandomUniformV2", InitUniform, PrepareUniform,
                                   EvalUniform, nullptr, 0, nullptr,
                                   "shape, key, counter, alg", "output", nullptr};
  return &r;
}

}  // namespace tflm
