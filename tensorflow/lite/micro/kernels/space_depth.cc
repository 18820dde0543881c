// SPACE_TO_DEPTH and DEPTH_TO_SPACE (NHWC, TensorFlow's "DCR" order): each
// block_size x block_size patch of the spatial tensor is one pixel of the
// depth tensor, its channels laid out as [block row][block column][channel].
// Both ops are the same copy in opposite directions; elements are moved as
// bytes, so one code path serves every dtype.
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kBlockSizeField = 0;  // SpaceToDepthOptions / DepthToSpaceOptions

// Checked by the interpreter before prepare: the shapes divide by it.
constexpr OptionRange kBlockSizeOptions[] = {
    {"block_size", kBlockSizeField, 4, 0, 1, INT32_MAX},
    {nullptr, 0, 0, 0, 0, 0},
};

struct OpData {
  int32_t block_size;
  // Shapes in the depth-side tensor's terms (the spatially smaller one).
  int32_t batches;
  int32_t depth_height;
  int32_t depth_width;
  size_t chunk_bytes;  // one spatial pixel's channels
};

// Copies between the spatial tensor `space` and the depth tensor `depth`.
void Rearrange(const OpData& d, const uint8_t* src, uint8_t* dst, bool to_depth) {
  const int32_t bs = d.block_size;
  const size_t chunk = d.chunk_bytes;
  const int64_t space_height = static_cast<int64_t>(d.depth_height) * bs;
  const int64_t space_width = static_cast<int64_t>(d.depth_width) * bs;
  size_t depth_offset = 0;
  for (int32_t b = 0; b < d.batches; ++b) {
    for (int32_t h = 0; h < d.depth_height; ++h) {
      for (int32_t w = 0; w < d.depth_width; ++w) {
        for (int32_t by = 0; by < bs; ++by) {
          const int64_t space_row = (b * space_height + h * bs + by) * space_width;
          for (int32_t bx = 0; bx < bs; ++bx) {
            const size_t space_offset =
                static_cast<size_t>(space_row + w * bs + bx) * chunk;
            if (to_depth) {
              memcpy(dst + depth_offset, src + space_offset, chunk);
            } else {
              memcpy(dst + space_offset, src + depth_offset, chunk);
            }
            depth_offset += chunk;
          }
        }
      }
    }
  }
}

Status Init(OpContext& ctx) {
  OpData* d = ctx.AllocateOpData<OpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->block_size = ctx.builtin_options().Scalar<int32_t>(kBlockSizeField, 0);
  return Status::kOk;
}

Status PrepareCommon(OpContext& ctx, bool to_depth) {
  const Tensor* input = ctx.input(0);
  TFLM_RETURN_IF_ERROR(misc::ExpectMovableType(ctx, input, "input"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  if (input->rank != 4) {
    return ctx.Error(Status::kInvalidArgument, "input must be 4-D (NHWC), got rank %d",
                     static_cast<int>(input->rank));
  }
  OpData* d = ctx.op_data_as<OpData>();
  const int32_t bs = d->block_size;
  if (bs < 1) {
    return ctx.Error(Status::kInvalidArgument, "block_size must be >= 1, got %d",
                     static_cast<int>(bs));
  }
  const int32_t batches = input->dims[0];
  const int32_t height = input->dims[1];
  const int32_t width = input->dims[2];
  const int32_t channels = input->dims[3];
  int32_t out_dims[4];
  // The block's area and the grown dimensions must fit int32 (hostile
  // block sizes would overflow them).
  const int64_t area = static_cast<int64_t>(bs) * bs;
  const int64_t grown = to_depth ? area * channels
                                 : static_cast<int64_t>(bs) * (height > width ? height : width);
  if (area > INT32_MAX || grown > INT32_MAX) {
    return ctx.Error(Status::kInvalidArgument,
                     "block_size %d is too large for an input of shape [%d, %d, %d, %d]",
                     static_cast<int>(bs), static_cast<int>(batches), static_cast<int>(height),
                     static_cast<int>(width), static_cast<int>(channels));
  }
  if (to_depth) {
    if (height % bs != 0 || width % bs != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "input height %d and width %d must be multiples of "
                       "block_size %d",
                       static_cast<int>(height), static_cast<int>(width),
                       static_cast<int>(bs));
    }
    d->depth_height = height / bs;
    d->depth_width = width / bs;
    d->chunk_bytes = DataTypeSize(input->type) * static_cast<size_t>(channels);
    out_dims[0] = batches;
    out_dims[1] = height / bs;
    out_dims[2] = width / bs;
    out_dims[3] = channels * bs * bs;
  } else {
    if (channels % (bs * bs) != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "input depth %d must be a multiple of block_size^2 = %d",
                       static_cast<int>(channels), static_cast<int>(bs * bs));
    }
    d->depth_height = height;
    d->depth_width = width;
    d->chunk_bytes = DataTypeSize(input->type) * static_cast<size_t>(channels / (bs * bs));
    out_dims[0] = batches;
    out_dims[1] = height * bs;
    out_dims[2] = width * bs;
    out_dims[3] = channels / (bs * bs);
  }
  d->batches = batches;
  return ctx.SetOutputShape(0, out_dims, 4);
}

Status PrepareSpaceToDepth(OpContext& ctx) { return PrepareCommon(ctx, true); }
Status PrepareDepthToSpace(OpContext& ctx) { return PrepareCommon(ctx, false); }

Status EvalSpaceToDepth(OpContext& ctx) {
  Rearrange(*ctx.op_data_as<OpData>(), ctx.input(0)->data_as<const uint8_t>(),
            ctx.output(0)->data_as<uint8_t>(), true);
  return Status::kOk;
}

Status EvalDepthToSpace(OpContext& ctx) {
  Rearrange(*ctx.op_data_as<OpData>(), ctx.input(0)->data_as<const uint8_t>(),
            ctx.output(0)->data_as<uint8_t>(), false);
  return Status::kOk;
}

}  // namespace

// Version 2 adds int8.
const OpRegistration* Register_SPACE_TO_DEPTH() {
  static const OpRegistration r = {"SPACE_TO_DEPTH", Init, PrepareSpaceToDepth,
                                   EvalSpaceToDepth, nullptr, 2, nullptr,
                                   "input", "output", kBlockSizeOptions};
  return &r;
}

const OpRegistration* Register_DEPTH_TO_SPACE() {
  static const OpRegistration r = {"DEPTH_TO_SPACE", Init, PrepareDepthToSpace,
                                   EvalDepthToSpace, nullptr, 2, nullptr,
                                   "input", "output", kBlockSizeOptions};
  return &r;
}

}  // namespace tflm
