// BATCH_MATMUL: lhs [..., m, k] (or [..., k, m] with adj_x) times rhs
// [..., k, n] (or [..., n, k] with adj_y), batch dimensions broadcast.
// float32, int8 and int16 (per-tensor, both operands activations).
//
// Per batch, the operands are brought into the GEMM's layout (lhs rows of k,
// rhs rows of k): read in place when they already are, otherwise packed
// (transposed; integer operands also widened with their zero point
// subtracted) into scratch. A broadcast rhs is packed once. Float with rhs
// [k, n] (adj_y false) instead runs a register-blocked product that reads
// both operands in place and needs no scratch at all.
#include <cstring>
#include <limits>
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/conv_common.h"
#include "tensorflow/lite/micro/kernels/internal/conv_gemm.h"
#include "tensorflow/lite/micro/kernels/internal/float_matmul.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

// BatchMatMulOptions field numbers.
constexpr int kAdjXField = 0;
constexpr int kAdjYField = 1;
constexpr int kMaxBatchRank = kMaxRank - 2;

struct BatchMatMulData {
  conv::ChannelQuant quant;  // one multiplier repeated for each of n columns
  DataType type;
  bool adj_x;
  bool adj_y;
  int m, n, k;
  int rhs_zero_point;
  int batches;
  int batch_rank;
  int out_batch_dims[kMaxBatchRank];
  int lhs_batch_strides[kMaxBatchRank];  // in matrices; 0 when broadcast
  int rhs_batch_strides[kMaxBatchRank];
  // One scratch buffer holds, in order: the packed lhs (when lhs is not read
  // in place), the packed rhs (likewise) and the GEMM accumulators (integer
  // types). Offsets are in bytes; -1 when absent.
  int lhs_offset;
  int rhs_offset;
  int acc_offset;
  int rmult_offset;  // right multipliers (int8)
  int scratch;
};

// Computes the broadcast batch shape and each operand's batch strides.
Status PrepareBatches(OpContext& ctx, const Tensor* lhs, const Tensor* rhs,
                      BatchMatMulData* d, int32_t* out_dims, int* out_rank) {
  const int lhs_batch = lhs->rank - 2;
  const int rhs_batch = rhs->rank - 2;
  const int rank = lhs_batch > rhs_batch ? lhs_batch : rhs_batch;
  d->batch_rank = rank;
  d->batches = 1;
  int32_t lhs_stride = 1;
  int32_t rhs_stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    const int li = i - (rank - lhs_batch);
    const int ri = i - (rank - rhs_batch);
    const int32_t ld = li >= 0 ? lhs->dims[li] : 1;
    const int32_t rd = ri >= 0 ? rhs->dims[ri] : 1;
    if (ld != rd && ld != 1 && rd != 1) {
      return ctx.Error(Status::kInvalidArgument,
                       "batch dimensions %d and %d do not broadcast",
                       static_cast<int>(ld), static_cast<int>(rd));
    }
    d->out_batch_dims[i] = ld == 1 ? rd : ld;
    d->lhs_batch_strides[i] = ld == 1 ? 0 : lhs_stride;
    d->rhs_batch_strides[i] = rd == 1 ? 0 : rhs_stride;
    lhs_stride *= ld;
    rhs_stride *= rd;
    d->batches *= d->out_batch_dims[i];
    out_dims[i] = d->out_batch_dims[i];
  }
  out_dims[rank] = d->m;
  out_dims[rank + 1] = d->n;
  *out_rank = rank + 2;
  return Status::kOk;
}

Status PrepareQuant(OpContext& ctx, BatchMatMulData* d) {
  const QuantParams lq = ctx.input_quant(0);
  const QuantParams rq = ctx.input_quant(1);
  const QuantParams oq = ctx.output_quant(0);
  if (lq.count != 1 || rq.count != 1 || oq.count != 1) {
    return ctx.Error(Status::kUnsupported,
                     "quantized BATCH_MATMUL needs per-tensor scales on both "
                     "operands and the output");
  }
  TFLM_RETURN_IF_ERROR(conv::FillUniformChannelQuant(
      ctx,
      static_cast<double>(lq.scale()) * static_cast<double>(rq.scale()) /
          static_cast<double>(oq.scale()),
      d->n, &d->quant));
  d->quant.input_zero_point = lq.zero_point();
  d->rhs_zero_point = rq.zero_point();
  d->quant.output_zero_point = oq.zero_point();
  if (d->type == DataType::kInt8) {
    d->quant.act_min = QuantizedMin<int8_t>();
    d->quant.act_max = QuantizedMax<int8_t>();
  } else {
    d->quant.act_min = QuantizedMin<int16_t>();
    d->quant.act_max = QuantizedMax<int16_t>();
    if (d->quant.input_zero_point != 0 || d->rhs_zero_point != 0 ||
        d->quant.output_zero_point != 0) {
      return ctx.Error(Status::kUnsupported, "int16 operands need zero point 0");
    }
  }
  return Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* lhs = ctx.input(0);
  const Tensor* rhs = ctx.input(1);
  const DataType type = lhs->type;
  if (type != DataType::kFloat32 && type != DataType::kInt8 && type != DataType::kInt16) {
    return ctx.Error(Status::kUnsupported,
                     "BATCH_MATMUL does not support dtype %s (supported: "
                     "float32, int8, int16)",
                     DataTypeName(type));
  }
  if (rhs->type != type) {
    return ctx.Error(Status::kUnsupported,
                     "BATCH_MATMUL operands have dtypes %s and %s (hybrid is not "
                     "supported)",
                     DataTypeName(type), DataTypeName(rhs->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), type, "output"));
  if (lhs->rank < 2 || rhs->rank < 2) {
    return ctx.Error(Status::kInvalidArgument,
                     "operands must have rank >= 2 (got %d and %d)", lhs->rank,
                     rhs->rank);
  }
  BatchMatMulData* d = ctx.AllocateOpData<BatchMatMulData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->type = type;
  const fb::Table options = ctx.builtin_options();
  d->adj_x = options.Bool(kAdjXField, false);
  d->adj_y = options.Bool(kAdjYField, false);
  const int32_t l0 = lhs->dims[lhs->rank - 2];
  const int32_t l1 = lhs->dims[lhs->rank - 1];
  const int32_t r0 = rhs->dims[rhs->rank - 2];
  const int32_t r1 = rhs->dims[rhs->rank - 1];
  d->m = d->adj_x ? l1 : l0;
  d->k = d->adj_x ? l0 : l1;
  d->n = d->adj_y ? r0 : r1;
  const int32_t rhs_k = d->adj_y ? r1 : r0;
  if (rhs_k != d->k) {
    return ctx.Error(Status::kInvalidArgument,
                     "inner dimensions differ: lhs has %d, rhs has %d", d->k,
                     static_cast<int>(rhs_k));
  }
  int32_t out_dims[kMaxRank];
  int out_rank = 0;
  TFLM_RETURN_IF_ERROR(PrepareBatches(ctx, lhs, rhs, d, out_dims, &out_rank));
  if (type != DataType::kFloat32) TFLM_RETURN_IF_ERROR(PrepareQuant(ctx, d));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, out_dims, out_rank));

  // Float with rhs as [k, n] runs a loop that needs no packing (below).
  if (type == DataType::kFloat32 && !d->adj_y) {
    d->lhs_offset = d->rhs_offset = d->acc_offset = d->rmult_offset = -1;
    d->scratch = -1;
    return Status::kOk;
  }
  // Float and int16 operands already in row layout are read in place.
  const bool widen = type == DataType::kInt8;
  const size_t elem = type == DataType::kFloat32 ? 4 : 2;
  size_t bytes = 0;
  d->lhs_offset = d->rhs_offset = d->acc_offset = d->rmult_offset = -1;
  if (widen || d->adj_x) {
    d->lhs_offset = static_cast<int32_t>(bytes);
    bytes += conv::RoundUp8(elem * d->m * d->k);
  }
  if (widen || !d->adj_y) {
    d->rhs_offset = static_cast<int32_t>(bytes);
    bytes += conv::RoundUp8(elem * d->n * d->k);
  }
  if (type != DataType::kFloat32) {
    d->acc_offset = static_cast<int32_t>(bytes);
    bytes += type == DataType::kInt8 ? conv::GemmAccBytes<int32_t>(d->n)
                                     : conv::GemmAccBytes<int64_t>(d->n);
  }
  if (type == DataType::kInt8) {
    d->rmult_offset = static_cast<int32_t>(bytes);
    bytes += sizeof(uint32_t) * d->n;
  }
  d->scratch = -1;
  if (bytes > 0) TFLM_RETURN_IF_ERROR(ctx.RequestScratch(bytes, &d->scratch));
  return Status::kOk;
}

// dst[r][c] = src[r][c] (or src[c][r] when `transposed`) - zero_point.
template <typename TIn, typename TA>
void PackMatrix(const TIn* src, int rows, int cols, bool transposed,
                int32_t zero_point, TA* dst) {
  if (!transposed) {
    conv::PackRows(src, cols, rows, cols, zero_point, dst);
    return;
  }
  for (int c = 0; c < cols; ++c) {
    const TIn* s = src + c * rows;
    for (int r = 0; r < rows; ++r) {
      dst[r * cols + c] = static_cast<TA>(s[r] - static_cast<TA>(zero_point));
    }
  }
}

template <typename TIn, typename TA, typename Stage>
void RunBatchMatMul(const BatchMatMulData& d, const TIn* lhs, const TIn* rhs,
                    const Stage& stage, TA* lhs_buf, TA* rhs_buf,
                    typename Stage::Acc* acc) {
  const int64_t lhs_size = static_cast<int64_t>(d.m) * d.k;
  const int64_t rhs_size = static_cast<int64_t>(d.n) * d.k;
  int32_t index[kMaxBatchRank] = {};
  int64_t packed_rhs = -1;
  for (int ob = 0; ob < d.batches; ++ob) {
    int64_t lb = 0;
    int64_t rb = 0;
    for (int i = 0; i < d.batch_rank; ++i) {
      lb += static_cast<int64_t>(index[i]) * d.lhs_batch_strides[i];
      rb += static_cast<int64_t>(index[i]) * d.rhs_batch_strides[i];
    }
    const TA* a;
    const TA* w;
    const TIn* lhs_b = lhs + lb * lhs_size;
    const TIn* rhs_b = rhs + rb * rhs_size;
    if (lhs_buf == nullptr) {
      a = reinterpret_cast<const TA*>(lhs_b);
    } else {
      PackMatrix(lhs_b, d.m, d.k, d.adj_x, d.quant.input_zero_point, lhs_buf);
      a = lhs_buf;
    }
    if (rhs_buf == nullptr) {
      w = reinterpret_cast<const TA*>(rhs_b);
    } else {
      if (packed_rhs != rb) {
        PackMatrix(rhs_b, d.n, d.k, !d.adj_y, d.rhs_zero_point, rhs_buf);
        packed_rhs = rb;
      }
      w = rhs_buf;
    }
    conv::Gemm(a, d.k, d.m, w, d.k, d.n, d.k, stage.Shifted(ob * d.m, 0), acc);
    for (int i = d.batch_rank - 1; i >= 0; --i) {
      if (++index[i] < d.out_batch_dims[i]) break;
      index[i] = 0;
    }
  }
}

// Float with rhs stored [k, n] (adj_y false): a register-blocked product
// that reads both operands in place (internal/float_matmul.h), so training
// graphs' weight matrices (read as rhs) cost no scratch; lhs may be [m, k]
// or, with adj_x, [k, m] (a weight gradient x^T dy).
void RunFloatRhsKN(const BatchMatMulData& d, const float* lhs, const float* rhs,
                          float* out) {
  const int64_t lhs_size = static_cast<int64_t>(d.m) * d.k;
  const int64_t rhs_size = static_cast<int64_t>(d.n) * d.k;
  int32_t index[kMaxBatchRank] = {};
  for (int ob = 0; ob < d.batches; ++ob) {
    int64_t lb = 0;
    int64_t rb = 0;
    for (int i = 0; i < d.batch_rank; ++i) {
      lb += static_cast<int64_t>(index[i]) * d.lhs_batch_strides[i];
      rb += static_cast<int64_t>(index[i]) * d.rhs_batch_strides[i];
    }
    matmul::FloatMatMulKN(lhs + lb * lhs_size, d.adj_x, rhs + rb * rhs_size, d.m, d.n,
                          d.k, out + static_cast<int64_t>(ob) * d.m * d.n);
    for (int i = d.batch_rank - 1; i >= 0; --i) {
      if (++index[i] < d.out_batch_dims[i]) break;
      index[i] = 0;
    }
  }
}

template <typename TOut, typename TAcc>
conv::QuantizedStage<TOut, TAcc, int32_t> MakeQuantizedStage(const BatchMatMulData& d,
                                                           OpContext& ctx) {
  uint32_t* right_mult = nullptr;
  if (d.rmult_offset >= 0) {
    right_mult = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(ctx.scratch(d.scratch)) +
                                             d.rmult_offset);
  }
  return conv::MakeQuantizedStage<TOut, TAcc, int32_t>(
      d.quant, ctx.output(0)->data_as<TOut>(), d.n, nullptr, d.n, right_mult);
}

template <typename T>
T* ScratchOrNull(OpContext& ctx, int scratch, int32_t offset) {
  if (scratch < 0 || offset < 0) return nullptr;
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ctx.scratch(scratch)) + offset);
}

Status Eval(OpContext& ctx) {
  const BatchMatMulData& d = *ctx.op_data_as<BatchMatMulData>();
  const Tensor* lhs = ctx.input(0);
  const Tensor* rhs = ctx.input(1);
  switch (d.type) {
    case DataType::kFloat32: {
      if (!d.adj_y) {
        RunFloatRhsKN(d, lhs->data_as<const float>(), rhs->data_as<const float>(),
                             ctx.output(0)->data_as<float>());
        break;
      }
      const float inf = std::numeric_limits<float>::infinity();
      const conv::FloatStage stage = {ctx.output(0)->data_as<float>(), d.n, nullptr,
                                      -inf, inf};
      RunBatchMatMul(d, lhs->data_as<const float>(), rhs->data_as<const float>(),
                     stage, ScratchOrNull<float>(ctx, d.scratch, d.lhs_offset),
                     ScratchOrNull<float>(ctx, d.scratch, d.rhs_offset),
                     static_cast<float*>(nullptr));
      break;
    }
    case DataType::kInt8:
      RunBatchMatMul(d, lhs->data_as<const int8_t>(), rhs->data_as<const int8_t>(),
                     MakeQuantizedStage<int8_t, int32_t>(d, ctx),
                     ScratchOrNull<int16_t>(ctx, d.scratch, d.lhs_offset),
                     ScratchOrNull<int16_t>(ctx, d.scratch, d.rhs_offset),
                     ScratchOrNull<int32_t>(ctx, d.scratch, d.acc_offset));
      break;
    default:
      RunBatchMatMul(d, lhs->data_as<const int16_t>(), rhs->data_as<const int16_t>(),
                     MakeQuantizedStage<int16_t, int64_t>(d, ctx),
                     ScratchOrNull<int16_t>(ctx, d.scratch, d.lhs_offset),
                     ScratchOrNull<int16_t>(ctx, d.scratch, d.rhs_offset),
                     ScratchOrNull<int64_t>(ctx, d.scratch, d.acc_offset));
      break;
  }
  return Status::kOk;
}

}  // namespace

// Version 3 (int16) is the highest implemented; hybrid (4) is rejected in
// prepare.
const OpRegistration* Register_BATCH_MATMUL() {
  static const OpRegistration r = {"BATCH_MATMUL", nullptr, Prepare, Eval,
                                   nullptr, 3, nullptr, "lhs, rhs", "output", nullptr};
  return &r;
}

}  // namespace tflm
