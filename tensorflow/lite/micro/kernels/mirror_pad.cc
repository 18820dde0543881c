// MIRROR_PAD: pads with a mirror image of the input, REFLECT (edge not
// repeated) or SYMMETRIC (edge repeated). Eval copies the input into the
// output's interior, then fills the borders axis by axis, innermost first,
// each border being a copy inside the output with a reversed step along its
// axis; every source region is complete when it is read.
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/shape_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kModeField = 0;  // MirrorPadOptions.mode
constexpr int8_t kReflect = 0;
constexpr int8_t kSymmetric = 1;

struct OpData {
  int32_t num_plans;
  CopyPlan* plans;  // [0]: input to interior; then the borders, in order
};

// The plan of one border of axis `axis`: `n` slices written from output
// position `dst_pos` on, read backwards from output position `src_pos`.
void MakeBorder(const int32_t* in_dims, const int32_t* out_dims,
                const int32_t* before, int rank, int axis, int32_t n,
                int32_t dst_pos, int32_t src_pos, uint32_t elem_size,
                CopyPlan* plan) {
  int64_t strides[kMaxRank];
  ElementStrides(out_dims, rank, strides);
  plan->Init(elem_size);
  int64_t src = 0;
  int64_t dst = 0;
  for (int d = 0; d < rank; ++d) {
    const int32_t stride = static_cast<int32_t>(strides[d] * elem_size);
    if (d < axis) {
      // Only the rows already filled: the interior of outer axes.
      src += before[d] * strides[d];
      dst += before[d] * strides[d];
      (void)plan->AddLoop(in_dims[d], stride, stride);
    } else if (d == axis) {
      src += src_pos * strides[d];
      dst += dst_pos * strides[d];
      (void)plan->AddLoop(n, -stride, stride);
    } else {
      (void)plan->AddLoop(out_dims[d], stride, stride);
    }
  }
  plan->src_offset = static_cast<int32_t>(src * elem_size);
  plan->dst_offset = static_cast<int32_t>(dst * elem_size);
  plan->Finalize();
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  uint32_t elem_size = 0;
  TFLM_RETURN_IF_ERROR(ByteMoverElementSize(ctx, input, "input", &elem_size));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  const int8_t mode = ctx.builtin_options().Scalar<int8_t>(kModeField,
                                                           kReflect);
  if (mode != kReflect && mode != kSymmetric) {
    return ctx.Error(Status::kInvalidArgument, "unknown mirror pad mode %d",
                     mode);
  }
  // REFLECT mirrors around the edge element, so it can add one less.
  const int32_t edge = mode == kReflect ? 1 : 0;
  const int rank = input->rank;
  int32_t before[kMaxRank];
  int32_t after[kMaxRank];
  TFLM_RETURN_IF_ERROR(ReadPaddings(ctx, input, before, after));
  int32_t dims[kMaxRank];
  int num_plans = 1;
  for (int d = 0; d < rank; ++d) {
    const int32_t limit = input->dims[d] - edge;
    if (before[d] > limit || after[d] > limit) {
      return ctx.Error(Status::kInvalidArgument,
                       "padding of dimension %d exceeds %d for %s mode", d,
                       static_cast<int>(limit < 0 ? 0 : limit),
                       mode == kReflect ? "REFLECT" : "SYMMETRIC");
    }
    dims[d] = input->dims[d] + before[d] + after[d];
    num_plans += (before[d] > 0) + (after[d] > 0);
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, dims, rank));
  OpData* data = ctx.AllocateOpData<OpData>();
  if (data == nullptr) return Status::kArenaTooSmall;
  data->plans = ctx.AllocatePersistentArray<CopyPlan>(num_plans);
  if (data->plans == nullptr) return Status::kArenaTooSmall;
  data->num_plans = num_plans;
  MakeEmbedCopy(input->dims, dims, before, rank, elem_size, &data->plans[0]);
  int k = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int32_t b = before[d];
    const int32_t in = input->dims[d];
    if (b > 0) {
      // Output position p < b mirrors output position 2b - p - 1 + edge.
      MakeBorder(input->dims, dims, before, rank, d, b, 0, 2 * b - 1 + edge,
                 elem_size, &data->plans[k++]);
    }
    if (after[d] > 0) {
      // Output position b + in + q mirrors b + in - 1 - q - edge.
      MakeBorder(input->dims, dims, before, rank, d, after[d], b + in,
                 b + in - 1 - edge, elem_size, &data->plans[k++]);
    }
  }
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  void* out = ctx.output(0)->data;
  d.plans[0].Run(ctx.input(0)->data, out);
  for (int i = 1; i < d.num_plans; ++i) d.plans[i].Run(out, out);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_MIRROR_PAD() {
  static const OpRegistration r = {"MIRROR_PAD", nullptr, Prepare, Eval,
                                   nullptr, 3, nullptr, "input, paddings", "output", nullptr};
  return &r;
}

}  // namespace tflm
