// BroadcastGradientArgs(s0, s1) -> (r0, r1): for two shapes that broadcast
// together, the axes of the broadcast result over which each input's
// gradient must be summed. Semantics observed in TensorFlow 2.21:
//   - identical shapes give two empty lists (even [1] and [1]);
//   - otherwise both shapes are left-padded with 1s to the larger rank R, and
//     axis i in [0, R) goes into r0 when s0's padded dim i is 1, into r1 when
//     s1's is 1 (an axis where both are 1 goes into both);
//   - dims that are neither equal nor 1 are an error.
// r0 feeds a SUM's reduction axes, so the values are computed at prepare from
// inputs whose values are known then (SHAPE outputs, constants); eval has
// nothing left to do.
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

// A shape vector left-padded with 1s to `rank` entries.
template <typename T>
struct PaddedShape {
  const T* dims;
  int32_t size;
  int32_t rank;
  int64_t operator[](int32_t i) const {
    const int32_t k = i - (rank - size);
    return k < 0 ? 1 : static_cast<int64_t>(dims[k]);
  }
};

// Writes the reduction axes of `x` (or only counts them when `out` is null).
template <typename T>
int32_t ReductionAxes(const PaddedShape<T>& x, T* out) {
  int32_t n = 0;
  for (int32_t i = 0; i < x.rank; ++i) {
    if (x[i] == 1) {
      if (out != nullptr) out[n] = static_cast<T>(i);
      ++n;
    }
  }
  return n;
}

template <typename T>
Status PrepareTyped(OpContext& ctx, const Tensor* t0, const Tensor* t1) {
  const T* d0 = t0->data_as<const T>();
  const T* d1 = t1->data_as<const T>();
  const int32_t n0 = t0->dims[0], n1 = t1->dims[0];
  const int32_t rank = n0 > n1 ? n0 : n1;
  const PaddedShape<T> s0 = {d0, n0, rank};
  const PaddedShape<T> s1 = {d1, n1, rank};
  bool identical = n0 == n1;
  for (int32_t i = 0; i < rank; ++i) {
    const int64_t a = s0[i], b = s1[i];
    if (a < 0 || b < 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "BroadcastGradientArgs: shape dimension %d is negative (%lld vs %lld)",
                       static_cast<int>(i), static_cast<long long>(a),
                       static_cast<long long>(b));
    }
    if (a != b && a != 1 && b != 1) {
      return ctx.Error(Status::kInvalidArgument,
                       "BroadcastGradientArgs: incompatible shapes: dimension %d is %lld vs "
                       "%lld",
                       static_cast<int>(i), static_cast<long long>(a),
                       static_cast<long long>(b));
    }
    identical = identical && a == b;
  }
  const int32_t count0 = identical ? 0 : ReductionAxes<T>(s0, nullptr);
  const int32_t count1 = identical ? 0 : ReductionAxes<T>(s1, nullptr);
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, &count0, 1));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(1, &count1, 1));
  TFLM_RETURN_IF_ERROR(ctx.MaterializeOutput(0));
  TFLM_RETURN_IF_ERROR(ctx.MaterializeOutput(1));
  if (!identical) {
    ReductionAxes<T>(s0, ctx.output(0)->data_as<T>());
    ReductionAxes<T>(s1, ctx.output(1)->data_as<T>());
  }
  return Status::kOk;
}

Status Init(OpContext& ctx) {
  NodeDef node;
  return ReadFlexNodeDef(ctx, "BroadcastGradientArgs", &node);
}

Status Prepare(OpContext& ctx) {
  const Tensor* s0 = ctx.input(0);
  const Tensor* s1 = ctx.input(1);
  if (s0->type != DataType::kInt32 && s0->type != DataType::kInt64) {
    return ctx.Error(Status::kUnsupported,
                     "BroadcastGradientArgs: s0 has dtype %s (int32 or int64 supported)",
                     DataTypeName(s0->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(s1, s0->type, "s1"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), s0->type, "r0"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(1), s0->type, "r1"));
  if (s0->rank != 1 || s1->rank != 1) {
    return ctx.Error(Status::kInvalidArgument,
                     "BroadcastGradientArgs: s0 and s1 must be vectors (ranks %d and %d)",
                     s0->rank, s1->rank);
  }
  if (!OpContext::ValueKnownAtPrepare(s0) || !OpContext::ValueKnownAtPrepare(s1) ||
      (s0->dims[0] > 0 && s0->data == nullptr) || (s1->dims[0] > 0 && s1->data == nullptr)) {
    return ctx.Error(Status::kUnsupported,
                     "BroadcastGradientArgs: s0 and s1 must be known at prepare (constants, "
                     "or computed from shapes such as SHAPE outputs); their outputs feed "
                     "reduction axes");
  }
  return s0->type == DataType::kInt64 ? PrepareTyped<int64_t>(ctx, s0, s1)
                                      : PrepareTyped<int32_t>(ctx, s0, s1);
}

// The outputs were written at prepare.
Status Eval(OpContext&) { return Status::kOk; }

}  // namespace

const OpRegistration* Register_FlexBroadcastGradientArgs() {
  static const OpRegistration r = {"FlexBroadcastGradientArgs", Init, Prepare, Eval, nullptr,
                                   0, nullptr, "s0, s1", "r0, r1", nullptr};
  return &r;
}

}  // namespace tflm
