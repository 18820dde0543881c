// The generic reduction loop behind SUM, MEAN, REDUCE_MAX, REDUCE_MIN and
// REDUCE_PROD, and the axis helpers shared by the reduce family (reductions,
// ARG_MAX/ARG_MIN, CUMSUM). Owned by the reduce kernel family.
//
// A reduction is planned once, in prepare, as a ReduceShape: the input shape
// with size-1 dimensions dropped and runs of adjacent reduced (or kept)
// dimensions merged, so any reduction becomes an alternation of at most
// kMaxRank kept/reduced groups. Eval then walks the input once, contiguously,
// in row-major order, and combines every element into the accumulator of its
// output element. Each output therefore sees its inputs in the same order as
// TFLite's reference kernels, which keeps integer results bit-exact and float
// results within rounding of the reference.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_REDUCE_LOOP_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_REDUCE_LOOP_H_

#include <cstdint>
#include <type_traits>

#include "tensorflow/lite/micro/core/tensor.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"

namespace tflm {

// Resolves `count` axis values (negative ones count from the end) against a
// tensor of rank `rank`. Sets bit i of `*mask` for every reduced dimension
// (duplicates are allowed, as in TensorFlow). Returns false and leaves the
// offending value in `*bad_axis` if one is out of range.
inline bool ResolveAxes(const int32_t* axes, int count, int rank,
                        uint32_t* mask, int32_t* bad_axis) {
  *mask = 0;
  for (int i = 0; i < count; ++i) {
    const int32_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank) {
      *bad_axis = axes[i];
      return false;
    }
    *mask |= 1u << axis;
  }
  return true;
}

// Splits `dims` around `axis`: outer = product of the dims before it,
// inner = product of the dims after it.
inline void SplitAtAxis(const int32_t* dims, int rank, int axis,
                        int64_t* outer, int32_t* axis_size, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < axis; ++i) *outer *= dims[i];
  for (int i = axis + 1; i < rank; ++i) *inner *= dims[i];
  *axis_size = dims[axis];
}

// The planned iteration of one reduction (see the header comment).
struct ReduceShape {
  int32_t size[kMaxRank];        // size of each group
  int64_t out_stride[kMaxRank];  // output element stride; 0 for reduced groups
  uint8_t reduced[kMaxRank];     // 1 if the group is reduced
  int8_t groups;                 // >= 1
};

// Plans the reduction of `dims`/`rank` over the dimensions in `mask`.
inline void PlanReduceShape(const int32_t* dims, int rank, uint32_t mask,
                            ReduceShape* shape) {
  int groups = 0;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 1) continue;  // size-1 dimensions never move an offset
    const uint8_t reduced = (mask >> i) & 1u;
    if (groups > 0 && shape->reduced[groups - 1] == reduced) {
      shape->size[groups - 1] *= dims[i];
    } else {
      shape->size[groups] = dims[i];
      shape->reduced[groups] = reduced;
      ++groups;
    }
  }
  if (groups == 0) {  // a single element
    shape->size[0] = 1;
    shape->reduced[0] = 0;
    groups = 1;
  }
  shape->groups = static_cast<int8_t>(groups);
  int64_t stride = 1;
  for (int g = groups - 1; g >= 0; --g) {
    shape->out_stride[g] = shape->reduced[g] ? 0 : stride;
    if (!shape->reduced[g]) stride *= shape->size[g];
  }
}

// Combines the input into `acc` (one accumulator per output element).
// `Reducer` provides `Acc First(T)` for the first element an output sees and
// `Acc Next(Acc, T)` for the following ones; together they express SUM, MAX,
// MIN, PROD and TFLite's rescaled quantized product. `in` holds the planned
// input (not empty); `acc` holds the output's element count.
template <typename T, typename Acc, typename Reducer>
void ReduceLoop(const ReduceShape& shape, const T* in, Acc* acc,
                Reducer reducer) {
  const int last = shape.groups - 1;
  const int32_t run = shape.size[last];
  const bool run_is_reduced = shape.reduced[last] != 0;
  int32_t index[kMaxRank] = {0};
  // How many outer reduced groups are past their first element: when none
  // are, this run is the first contribution to its accumulators.
  int reduced_nonzero = 0;
  int64_t out_offset = 0;
  for (;;) {
    const bool first = reduced_nonzero == 0;
    Acc* a = acc + out_offset;
    if (run_is_reduced) {
      Acc v = first ? reducer.First(in[0]) : reducer.Next(*a, in[0]);
      for (int32_t i = 1; i < run; ++i) v = reducer.Next(v, in[i]);
      *a = v;
    } else if (first) {
      for (int32_t i = 0; i < run; ++i) a[i] = reducer.First(in[i]);
    } else {
      for (int32_t i = 0; i < run; ++i) a[i] = reducer.Next(a[i], in[i]);
    }
    in += run;
    // Advance the odometer over the outer groups.
    int g = last - 1;
    for (; g >= 0; --g) {
      if (++index[g] < shape.size[g]) {
        out_offset += shape.out_stride[g];
        if (shape.reduced[g] && index[g] == 1) ++reduced_nonzero;
        break;
      }
      out_offset -= shape.out_stride[g] * (shape.size[g] - 1);
      if (shape.reduced[g] && shape.size[g] > 1) --reduced_nonzero;
      index[g] = 0;
    }
    if (g < 0) return;
  }
}

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_INTERNAL_REDUCE_LOOP_H_
