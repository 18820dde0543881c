// Operand contracts (OpRegistration::inputs/outputs/options): parsing the
// declarations and checking a node against them.
#include "tensorflow/lite/micro/interpreter/op_contract.h"

#include <cstdint>
#include <cstring>

namespace tflm {
namespace {

enum class Arity : uint8_t { kRequired, kOptional, kOneOrMore, kZeroOrMore };

struct SpecItem {
  const char* name;
  int length;
  Arity arity;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_';
}

// Reads the items of a declaration one by one. `error` is set (and Next
// returns false) when the declaration is malformed.
class SpecReader {
 public:
  explicit SpecReader(const char* spec) : p_(spec) {}

  bool Next(SpecItem* item) {
    while (IsSpace(*p_)) ++p_;
    if (*p_ == '\0') return false;
    if (seen_variadic_) return Fail("a variadic item must be the last one");
    item->name = p_;
    while (IsNameChar(*p_)) ++p_;
    item->length = static_cast<int>(p_ - item->name);
    if (item->length == 0) return Fail("an item has no name");
    item->arity = Arity::kRequired;
    if (*p_ == '?') {
      item->arity = Arity::kOptional;
      ++p_;
    } else if (*p_ == '+') {
      item->arity = Arity::kOneOrMore;
      ++p_;
    } else if (strncmp(p_, "...", 3) == 0) {
      item->arity = Arity::kZeroOrMore;
      p_ += 3;
    }
    seen_variadic_ = item->arity == Arity::kOneOrMore || item->arity == Arity::kZeroOrMore;
    while (IsSpace(*p_)) ++p_;
    if (*p_ == ',') {
      ++p_;
      while (IsSpace(*p_)) ++p_;
      if (*p_ == '\0') return Fail("a trailing comma");
    } else if (*p_ != '\0') {
      return Fail("an unexpected character");
    }
    return true;
  }
  const char* error() const { return error_; }

 private:
  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  const char* p_;
  const char* error_ = nullptr;
  bool seen_variadic_ = false;
};

struct SpecShape {
  int items = 0;
  int min_count = 0;  // operands that must be listed
  bool variadic = false;
};

SpecShape ShapeOf(const char* spec) {
  SpecShape shape;
  SpecReader reader(spec);
  SpecItem item;
  while (reader.Next(&item)) {
    ++shape.items;
    switch (item.arity) {
      case Arity::kRequired: shape.min_count = shape.items; break;
      case Arity::kOptional: break;
      case Arity::kOneOrMore: shape.min_count = shape.items; shape.variadic = true; break;
      case Arity::kZeroOrMore: shape.variadic = true; break;
    }
  }
  return shape;
}

// The item that describes operand k (the variadic item for k past the end).
bool ItemAt(const char* spec, int k, SpecItem* out) {
  SpecReader reader(spec);
  SpecItem item;
  int i = 0;
  bool found = false;
  while (reader.Next(&item)) {
    if (i == k || item.arity == Arity::kOneOrMore || item.arity == Arity::kZeroOrMore) {
      *out = item;
      found = true;
      if (i == k) return true;
    }
    ++i;
  }
  return found && k >= i;
}

const char* Plural(int n, const char* what) { return n == 1 ? what : (what[0] == 'i' ? "inputs" : "outputs"); }

Status CheckList(const OpRegistration& r, const char* what, const char* spec,
                 const Int32Span& indices, uint32_t num_tensors, uint32_t s, uint32_t o,
                 ErrorReporter& reporter) {
  const SpecShape shape = ShapeOf(spec);
  const int count = static_cast<int>(indices.size);
  if (count < shape.min_count || (!shape.variadic && count > shape.items)) {
    (void)reporter.Report(Status::kMalformedModel,
                          "model is malformed: %s (operator %u in subgraph %u) has %d %s; it "
                          "takes ",
                          r.name, o, s, count, Plural(count, what));
    if (shape.variadic) {
      reporter.Append("at least %d", shape.min_count);
    } else if (shape.min_count == shape.items) {
      reporter.Append("%d", shape.items);
    } else {
      reporter.Append("%d to %d", shape.min_count, shape.items);
    }
    reporter.Append(" (%s)", spec[0] == '\0' ? "none" : spec);
    return Status::kMalformedModel;
  }
  for (int k = 0; k < count; ++k) {
    const int32_t t = indices[static_cast<uint32_t>(k)];
    if (t >= 0 && static_cast<uint32_t>(t) < num_tensors) continue;
    SpecItem item{"", 0, Arity::kRequired};
    (void)ItemAt(spec, k, &item);
    if (t == -1 && item.arity == Arity::kOptional) continue;
    if (t != -1) {  // below -1, or past the last tensor
      return reporter.Report(Status::kMalformedModel,
                             "model is malformed: %s (operator %u in subgraph %u) %s %d "
                             "('%.*s') is tensor %d, which does not exist",
                             r.name, o, s, what, k, item.length, item.name,
                             static_cast<int>(t));
    }
    return reporter.Report(Status::kMalformedModel,
                           "model is malformed: %s (operator %u in subgraph %u) %s %d "
                           "('%.*s') is omitted (-1), but the op requires it",
                           r.name, o, s, what, k, item.length, item.name);
  }
  return Status::kOk;
}

}  // namespace

const char* OperandSpecError(const char* spec) {
  if (spec == nullptr) return "no declaration";
  SpecReader reader(spec);
  SpecItem item;
  while (reader.Next(&item)) {
  }
  return reader.error();
}

Status CheckOperandContract(const OpRegistration& r, const OperatorInfo& op,
                            uint32_t num_tensors, uint32_t s, uint32_t o,
                            ErrorReporter& reporter) {
  if (r.inputs != nullptr) {
    TFLM_RETURN_IF_ERROR(CheckList(r, "input", r.inputs, op.inputs, num_tensors, s, o, reporter));
  }
  if (r.outputs != nullptr) {
    TFLM_RETURN_IF_ERROR(
        CheckList(r, "output", r.outputs, op.outputs, num_tensors, s, o, reporter));
  }
  for (const OptionRange* range = r.options; range != nullptr && range->name != nullptr;
       ++range) {
    int32_t value = range->default_value;
    switch (range->width) {
      case 1: value = op.builtin_options.Scalar<int8_t>(range->field, static_cast<int8_t>(value)); break;
      case 2: value = op.builtin_options.Scalar<int16_t>(range->field, static_cast<int16_t>(value)); break;
      default: value = op.builtin_options.Scalar<int32_t>(range->field, value); break;
    }
    if (value >= range->min && value <= range->max) continue;
    if (range->max == INT32_MAX) {
      return reporter.Report(Status::kMalformedModel,
                             "model is malformed: %s (operator %u in subgraph %u) option "
                             "%s is %d; it must be at least %d",
                             r.name, o, s, range->name, static_cast<int>(value),
                             static_cast<int>(range->min));
    }
    return reporter.Report(Status::kMalformedModel,
                           "model is malformed: %s (operator %u in subgraph %u) option %s "
                           "is %d; it must be in [%d, %d]",
                           r.name, o, s, range->name, static_cast<int>(value),
                           static_cast<int>(range->min), static_cast<int>(range->max));
  }
  return Status::kOk;
}

}  // namespace tflm
