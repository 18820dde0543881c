// SELECT and SELECT_V2: out = condition ? x : y.
//
// SELECT (v1) takes a condition of the same shape as x and y, a scalar, or a
// rank-1 condition that picks whole slices along x's first dimension.
// SELECT_V2 broadcasts all three inputs. Both reduce to one three-input
// broadcast loop; the payload is moved by element size, so every dtype of a
// given width shares one instantiation.
#include <cstdint>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/binary_broadcast.h"
#include "tensorflow/lite/micro/kernels/internal/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct SelectOpData {
  BroadcastPlan plan;
  uint8_t element_size;
};

struct SelectFn {
  template <typename T>
  T operator()(bool c, T x, T y) const { return c ? x : y; }
};

bool SupportedType(DataType t) {
  switch (t) {
    case DataType::kBool:
    case DataType::kFloat32:
    case DataType::kUInt8:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kUInt32:
    case DataType::kInt64:
      return true;
    default:
      return false;
  }
}

template <bool kBroadcastAll>
Status SelectPrepare(OpContext& ctx) {
  const Tensor* cond = ctx.input(0);
  const Tensor* x = ctx.input(1);
  const Tensor* y = ctx.input(2);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(cond, DataType::kBool, "condition"));
  if (x->type != y->type) {
    return ctx.Error(Status::kInvalidArgument,
                     "x and y must have the same dtype, got %s and %s",
                     DataTypeName(x->type), DataTypeName(y->type));
  }
  if (!SupportedType(x->type)) {
    return ctx.Error(Status::kUnsupported, "%s inputs are not supported",
                     DataTypeName(x->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), x->type, "output"));
  SelectOpData* d = ctx.AllocateOpData<SelectOpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->element_size = static_cast<uint8_t>(DataTypeSize(x->type));

  // SELECT's rank-1 condition is read as shape [n, 1, ..., 1].
  int32_t cond_dims[kMaxRank];
  ShapeRef shapes[3] = {ShapeOf(cond), ShapeOf(x), ShapeOf(y)};
  int32_t out_dims[kMaxRank];
  int out_rank = 0;
  if (kBroadcastAll) {
    if (!BroadcastShapesN(shapes, 3, out_dims, &out_rank)) {
      char a[64], b[64], c[64];
      return ctx.Error(Status::kInvalidArgument,
                       "condition %s, x %s and y %s do not broadcast",
                       FormatShape(shapes[0], a, sizeof(a)),
                       FormatShape(shapes[1], b, sizeof(b)),
                       FormatShape(shapes[2], c, sizeof(c)));
    }
  } else {
    const bool same = SameShape(cond, x) && SameShape(x, y);
    const bool scalar = cond->rank == 0;
    const bool rank_one =
        cond->rank == 1 && x->rank >= 1 && cond->dims[0] == x->dims[0];
    if (!same && !((scalar || rank_one) && SameShape(x, y))) {
      char a[64], b[64], c[64];
      return ctx.Error(Status::kInvalidArgument,
                       "condition %s must match x %s (or be a scalar or a "
                       "vector over x's first dimension) and x must match y %s",
                       FormatShape(shapes[0], a, sizeof(a)),
                       FormatShape(shapes[1], b, sizeof(b)),
                       FormatShape(shapes[2], c, sizeof(c)));
    }
    if (!same && rank_one) {
      cond_dims[0] = cond->dims[0];
      for (int i = 1; i < x->rank; ++i) cond_dims[i] = 1;
      shapes[0] = ShapeRef{cond_dims, x->rank};
    }
    out_rank = x->rank;
    for (int i = 0; i < out_rank; ++i) out_dims[i] = x->dims[i];
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, out_rank));
  MakeBroadcastPlan(shapes, 3, out_dims, out_rank, &d->plan);
  return Status::kOk;
}

template <typename T>
Status Run(OpContext& ctx, const BroadcastPlan& plan) {
  TernaryLoop(plan, static_cast<const bool*>(ctx.input(0)->data),
              static_cast<const T*>(ctx.input(1)->data),
              static_cast<const T*>(ctx.input(2)->data),
              static_cast<T*>(ctx.output(0)->data), SelectFn());
  return Status::kOk;
}

Status SelectEval(OpContext& ctx) {
  const SelectOpData& d = *ctx.op_data_as<SelectOpData>();
  switch (d.element_size) {
    case 1:
      return Run<uint8_t>(ctx, d.plan);
    case 2:
      return Run<uint16_t>(ctx, d.plan);
    case 4:
      return Run<uint32_t>(ctx, d.plan);
    case 8:
      return Run<uint64_t>(ctx, d.plan);
    default:
      return ctx.Error(Status::kInternal, "unexpected element size %d",
                       d.element_size);
  }
}

}  // namespace

// Versions (TFLite's op_version.cc): SELECT 4 = uint32 (3 = 5-D inputs),
// SELECT_V2 2 = uint32.
const OpRegistration* Register_SELECT() {
  static const OpRegistration r = {"SELECT", nullptr, SelectPrepare<false>,
                                   SelectEval, nullptr, 4, nullptr,
                                   "condition, x, y", "output", nullptr};
  return &r;
}
const OpRegistration* Register_SELECT_V2() {
  static const OpRegistration r = {"SELECT_V2", nullptr, SelectPrepare<true>,
                                   SelectEval, nullptr, 2, nullptr,
                                   "condition, x, y", "output", nullptr};
  return &r;
}

}  // namespace tflm
