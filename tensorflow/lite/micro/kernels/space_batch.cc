// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on 4-D NHWC (and 3-D NHC) tensors.
// block_shape and paddings/crops must be constant: they decide the output
// shape. Padding writes the value that represents 0.0: the output zero point
// for int8/uint8/int16, else 0. Elements are moved as bytes, so one code path
// serves every dtype.
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

struct OpData {
  int32_t block_height;
  int32_t block_width;
  int32_t pad_top;   // crop_top for BATCH_TO_SPACE_ND
  int32_t pad_left;  // crop_left
  int32_t in_batch, in_height, in_width;
  int32_t out_batch, out_height, out_width;
  size_t element_size;
  size_t pixel_bytes;  // one pixel's channels
  uint8_t pad_value[8];
};

void SpaceToBatch(const OpData& d, const uint8_t* src, uint8_t* dst) {
  const size_t pixel = d.pixel_bytes;
  const int64_t pixel_elements = static_cast<int64_t>(pixel / d.element_size);
  for (int32_t ob = 0; ob < d.out_batch; ++ob) {
    const int32_t ib = ob % d.in_batch;
    const int32_t shift = ob / d.in_batch;
    const int32_t shift_h = shift / d.block_width;
    const int32_t shift_w = shift % d.block_width;
    const uint8_t* image =
        src + static_cast<size_t>(ib) * d.in_height * d.in_width * pixel;
    for (int32_t oh = 0; oh < d.out_height; ++oh) {
      const int32_t ih = oh * d.block_height + shift_h - d.pad_top;
      if (ih < 0 || ih >= d.in_height) {
        misc::FillElements(dst, d.pad_value, d.element_size,
                           pixel_elements * d.out_width);
        dst += pixel * d.out_width;
        continue;
      }
      const uint8_t* row = image + static_cast<size_t>(ih) * d.in_width * pixel;
      for (int32_t ow = 0; ow < d.out_width; ++ow) {
        const int32_t iw = ow * d.block_width + shift_w - d.pad_left;
        if (iw < 0 || iw >= d.in_width) {
          misc::FillElements(dst, d.pad_value, d.element_size, pixel_elements);
        } else {
          memcpy(dst, row + static_cast<size_t>(iw) * pixel, pixel);
        }
        dst += pixel;
      }
    }
  }
}

void BatchToSpace(const OpData& d, const uint8_t* src, uint8_t* dst) {
  const size_t pixel = d.pixel_bytes;
  for (int32_t ib = 0; ib < d.in_batch; ++ib) {
    const int32_t ob = ib % d.out_batch;
    const int32_t shift = ib / d.out_batch;
    const int32_t shift_h = shift / d.block_width;
    const int32_t shift_w = shift % d.block_width;
    uint8_t* image = dst + static_cast<size_t>(ob) * d.out_height * d.out_width * pixel;
    for (int32_t ih = 0; ih < d.in_height; ++ih) {
      const int32_t oh = ih * d.block_height + shift_h - d.pad_top;
      if (oh < 0 || oh >= d.out_height) continue;
      const uint8_t* in_row =
          src + (static_cast<size_t>(ib) * d.in_height + ih) * d.in_width * pixel;
      uint8_t* out_row = image + static_cast<size_t>(oh) * d.out_width * pixel;
      for (int32_t iw = 0; iw < d.in_width; ++iw) {
        const int32_t ow = iw * d.block_width + shift_w - d.pad_left;
        if (ow < 0 || ow >= d.out_width) continue;
        memcpy(out_row + static_cast<size_t>(ow) * pixel,
               in_row + static_cast<size_t>(iw) * pixel, pixel);
      }
    }
  }
}

// Reads block_shape (input 1) and paddings/crops (input 2) for a 3-D or 4-D
// input; fills the block and before/after amounts of the two spatial
// dimensions (a 3-D input has width 1 and block width 1).
Status ReadBlockParameters(OpContext& ctx, const char* pads_name, int32_t block[2],
                           int32_t before[2], int32_t after[2]) {
  const Tensor* input = ctx.input(0);
  if (input->rank != 3 && input->rank != 4) {
    return ctx.Error(Status::kInvalidArgument, "input must be 3-D or 4-D, got rank %d",
                     static_cast<int>(input->rank));
  }
  TFLM_RETURN_IF_ERROR(misc::ExpectShapeParameter(ctx, 1, "block_shape", DataType::kInt32));
  TFLM_RETURN_IF_ERROR(misc::ExpectShapeParameter(ctx, 2, pads_name, DataType::kInt32));
  const int spatial = input->rank - 2;
  const Tensor* block_shape = ctx.input(1);
  const Tensor* pads = ctx.input(2);
  if (block_shape->NumElements() != spatial || pads->NumElements() != 2 * spatial) {
    return ctx.Error(Status::kInvalidArgument,
                     "a rank-%d input needs block_shape [%d] and %s [%d, 2]",
                     static_cast<int>(input->rank), spatial, pads_name, spatial);
  }
  for (int i = 0; i < 2; ++i) {
    block[i] = i < spatial ? misc::ReadInt32(block_shape, i) : 1;
    before[i] = i < spatial ? misc::ReadInt32(pads, 2 * i) : 0;
    after[i] = i < spatial ? misc::ReadInt32(pads, 2 * i + 1) : 0;
    if (block[i] < 1 || before[i] < 0 || after[i] < 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "block_shape must be >= 1 and %s >= 0 (dimension %d: "
                       "block %d, %d/%d)",
                       pads_name, i, static_cast<int>(block[i]),
                       static_cast<int>(before[i]), static_cast<int>(after[i]));
    }
  }
  return Status::kOk;
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() == nullptr ? Status::kArenaTooSmall
                                                 : Status::kOk;
}

Status PrepareCommon(OpContext& ctx, bool to_batch) {
  const Tensor* input = ctx.input(0);
  TFLM_RETURN_IF_ERROR(misc::ExpectMovableType(ctx, input, "input"));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  int32_t block[2] = {1, 1};
  int32_t before[2] = {0, 0};
  int32_t after[2] = {0, 0};
  TFLM_RETURN_IF_ERROR(
      ReadBlockParameters(ctx, to_batch ? "paddings" : "crops", block, before, after));
  OpData* d = ctx.op_data_as<OpData>();
  const int rank = input->rank;
  d->block_height = block[0];
  d->block_width = block[1];
  d->pad_top = before[0];
  d->pad_left = before[1];
  d->in_batch = input->dims[0];
  d->in_height = input->dims[1];
  d->in_width = rank == 4 ? input->dims[2] : 1;
  const int32_t channels = input->dims[rank - 1];
  const int32_t blocks = block[0] * block[1];
  if (to_batch) {
    const int32_t padded_h = d->in_height + before[0] + after[0];
    const int32_t padded_w = d->in_width + before[1] + after[1];
    if (padded_h % block[0] != 0 || padded_w % block[1] != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "padded spatial size %dx%d is not a multiple of the "
                       "block shape %dx%d",
                       static_cast<int>(padded_h), static_cast<int>(padded_w),
                       static_cast<int>(block[0]), static_cast<int>(block[1]));
    }
    d->out_batch = d->in_batch * blocks;
    d->out_height = padded_h / block[0];
    d->out_width = padded_w / block[1];
  } else {
    if (d->in_batch % blocks != 0) {
      return ctx.Error(Status::kInvalidArgument,
                       "input batch %d is not a multiple of the block size %d",
                       static_cast<int>(d->in_batch), static_cast<int>(blocks));
    }
    d->out_batch = d->in_batch / blocks;
    d->out_height = d->in_height * block[0] - before[0] - after[0];
    d->out_width = d->in_width * block[1] - before[1] - after[1];
    if (d->out_height < 0 || d->out_width < 0) {
      return ctx.Error(Status::kInvalidArgument, "crops exceed the spatial size");
    }
  }
  d->element_size = DataTypeSize(input->type);
  d->pixel_bytes = d->element_size * static_cast<size_t>(channels);
  misc::ZeroValueBytes(input->type, ctx.output_quant(0), d->pad_value);
  int32_t out_dims[4] = {d->out_batch, d->out_height, d->out_width, channels};
  if (rank == 3) out_dims[2] = channels;
  return ctx.SetOutputShape(0, out_dims, rank);
}

Status PrepareSpaceToBatch(OpContext& ctx) { return PrepareCommon(ctx, true); }
Status PrepareBatchToSpace(OpContext& ctx) { return PrepareCommon(ctx, false); }

Status EvalSpaceToBatch(OpContext& ctx) {
  SpaceToBatch(*ctx.op_data_as<OpData>(), ctx.input(0)->data_as<const uint8_t>(),
               ctx.output(0)->data_as<uint8_t>());
  return Status::kOk;
}

Status EvalBatchToSpace(OpContext& ctx) {
  BatchToSpace(*ctx.op_data_as<OpData>(), ctx.input(0)->data_as<const uint8_t>(),
               ctx.output(0)->data_as<uint8_t>());
  return Status::kOk;
}

}  // namespace

// Both: version 2 adds int8, 3 non-4-D (3-D) inputs, 4 int16.
const OpRegistration* Register_SPACE_TO_BATCH_ND() {
  static const OpRegistration r = {"SPACE_TO_BATCH_ND", Init, PrepareSpaceToBatch,
                                   EvalSpaceToBatch, nullptr, 4, nullptr,
                                   "input, block_shape, paddings", "output", nullptr};
  return &r;
}

const OpRegistration* Register_BATCH_TO_SPACE_ND() {
  static const OpRegistration r = {"BATCH_TO_SPACE_ND", Init, PrepareBatchToSpace,
                                   EvalBatchToSpace, nullptr, 4, nullptr,
                                   "input, block_shape, crops", "output", nullptr};
  return &r;
}

}  // namespace tflm
