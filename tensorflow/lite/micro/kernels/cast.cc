// CAST: converts every element to the output dtype with C++ conversion
// semantics (float to integer truncates, anything to bool is "!= 0"), as
// TFLite's CAST does. float16 values convert through float32.
//
// The (input, output) dtype pair is resolved once, in prepare, to a pointer to
// one instantiation of a templated loop; eval only calls it.
#include <cstdint>
#include <type_traits>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/internal/misc_util.h"
#include "tensorflow/lite/micro/kernels/internal/quantization.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

using misc::Half;
using misc::TypeTag;

using CastFn = void (*)(const void* in, void* out, int64_t count);

struct OpData {
  CastFn cast;
};

template <typename To, typename From>
struct Converter {
  static To Convert(From v) {
    if constexpr (std::is_integral<To>::value && !std::is_same<To, bool>::value &&
                  std::is_floating_point<From>::value) {
      // As x86 converts (what TFLite's static_cast does there): through
      // int32, or int64 for 32-bit unsigned and 64-bit targets, with NaN and
      // out-of-range values giving the minimum; then narrowed. Defined for
      // every input, unlike the cast itself.
      if constexpr (sizeof(To) == 8 || std::is_same<To, uint32_t>::value) {
        const double d = static_cast<double>(v);
        return static_cast<To>(d >= -9223372036854775808.0 && d < 9223372036854775808.0
                                   ? static_cast<int64_t>(d)
                                   : INT64_MIN);
      } else {
        return static_cast<To>(TruncateToInt32(static_cast<double>(v)));
      }
    } else {
      return static_cast<To>(v);
    }
  }
};
template <typename From>
struct Converter<Half, From> {
  static Half Convert(From v) {
    return Half{misc::FloatToHalf(static_cast<float>(v))};
  }
};
template <typename To>
struct Converter<To, Half> {
  static To Convert(Half v) { return Converter<To, float>::Convert(misc::HalfToFloat(v.bits)); }
};
template <>
struct Converter<Half, Half> {
  static Half Convert(Half v) { return v; }
};

template <typename From, typename To>
void CastLoop(const void* in, void* out, int64_t count) {
  const From* src = static_cast<const From*>(in);
  To* dst = static_cast<To*>(out);
  for (int64_t i = 0; i < count; ++i) dst[i] = Converter<To, From>::Convert(src[i]);
}

CastFn SelectCast(DataType from, DataType to) {
  return misc::VisitValueType<CastFn>(from, [to](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    return misc::VisitValueType<CastFn>(to, [](auto to_tag) -> CastFn {
      using To = typename decltype(to_tag)::type;
      return &CastLoop<From, To>;
    });
  });
}

Status Init(OpContext& ctx) {
  return ctx.AllocateOpData<OpData>() == nullptr ? Status::kArenaTooSmall
                                                 : Status::kOk;
}

Status Prepare(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  Tensor* output = ctx.output(0);
  OpData* data = ctx.op_data_as<OpData>();
  data->cast = SelectCast(input->type, output->type);
  if (data->cast == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "cast from %s to %s is not supported (supported dtypes: "
                     "float32, float64, float16, int8, uint8, int16, uint16, "
                     "int32, uint32, int64, bool)",
                     DataTypeName(input->type), DataTypeName(output->type));
  }
  return ctx.SetOutputShapeLike(0, input);
}

Status Eval(OpContext& ctx) {
  const Tensor* input = ctx.input(0);
  ctx.op_data_as<OpData>()->cast(input->data, ctx.output(0)->data,
                                  input->NumElements());
  return Status::kOk;
}

}  // namespace

// Version 5 adds float64/float16; 6 (int4) and 7 (bfloat16) are not supported.
const OpRegistration* Register_CAST() {
  static const OpRegistration r = {"CAST", Init, Prepare, Eval, nullptr, 5, nullptr,
                                   "input", "output", nullptr};
  return &r;
}

}  // namespace tflm
