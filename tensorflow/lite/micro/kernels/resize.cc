// RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC tensors, with the
// align_corners and half_pixel_centers options, matching TFLite's reference
// kernels: float32 and uint8 bilinear interpolate in float (uint8 rounds by
// adding 0.5 before truncating); int8 and int16 use TFLite's integer bilinear
// arithmetic (coordinates in 1/1024 steps, 2^20 weights, rounded division).
//
// Prepare computes, for every output row and column, the source indices (and
// bilinear fractions) into tables in the arena tail; eval only walks them.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kAlignCornersField = 0;     // ResizeNearestNeighborOptions
constexpr int kHalfPixelField = 1;
constexpr int kBilinearAlignCornersField = 2;  // ResizeBilinearOptions
constexpr int kBilinearHalfPixelField = 3;

// Where output row/column i reads from along one axis.
struct AxisSample {
  int32_t lower;     // nearest neighbour: the source index
  int32_t upper;
  float fraction;    // float bilinear: position - lower (may be < 0 at edges)
  int32_t fraction_10;  // integer bilinear: (position - lower) in 1/1024 units
};

struct OpData;
using ResizeFn = void (*)(const OpData& data, const void* in, void* out);

struct OpData {
  bool align_corners;
  bool half_pixel_centers;
  ResizeFn run;
  int32_t batches;
  int32_t in_height;
  int32_t in_width;
  int32_t depth;
  int32_t out_height;
  int32_t out_width;
  size_t element_size;
  const AxisSample* rows;     // out_height entries, arena tail
  const AxisSample* columns;  // out_width entries, arena tail
};

// ---- nearest neighbour ----

int32_t NearestIndex(int32_t out_index, int32_t in_size, int32_t out_size,
                     bool align_corners, bool half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float position =
      (static_cast<float>(out_index) + (half_pixel_centers ? 0.5f : 0.0f)) * scale;
  int32_t index = align_corners ? TruncateToInt32(std::round(position))
                                : TruncateToInt32(std::floor(position));
  if (index > in_size - 1) index = in_size - 1;
  if (half_pixel_centers && index < 0) index = 0;
  return index;
}

void ResizeNearest(const OpData& d, const void* in, void* out) {
  const uint8_t* src = static_cast<const uint8_t*>(in);
  uint8_t* dst = static_cast<uint8_t*>(out);
  const size_t pixel = d.element_size * static_cast<size_t>(d.depth);
  const size_t row = pixel * static_cast<size_t>(d.in_width);
  for (int32_t b = 0; b < d.batches; ++b) {
    const uint8_t* image = src + row * static_cast<size_t>(d.in_height) * b;
    for (int32_t y = 0; y < d.out_height; ++y) {
      const uint8_t* src_row = image + row * static_cast<size_t>(d.rows[y].lower);
      for (int32_t x = 0; x < d.out_width; ++x) {
        memcpy(dst, src_row + pixel * static_cast<size_t>(d.columns[x].lower), pixel);
        dst += pixel;
      }
    }
  }
}

// ---- bilinear ----

void FloatSample(int32_t out_index, float scale, bool half_pixel_centers,
                 int32_t in_size, AxisSample* s) {
  const float position =
      half_pixel_centers
          ? (static_cast<float>(out_index) + 0.5f) * scale - 0.5f
          : static_cast<float>(out_index) * scale;
  const int32_t floor_index = static_cast<int32_t>(std::floor(position));
  const int32_t ceil_index = static_cast<int32_t>(std::ceil(position));
  s->lower = floor_index > 0 ? floor_index : 0;
  s->upper = ceil_index < in_size - 1 ? ceil_index : in_size - 1;
  s->fraction = position - static_cast<float>(s->lower);
}

void IntegerSample(int32_t out_index, int32_t scale_10, bool half_pixel_centers,
                   int32_t in_size, AxisSample* s) {
  const int32_t position = half_pixel_centers
                               ? out_index * scale_10 + scale_10 / 2 - (1 << 9)
                               : out_index * scale_10;
  // Integer division truncates toward zero, as in the reference.
  const int32_t lower = position / (1 << 10);
  const int32_t upper = (position + (1 << 10) - 1) / (1 << 10);
  s->lower = lower > 0 ? lower : 0;
  s->upper = upper < in_size - 1 ? upper : in_size - 1;
  s->fraction_10 = position - (1 << 10) * s->lower;
}

// float32, and uint8 through float with +0.5 before truncation.
template <typename T>
void BilinearFloat(const OpData& d, const void* in, void* out) {
  const T* src = static_cast<const T*>(in);
  T* dst = static_cast<T*>(out);
  const float rounding = std::numeric_limits<T>::is_integer ? 0.5f : 0.0f;
  const int32_t depth = d.depth;
  const int32_t row = d.in_width * depth;
  for (int32_t b = 0; b < d.batches; ++b) {
    const T* image = src + static_cast<int64_t>(b) * d.in_height * row;
    for (int32_t y = 0; y < d.out_height; ++y) {
      const AxisSample& sy = d.rows[y];
      const T* row0 = image + sy.lower * row;
      const T* row1 = image + sy.upper * row;
      const float fy = sy.fraction;
      for (int32_t x = 0; x < d.out_width; ++x) {
        const AxisSample& sx = d.columns[x];
        const T* p00 = row0 + sx.lower * depth;
        const T* p01 = row0 + sx.upper * depth;
        const T* p10 = row1 + sx.lower * depth;
        const T* p11 = row1 + sx.upper * depth;
        const float fx = sx.fraction;
        // Same operand order as the reference, so float results match it.
        for (int32_t c = 0; c < depth; ++c) {
          dst[c] = static_cast<T>(p00[c] * (1 - fy) * (1 - fx) + p10[c] * fy * (1 - fx) +
                                  p01[c] * (1 - fy) * fx + p11[c] * fy * fx + rounding);
        }
        dst += depth;
      }
    }
  }
}

template <typename T>
void BilinearInteger(const OpData& d, const void* in, void* out) {
  const T* src = static_cast<const T*>(in);
  T* dst = static_cast<T*>(out);
  const int32_t depth = d.depth;
  const int32_t row = d.in_width * depth;
  constexpr int64_t kOne = 1 << 10;
  for (int32_t b = 0; b < d.batches; ++b) {
    const T* image = src + static_cast<int64_t>(b) * d.in_height * row;
    for (int32_t y = 0; y < d.out_height; ++y) {
      const AxisSample& sy = d.rows[y];
      const T* row0 = image + sy.lower * row;
      const T* row1 = image + sy.upper * row;
      const int64_t wy1 = sy.fraction_10;
      const int64_t wy0 = kOne - wy1;
      for (int32_t x = 0; x < d.out_width; ++x) {
        const AxisSample& sx = d.columns[x];
        const T* p00 = row0 + sx.lower * depth;
        const T* p01 = row0 + sx.upper * depth;
        const T* p10 = row1 + sx.lower * depth;
        const T* p11 = row1 + sx.upper * depth;
        const int64_t wx1 = sx.fraction_10;
        const int64_t wx0 = kOne - wx1;
        for (int32_t c = 0; c < depth; ++c) {
          const int64_t sum = p00[c] * wy0 * wx0 + p10[c] * wy1 * wx0 +
                              p01[c] * wy0 * wx1 + p11[c] * wy1 * wx1;
          // Round half away from zero, then divide truncating toward zero.
          const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
          dst[c] = static_cast<T>((sum + round) / (1 << 20));
        }
        dst += depth;
      }
    }
  }
}

// Rounded fixed-point scale with 10 fraction bits, as the reference computes.
int32_t IntegerScale(int32_t in_size, int32_t out_size, bool align_corners) {
  if (align_corners && out_size > 1) {
    return ((1 << 10) * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
  }
  return ((1 << 10) * in_size + out_size / 2) / out_size;
}

float FloatScale(int32_t in_size, int32_t out_size, bool align_corners) {
  if (align_corners && out_size > 1) {
    return static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1);
  }
  return static_cast<float>(in_size) / static_cast<float>(out_size);
}

// ---- shared prepare ----

// Checks inputs, sets the output shape and allocates the sample tables.
Status PrepareCommon(OpContext& ctx, OpData* d, AxisSample** rows,
                     AxisSample** columns) {
  const Tensor* input = ctx.input(0);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), input->type, "output"));
  if (input->rank != 4) {
    return ctx.Error(Status::kInvalidArgument,
                     "input must be 4-D (NHWC), got rank %d",
                     static_cast<int>(input->rank));
  }
  TFLM_RETURN_IF_ERROR(misc::ExpectShapeParameter(ctx, 1, "size", DataType::kInt32));
  const Tensor* size = ctx.input(1);
  if (size->NumElements() != 2) {
    return ctx.Error(Status::kInvalidArgument,
                     "size must hold 2 values (height, width), got %lld",
                     static_cast<long long>(size->NumElements()));
  }
  d->batches = input->dims[0];
  d->in_height = input->dims[1];
  d->in_width = input->dims[2];
  d->depth = input->dims[3];
  d->out_height = misc::ReadInt32(size, 0);
  d->out_width = misc::ReadInt32(size, 1);
  if (d->out_height <= 0 || d->out_width <= 0 || d->in_height <= 0 ||
      d->in_width <= 0) {
    return ctx.Error(Status::kInvalidArgument,
                     "cannot resize %dx%d to %dx%d", static_cast<int>(d->in_height),
                     static_cast<int>(d->in_width), static_cast<int>(d->out_height),
                     static_cast<int>(d->out_width));
  }
  d->element_size = DataTypeSize(input->type);
  const int32_t out_dims[4] = {d->batches, d->out_height, d->out_width, d->depth};
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, 4));
  *rows = ctx.AllocatePersistentArray<AxisSample>(d->out_height);
  *columns = ctx.AllocatePersistentArray<AxisSample>(d->out_width);
  if (*rows == nullptr || *columns == nullptr) return Status::kArenaTooSmall;
  d->rows = *rows;
  d->columns = *columns;
  return Status::kOk;
}

Status InitNearest(OpContext& ctx) {
  OpData* d = ctx.AllocateOpData<OpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->align_corners = ctx.builtin_options().Bool(kAlignCornersField, false);
  d->half_pixel_centers = ctx.builtin_options().Bool(kHalfPixelField, false);
  return Status::kOk;
}

Status PrepareNearest(OpContext& ctx) {
  OpData* d = ctx.op_data_as<OpData>();
  AxisSample* rows = nullptr;
  AxisSample* columns = nullptr;
  TFLM_RETURN_IF_ERROR(PrepareCommon(ctx, d, &rows, &columns));
  TFLM_RETURN_IF_ERROR(misc::ExpectMovableType(ctx, ctx.input(0), "input"));
  for (int32_t y = 0; y < d->out_height; ++y) {
    rows[y].lower = NearestIndex(y, d->in_height, d->out_height, d->align_corners,
                                 d->half_pixel_centers);
  }
  for (int32_t x = 0; x < d->out_width; ++x) {
    columns[x].lower = NearestIndex(x, d->in_width, d->out_width, d->align_corners,
                                    d->half_pixel_centers);
  }
  d->run = ResizeNearest;
  return Status::kOk;
}

Status InitBilinear(OpContext& ctx) {
  OpData* d = ctx.AllocateOpData<OpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->align_corners = ctx.builtin_options().Bool(kBilinearAlignCornersField, false);
  d->half_pixel_centers = ctx.builtin_options().Bool(kBilinearHalfPixelField, false);
  return Status::kOk;
}

Status PrepareBilinear(OpContext& ctx) {
  OpData* d = ctx.op_data_as<OpData>();
  if (d->align_corners && d->half_pixel_centers) {
    return ctx.Error(Status::kInvalidArgument,
                     "align_corners and half_pixel_centers cannot both be true");
  }
  AxisSample* rows = nullptr;
  AxisSample* columns = nullptr;
  TFLM_RETURN_IF_ERROR(PrepareCommon(ctx, d, &rows, &columns));
  const DataType type = ctx.input(0)->type;
  const bool integer = type == DataType::kInt8 || type == DataType::kInt16;
  switch (type) {
    case DataType::kFloat32: d->run = BilinearFloat<float>; break;
    case DataType::kUInt8: d->run = BilinearFloat<uint8_t>; break;
    case DataType::kInt8: d->run = BilinearInteger<int8_t>; break;
    case DataType::kInt16: d->run = BilinearInteger<int16_t>; break;
    default:
      return ctx.Error(Status::kUnsupported,
                       "input dtype %s is not supported (float32, uint8, int8, "
                       "int16)",
                       DataTypeName(type));
  }
  if (integer) {
    // Positions are int32 with 10 fraction bits (as in the reference, which
    // overflows beyond this): 1024 * size must fit.
    constexpr int32_t kMaxIntegerSize = (1 << 20) - 1;
    if (d->in_height > kMaxIntegerSize || d->in_width > kMaxIntegerSize ||
        d->out_height > kMaxIntegerSize || d->out_width > kMaxIntegerSize) {
      return ctx.Error(Status::kUnsupported,
                       "cannot resize %dx%d to %dx%d in %s: the integer kernel's fixed-point "
                       "positions hold sizes up to %d",
                       static_cast<int>(d->in_height), static_cast<int>(d->in_width),
                       static_cast<int>(d->out_height), static_cast<int>(d->out_width),
                       DataTypeName(type), static_cast<int>(kMaxIntegerSize));
    }
    const int32_t sy = IntegerScale(d->in_height, d->out_height, d->align_corners);
    const int32_t sx = IntegerScale(d->in_width, d->out_width, d->align_corners);
    for (int32_t y = 0; y < d->out_height; ++y) {
      IntegerSample(y, sy, d->half_pixel_centers, d->in_height, &rows[y]);
    }
    for (int32_t x = 0; x < d->out_width; ++x) {
      IntegerSample(x, sx, d->half_pixel_centers, d->in_width, &columns[x]);
    }
  } else {
    const float sy = FloatScale(d->in_height, d->out_height, d->align_corners);
    const float sx = FloatScale(d->in_width, d->out_width, d->align_corners);
    for (int32_t y = 0; y < d->out_height; ++y) {
      FloatSample(y, sy, d->half_pixel_centers, d->in_height, &rows[y]);
    }
    for (int32_t x = 0; x < d->out_width; ++x) {
      FloatSample(x, sx, d->half_pixel_centers, d->in_width, &columns[x]);
    }
  }
  return Status::kOk;
}

Status Eval(OpContext& ctx) {
  const OpData& d = *ctx.op_data_as<OpData>();
  d.run(d, ctx.input(0)->data, ctx.output(0)->data);
  return Status::kOk;
}

}  // namespace

// Both: version 3 adds half_pixel_centers (and align_corners for nearest
// neighbour), version 4 int16.
const OpRegistration* Register_RESIZE_NEAREST_NEIGHBOR() {
  static const OpRegistration r = {"RESIZE_NEAREST_NEIGHBOR", InitNearest,
                                   PrepareNearest, Eval, nullptr, 4, nullptr,
                                   "input, size", "output", nullptr};
  return &r;
}

const OpRegistration* Register_RESIZE_BILINEAR() {
  static const OpRegistration r = {"RESIZE_BILINEAR", InitBilinear, PrepareBilinear,
                                   Eval, nullptr, 4, nullptr, "input, size", "output", nullptr};
  return &r;
}

}  // namespace tflm
