// STRIDED_SLICE with TensorFlow's begin/end/ellipsis/new-axis/shrink-axis
// masks and negative strides. begin, end and strides (inputs 1-3) must be
// known at prepare; prepare resolves the masks into one start, step and count
// per input dimension and builds a copy plan (new and shrunk axes have size 1
// and do not change the data layout).
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// StridedSliceOptions fields.
constexpr int kBeginMaskField = 0;
constexpr int kEndMaskField = 1;
constexpr int kEllipsisMaskField = 2;
constexpr int kNewAxisMaskField = 3;
constexpr int kShrinkAxisMaskField = 4;
constexpr int kOffsetField = 5;

// Sparse entries: one per begin/end/strides value.
constexpr int kMaxEntries = 2 * kMaxRank;

struct Masks {
  int32_t begin, end, ellipsis, new_axis, shrink;
};

int32_t Clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// Resolves one sliced input dimension of size `dim` for sparse entry `i`.
Status ResolveDim(OpContext& ctx, int i, int32_t dim, int32_t begin,
                  int32_t end, int32_t stride, const Masks& m, int32_t* start,
                  int32_t* step, int32_t* count, bool* keep) {
  const int32_t bit = 1 << i;
  if ((m.shrink & bit) != 0) {
    int32_t b = begin < 0 ? begin + dim : begin;
    if (b < 0 || b >= dim) {
      return ctx.Error(Status::kInvalidArgument,
                       "index %d is out of range for dimension of size %d",
                       static_cast<int>(begin), static_cast<int>(dim));
    }
    *start = b;
    *step = 1;
    *count = 1;
    *keep = false;
    return Status::kOk;
  }
  if (stride == 0) {
    return ctx.Error(Status::kInvalidArgument, "stride %d is zero", i);
  }
  const bool forward = stride > 0;
  const int32_t lo = forward ? 0 : -1;
  const int32_t hi = forward ? dim : dim - 1;
  int32_t b;
  int32_t e;
  if ((m.begin & bit) != 0) {
    b = forward ? 0 : dim - 1;
  } else {
    b = Clamp(begin < 0 ? begin + dim : begin, lo, hi);
  }
  if ((m.end & bit) != 0) {
    e = forward ? dim : -1;
  } else {
    e = Clamp(end < 0 ? end + dim : end, lo, hi);
  }
  const int64_t span = forward ? static_cast<int64_t>(e) - b
                               : static_cast<int64_t>(b) - e;
  const int64_t abs_stride = forward ? stride : -static_cast<int64_t>(stride);
  const int64_t n = span <= 0 ? 0 : (span + abs_stride - 1) / abs_stride;
  *start = n == 0 ? 0 : b;
  *step = stride;
  *count = static_cast<int32_t>(n);
  *keep = true;
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  const fb::Table options = ctx.builtin_options();
  if (options.Bool(kOffsetField, false)) {
    return ctx.Error(Status::kUnsupported,
                     "the offset option is not supported");
  }
  Masks m;
  m.begin = options.Scalar<int32_t>(kBeginMaskField, 0);
  m.end = options.Scalar<int32_t>(kEndMaskField, 0);
  m.ellipsis = options.Scalar<int32_t>(kEllipsisMaskField, 0);
  m.new_axis = options.Scalar<int32_t>(kNewAxisMaskField, 0);
  m.shrink = options.Scalar<int32_t>(kShrinkAxisMaskField, 0);

  int32_t begin[kMaxEntries];
  int32_t end[kMaxEntries];
  int32_t strides[kMaxEntries];
  int nb = 0;
  int ne = 0;
  int ns = 0;
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 1, "begin", begin, kMaxEntries,
                                           &nb));
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 2, "end", end, kMaxEntries,
                                           &ne));
  TFLM_RETURN_IF_ERROR(ReadPrepareTimeInts(ctx, 3, "strides", strides,
                                           kMaxEntries, &ns));
  if (nb != ne || nb != ns) {
    return ctx.Error(Status::kInvalidArgument,
                     "begin, end and strides have %d, %d and %d entries", nb, ne, ns);
  }
  const int n = nb;
  const int rank = input->rank;
  // The first ellipsis stands for the dimensions no other entry consumes; an
  // absent ellipsis is implied after the last entry.
  int ellipsis = n;
  int consumed = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t bit = 1 << i;
    if ((m.ellipsis & bit) != 0) {
      if (ellipsis != n) {
        return ctx.Error(Status::kInvalidArgument, "more than one ellipsis");
      }
      ellipsis = i;
    } else if ((m.new_axis & bit) == 0) {
      ++consumed;
    }
  }
  if (consumed > rank) {
    return ctx.Error(Status::kInvalidArgument,
                     "%d sliced dimensions for an input of rank %d", consumed, rank);
  }
  int32_t start[kMaxRank];
  int32_t step[kMaxRank];
  int32_t count[kMaxRank];
  int32_t out_dims[kMaxEntries];
  int out_rank = 0;
  int d = 0;  // next input dimension
  for (int i = 0; i <= n; ++i) {
    if (i == ellipsis) {
      for (int k = 0; k < rank - consumed; ++k, ++d) {
        start[d] = 0;
        step[d] = 1;
        count[d] = input->dims[d];
        out_dims[out_rank++] = count[d];
      }
      continue;
    }
    if (i == n) break;
    if ((m.new_axis & (1 << i)) != 0) {
      out_dims[out_rank++] = 1;
      continue;
    }
    bool keep = true;
    TFLM_RETURN_IF_ERROR(ResolveDim(ctx, i, input->dims[d], begin[i], end[i],
                                    strides[i], m, &start[d], &step[d],
                                    &count[d], &keep));
    if (keep) out_dims[out_rank++] = count[d];
    ++d;
  }
  if (out_rank > kMaxRank) {
    return ctx.Error(Status::kUnsupported, "output rank %d exceeds %d",
                     out_rank,
                     kMaxRank);
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, out_rank));
  CopyPlan* plan = ctx.AllocateOpData<CopyPlan>();
  if (plan == nullptr) return Status::kArenaTooSmall;
  MakeSliceCopy(input->dims, start, step, count, rank, elem_size, plan);
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  ctx.op_data_as<CopyPlan>()->Run(ctx.input(0)->data, ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_STRIDED_SLICE() {
  // Version 5 adds string tensors (rejected at prepare); version 8 (the
  // offset option) is not supported.
  static const OpRegistration r = {"STRIDED_SLICE", nullptr, Prepare, Eval,
                                   nullptr, 7, nullptr,
                                   "input, begin, end, strides", "output", nullptr};
  return &r;
}

}  // namespace tflm
