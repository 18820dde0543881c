// RANDOM_UNIFORM: float32 values uniform in [0, 1) with the shape given by
// its int32 input (known at prepare: a constant, or shape arithmetic such as
// the SHAPE of the activations a dropout masks).
//
// The generator is TensorFlow's Philox-4x32-10 (kernels/internal/philox.h)
// set up as TFLite's kernel sets it up from the op's (seed, seed2) options:
// key = seed, counter = (0, seed2); each invoke continues the sequence and
// Reset() restarts it. So with nonzero seeds the first invoke gives
// tf.lite.Interpreter's values bit for bit (TFLite restarts the sequence at
// every prepare, this runtime at Reset()). Seeds (0, 0), which TFLite
// replaces by random ones, use a fixed key here so runs stay reproducible.
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/philox.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kSeedField = 0;   // RandomOptions.seed (int64)
constexpr int kSeed2Field = 1;  // RandomOptions.seed2 (int64)

struct RandomData {
  uint32_t key[2];
  uint32_t counter[4];        // the next block's counter
  uint32_t first_counter[4];  // where Reset() restarts
};

Status Init(OpContext& ctx) {
  RandomData* d = ctx.AllocateOpData<RandomData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  const fb::Table options = ctx.builtin_options();
  uint64_t seed = static_cast<uint64_t>(options.Scalar<int64_t>(kSeedField, 0));
  uint64_t seed2 = static_cast<uint64_t>(options.Scalar<int64_t>(kSeed2Field, 0));
  if (seed == 0 && seed2 == 0) seed = 0x5eed5eed5eed5eedull;
  philox::SplitU64(seed, &d->key[0], &d->key[1]);
  d->first_counter[0] = d->first_counter[1] = 0;
  philox::SplitU64(seed2, &d->first_counter[2], &d->first_counter[3]);
  memcpy(d->counter, d->first_counter, sizeof(d->counter));
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* shape = ctx.input(0);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), DataType::kFloat32, "output"));
  if (shape->type != DataType::kInt32 || shape->rank != 1 || shape->dims[0] > kMaxRank) {
    return ctx.Error(Status::kUnsupported, "shape must be an int32 vector of at most %d entries",
                     kMaxRank);
  }
  if (!OpContext::ValueKnownAtPrepare(shape)) {
    return ctx.Error(Status::kUnsupported,
                     "shape (input 0, '%s') must be a constant or computed at prepare time",
                     ctx.input_name(0));
  }
  return ctx.SetOutputShape(0, shape->data_as<const int32_t>(), shape->dims[0]);
}

Status Eval(OpContext& ctx) {
  RandomData* d = ctx.op_data_as<RandomData>();
  philox::FillUniform<philox::UniformFloat>(d->key, d->counter,
                                            ctx.output(0)->data_as<float>(),
                                            ctx.output(0)->NumElements());
  return Status::kOk;
}

void Reset(OpContext& ctx) {
  RandomData* d = ctx.op_data_as<RandomData>();
  if (d != nullptr) memcpy(d->counter, d->first_counter, sizeof(d->counter));
}

}  // namespace

const OpRegistration* Register_RANDOM_UNIFORM() {
  static const OpRegistration r = {"RANDOM_UNIFORM", Init, Prepare, Eval, Reset, 1, nullptr,
                                   "shape", "output", nullptr};
  return &r;
}

}  // namespace tflm
