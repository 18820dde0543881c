// Operand contracts (OpRegistration::inputs/outputs/options): every kernel
// declares one that is well formed, and the interpreter's check of a node
// against it (CheckOperandContract) rejects wrong counts, omitted required
// operands and out-of-range options with a message naming the op, the
// operand or option, and what the op takes.
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"
#include "tensorflow/lite/micro/interpreter/op_contract.h"
#include "tensorflow/lite/micro/kernels/all_ops.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/schema/model.h"
#include "tests/cc/test_framework.h"
#include "tests/cc/testdata/reshape_model.h"

namespace {

using tflm::CheckOperandContract;
using tflm::ErrorReporter;
using tflm::Int32Span;
using tflm::OperatorInfo;
using tflm::OpRegistration;
using tflm::OptionRange;
using tflm::Status;

#define EXPECT_SPEC(actual, expected)                                              \
  do {                                                                             \
    const char* tflm_actual_ = (actual);                                           \
    if (tflm_actual_ == nullptr || std::strcmp(tflm_actual_, (expected)) != 0) {   \
      std::printf("%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__,        \
                  (expected), tflm_actual_ == nullptr ? "(null)" : tflm_actual_);  \
      ++tflm_test::Failures();                                                     \
    }                                                                              \
  } while (0)

alignas(16) uint8_t g_copy[4096];
alignas(16) uint8_t g_arena[16 * 1024];

// ---- helpers ----

// The items of a declaration: names (without suffix) and suffixes.
struct Item {
  char name[64];
  char suffix[4];
};

int ParseSpec(const char* spec, Item* items, int capacity) {
  int n = 0;
  const char* p = spec;
  while (*p != '\0' && n < capacity) {
    while (*p == ' ' || *p == ',') ++p;
    if (*p == '\0') break;
    Item& it = items[n++];
    size_t len = 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '_') {
      if (len + 1 < sizeof(it.name)) it.name[len++] = *p;
      ++p;
    }
    it.name[len] = '\0';
    size_t s = 0;
    while (*p != '\0' && *p != ',' && *p != ' ' && s + 1 < sizeof(it.suffix)) it.suffix[s++] = *p++;
    it.suffix[s] = '\0';
  }
  return n;
}

bool NamesAreDistinct(const char* spec) {
  Item items[32];
  const int n = ParseSpec(spec, items, 32);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (std::strcmp(items[i].name, items[j].name) == 0) return false;
    }
  }
  return true;
}

int64_t WidthMin(int width) { return width == 1 ? -128 : width == 2 ? -32768 : INT32_MIN; }
int64_t WidthMax(int width) { return width == 1 ? 127 : width == 2 ? 32767 : INT32_MAX; }

OperatorInfo Node(const int32_t* inputs, uint32_t num_inputs, const int32_t* outputs,
                  uint32_t num_outputs) {
  OperatorInfo op;
  op.inputs = Int32Span{inputs, num_inputs};
  op.outputs = Int32Span{outputs, num_outputs};
  return op;
}

Status Check(const OpRegistration& r, const OperatorInfo& op, ErrorReporter& reporter,
             uint32_t num_tensors = 8) {
  reporter.Clear();
  return CheckOperandContract(r, op, num_tensors, /*s=*/0, /*o=*/3, reporter);
}

// A one-table flatbuffer holding int fields of the given widths: the vtable
// at 0, the table at 16, each field 4-byte aligned after the soffset.
struct OptionField {
  int field;
  int width;
  int32_t value;
};

alignas(16) uint8_t g_table[128];

tflm::fb::Table MakeOptions(const OptionField* fields, int count) {
  std::memset(g_table, 0, sizeof(g_table));
  int max_field = -1;
  for (int i = 0; i < count; ++i) max_field = fields[i].field > max_field ? fields[i].field : max_field;
  const uint16_t vtable_bytes = static_cast<uint16_t>(4 + 2 * (max_field + 1));
  const uint16_t table_bytes = static_cast<uint16_t>(4 + 4 * count);
  std::memcpy(g_table + 0, &vtable_bytes, 2);
  std::memcpy(g_table + 2, &table_bytes, 2);
  const uint32_t table = 64;
  const int32_t soffset = static_cast<int32_t>(table);  // table - vtable (at 0)
  std::memcpy(g_table + table, &soffset, 4);
  for (int i = 0; i < count; ++i) {
    const uint16_t offset = static_cast<uint16_t>(4 + 4 * i);
    std::memcpy(g_table + 4 + 2 * fields[i].field, &offset, 2);
    uint8_t* at = g_table + table + offset;
    if (fields[i].width == 1) {
      const int8_t v = static_cast<int8_t>(fields[i].value);
      std::memcpy(at, &v, 1);
    } else if (fields[i].width == 2) {
      const int16_t v = static_cast<int16_t>(fields[i].value);
      std::memcpy(at, &v, 2);
    } else {
      std::memcpy(at, &fields[i].value, 4);
    }
  }
  return tflm::fb::Table::At(g_table, sizeof(g_table), table);
}

// ---- (a) every registration declares a well-formed contract ----

TFLM_TEST(EveryKernelDeclaresItsOperands) {
  tflm::AllOpsResolver resolver;
  int count = 0;
#define TFLM_COUNT(op) ++count;
  TFLM_BUILTIN_KERNELS(TFLM_COUNT)
  TFLM_FLEX_KERNELS(TFLM_COUNT)
#undef TFLM_COUNT
  TFLM_EXPECT_EQ(resolver.size(), count);
  for (size_t i = 0; i < resolver.size(); ++i) {
    const OpRegistration* r = resolver.entry(i).registration;
    TFLM_EXPECT(r != nullptr && r->name != nullptr);
    if (r == nullptr || r->name == nullptr) continue;
    const char* in_error = tflm::OperandSpecError(r->inputs);
    const char* out_error = tflm::OperandSpecError(r->outputs);
    if (in_error != nullptr || out_error != nullptr) {
      std::printf("%s: inputs: %s, outputs: %s\n", r->name, in_error ? in_error : "ok",
                  out_error ? out_error : "ok");
      ++tflm_test::Failures();
      continue;
    }
    if (!NamesAreDistinct(r->inputs) || !NamesAreDistinct(r->outputs)) {
      std::printf("%s: an operand name repeats (\"%s\" -> \"%s\")\n", r->name, r->inputs,
                  r->outputs);
      ++tflm_test::Failures();
    }
  }
}

TFLM_TEST(EveryOptionRangeIsTerminatedAndSane) {
  tflm::AllOpsResolver resolver;
  int with_ranges = 0;
  for (size_t i = 0; i < resolver.size(); ++i) {
    const OpRegistration* r = resolver.entry(i).registration;
    if (r->options == nullptr) continue;
    ++with_ranges;
    int n = 0;
    for (; n < 32 && r->options[n].name != nullptr; ++n) {
      const OptionRange& o = r->options[n];
      const bool sane = (o.width == 1 || o.width == 2 || o.width == 4) && o.min <= o.max &&
                        o.min >= WidthMin(o.width) &&
                        (o.max <= WidthMax(o.width) || o.max == INT32_MAX) &&
                        o.default_value >= WidthMin(o.width) &&
                        o.default_value <= WidthMax(o.width) && o.field < 64 &&
                        o.name[0] != '\0';
      if (!sane) {
        std::printf("%s: option %s (field %d, width %d, default %d, [%d, %d]) is not sane\n",
                    r->name, o.name, o.field, o.width, static_cast<int>(o.default_value),
                    static_cast<int>(o.min), static_cast<int>(o.max));
        ++tflm_test::Failures();
      }
      // One range per field.
      for (int k = 0; k < n; ++k) TFLM_EXPECT(r->options[k].field != o.field);
    }
    TFLM_EXPECT(n > 0 && n < 32);  // terminated, and not an empty list
  }
  TFLM_EXPECT(with_ranges >= 10);
}

// The declarations of a few ops, as TFLite orders and names the operands.
TFLM_TEST(DeclarationsFollowTfliteOperandOrder) {
  EXPECT_SPEC(tflm::Register_CONV_2D()->inputs, "input, filter, bias?");
  EXPECT_SPEC(tflm::Register_CONV_2D()->outputs, "output");
  EXPECT_SPEC(tflm::Register_FULLY_CONNECTED()->inputs, "input, weights, bias?");
  EXPECT_SPEC(tflm::Register_TRANSPOSE_CONV()->inputs,
                     "output_shape, weights, input, bias?");
  EXPECT_SPEC(tflm::Register_CONCATENATION()->inputs, "values+");
  EXPECT_SPEC(tflm::Register_SPLIT()->outputs, "outputs+");
  EXPECT_SPEC(tflm::Register_IF()->inputs, "cond, inputs...");
  EXPECT_SPEC(tflm::Register_FlexConv2DBackpropFilter()->inputs,
                     "input, filter_sizes, out_backprop");
  // Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3,
  // dilation_w_factor 4 (default 1), dilation_h_factor 5 (default 1).
  const OptionRange* conv = tflm::Register_CONV_2D()->options;
  TFLM_EXPECT(conv != nullptr);
  if (conv != nullptr) {
    int seen = 0;
    for (const OptionRange* o = conv; o->name != nullptr; ++o) {
      if (std::strcmp(o->name, "stride_w") == 0) {
        TFLM_EXPECT(o->field == 1 && o->width == 4 && o->default_value == 0 && o->min == 1);
        ++seen;
      } else if (std::strcmp(o->name, "dilation_h_factor") == 0) {
        TFLM_EXPECT(o->field == 5 && o->width == 4 && o->default_value == 1 && o->min == 1);
        ++seen;
      } else if (std::strcmp(o->name, "padding") == 0) {
        TFLM_EXPECT(o->field == 0 && o->width == 1 && o->min == 0 && o->max == 1);
        ++seen;
      }
    }
    TFLM_EXPECT_EQ(seen, 3);
  }
}

// ---- (b) the checker ----

const OpRegistration kConv = {"CONV_2D", nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                              "input, filter, bias?", "output", nullptr};

TFLM_TEST(ExactAndOptionalCountsPass) {
  ErrorReporter reporter;
  const int32_t two[] = {0, 1};
  const int32_t three[] = {0, 1, 2};
  const int32_t omitted_bias[] = {0, 1, -1};
  const int32_t out[] = {3};
  TFLM_EXPECT(Check(kConv, Node(two, 2, out, 1), reporter) == Status::kOk);
  TFLM_EXPECT(Check(kConv, Node(three, 3, out, 1), reporter) == Status::kOk);
  TFLM_EXPECT(Check(kConv, Node(omitted_bias, 3, out, 1), reporter) == Status::kOk);
  TFLM_EXPECT(!reporter.has_message());
}

TFLM_TEST(WrongCountsAreNamed) {
  ErrorReporter reporter;
  const int32_t one[] = {0};
  const int32_t four[] = {0, 1, 2, 3};
  const int32_t out[] = {5};
  TFLM_EXPECT(Check(kConv, Node(one, 1, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "CONV_2D (operator 3 in subgraph 0)");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 1 input; it takes 2 to 3");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "(input, filter, bias?)");
  TFLM_EXPECT(Check(kConv, Node(four, 4, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 4 inputs; it takes 2 to 3");
  const int32_t two[] = {0, 1};
  TFLM_EXPECT(Check(kConv, Node(two, 2, out, 0), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 0 outputs; it takes 1 (output)");
  const int32_t two_out[] = {5, 6};
  TFLM_EXPECT(Check(kConv, Node(two, 2, two_out, 2), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 2 outputs");
}

TFLM_TEST(OmittedRequiredOperandIsNamed) {
  ErrorReporter reporter;
  const int32_t no_filter[] = {0, -1, 2};
  const int32_t out[] = {3};
  TFLM_EXPECT(Check(kConv, Node(no_filter, 3, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "CONV_2D");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "input 1 ('filter') is omitted (-1)");
  const int32_t in[] = {0, 1};
  const int32_t no_out[] = {-1};
  TFLM_EXPECT(Check(kConv, Node(in, 2, no_out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "output 0 ('output') is omitted");
}

TFLM_TEST(NonexistentTensorIsNamed) {
  ErrorReporter reporter;
  const int32_t in[] = {0, 9};
  const int32_t out[] = {3};
  TFLM_EXPECT(Check(kConv, Node(in, 2, out, 1), reporter, /*num_tensors=*/8) ==
              Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "input 1 ('filter') is tensor 9, which does not exist");
  const int32_t bad[] = {0, 1, -2};
  TFLM_EXPECT(Check(kConv, Node(bad, 3, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "('bias') is tensor -2");
}

TFLM_TEST(VariadicMinimums) {
  ErrorReporter reporter;
  const OpRegistration concat = {"CONCATENATION", nullptr, nullptr, nullptr, nullptr, 0,
                                 nullptr, "values+", "output", nullptr};
  const OpRegistration op_if = {"IF", nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                                "cond, inputs...", "outputs...", nullptr};
  const OpRegistration none = {"CALL_ONCE", nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                               "", "", nullptr};
  const int32_t three[] = {0, 1, 2};
  const int32_t out[] = {4};
  TFLM_EXPECT(Check(concat, Node(three, 3, out, 1), reporter) == Status::kOk);
  TFLM_EXPECT(Check(concat, Node(three, 0, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "CONCATENATION");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 0 inputs; it takes at least 1 (values+)");
  // Variadic operands are required: -1 is not allowed among them.
  const int32_t hole[] = {0, -1, 2};
  TFLM_EXPECT(Check(concat, Node(hole, 3, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "input 1 ('values') is omitted");
  // Zero or more after a required one.
  TFLM_EXPECT(Check(op_if, Node(three, 1, out, 0), reporter) == Status::kOk);
  TFLM_EXPECT(Check(op_if, Node(three, 3, out, 1), reporter) == Status::kOk);
  TFLM_EXPECT(Check(op_if, Node(three, 0, out, 0), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "IF");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "it takes at least 1 (cond, inputs...)");
  TFLM_EXPECT(Check(op_if, Node(hole, 3, out, 1), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "input 1 ('inputs') is omitted");
  // None at all.
  TFLM_EXPECT(Check(none, Node(three, 0, out, 0), reporter) == Status::kOk);
  TFLM_EXPECT(Check(none, Node(three, 1, out, 0), reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "CALL_ONCE");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "has 1 input; it takes 0 (none)");
}

TFLM_TEST(LstmTakesTwentyToTwentyFourInputs) {
  ErrorReporter reporter;
  const OpRegistration& lstm = *tflm::Register_UNIDIRECTIONAL_SEQUENCE_LSTM();
  int32_t in[25];
  for (int i = 0; i < 25; ++i) in[i] = i;
  const int32_t out[] = {30};
  // CIFG without peephole, projection or layer norm: 1, 5, 9-12, 16, 17 omitted.
  const int omitted[] = {1, 5, 9, 10, 11, 12, 16, 17};
  for (int k : omitted) in[k] = -1;
  TFLM_EXPECT(Check(lstm, Node(in, 20, out, 1), reporter, 64) == Status::kOk);
  for (int k = 20; k < 24; ++k) in[k] = -1;
  TFLM_EXPECT(Check(lstm, Node(in, 24, out, 1), reporter, 64) == Status::kOk);
  TFLM_EXPECT(Check(lstm, Node(in, 19, out, 1), reporter, 64) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "it takes 20 to 24");
  TFLM_EXPECT(Check(lstm, Node(in, 25, out, 1), reporter, 64) == Status::kMalformedModel);
  in[19] = -1;
  TFLM_EXPECT(Check(lstm, Node(in, 20, out, 1), reporter, 64) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "UNIDIRECTIONAL_SEQUENCE_LSTM");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "input 19 ('cell_state') is omitted");
  in[19] = 19;
  in[2] = -1;
  TFLM_EXPECT(Check(lstm, Node(in, 20, out, 1), reporter, 64) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "('input_to_forget_weights')");
}

TFLM_TEST(OptionsOutOfRangeAreNamed) {
  ErrorReporter reporter;
  const OpRegistration& conv = *tflm::Register_CONV_2D();
  const int32_t in[] = {0, 1, 2};
  const int32_t out[] = {3};
  OperatorInfo op = Node(in, 3, out, 1);
  // Valid: stride 2x1, dilation left at its default (1), SAME padding.
  const OptionField ok[] = {{1, 4, 2}, {2, 4, 1}};
  op.builtin_options = MakeOptions(ok, 2);
  TFLM_EXPECT(op.builtin_options.present());
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kOk);
  // stride_w 0.
  const OptionField zero_stride[] = {{1, 4, 0}, {2, 4, 1}};
  op.builtin_options = MakeOptions(zero_stride, 2);
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "CONV_2D (operator 3 in subgraph 0)");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option stride_w is 0; it must be at least 1");
  // A negative dilation.
  const OptionField bad_dilation[] = {{1, 4, 1}, {2, 4, 1}, {5, 4, -3}};
  op.builtin_options = MakeOptions(bad_dilation, 3);
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option dilation_h_factor is -3");
  // An unknown padding (a byte field).
  const OptionField bad_padding[] = {{0, 1, 2}, {1, 4, 1}, {2, 4, 1}};
  op.builtin_options = MakeOptions(bad_padding, 3);
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option padding is 2; it must be in [0, 1]");
  // An unknown fused activation.
  const OptionField bad_activation[] = {{1, 4, 1}, {2, 4, 1}, {3, 1, 9}};
  op.builtin_options = MakeOptions(bad_activation, 3);
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "fused_activation_function is 9");
  // No options table: strides take the schema default 0, which is invalid.
  op.builtin_options = tflm::fb::Table();
  TFLM_EXPECT(Check(conv, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option stride_w is 0");
}

TFLM_TEST(OptionWidthsAreRead) {
  ErrorReporter reporter;
  const OptionRange ranges[] = {{"small", 0, 1, 0, 0, 3},
                                {"medium", 1, 2, 7, -5, 5},
                                {nullptr, 0, 0, 0, 0, 0}};
  const OpRegistration r = {"TEST_OP", nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                            "", "", ranges};
  OperatorInfo op;
  // Absent: "medium" defaults to 7, out of its range.
  TFLM_EXPECT(Check(r, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option medium is 7; it must be in [-5, 5]");
  const OptionField both[] = {{0, 1, 3}, {1, 2, -5}};
  op.builtin_options = MakeOptions(both, 2);
  TFLM_EXPECT(Check(r, op, reporter) == Status::kOk);
  const OptionField negative_byte[] = {{0, 1, -1}, {1, 2, 0}};
  op.builtin_options = MakeOptions(negative_byte, 2);
  TFLM_EXPECT(Check(r, op, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "option small is -1");
}

// ---- a real model: the interpreter checks the contract before prepare ----

TFLM_TEST(ReshapeModelPassesItsContract) {
  ErrorReporter reporter;
  tflm::Model model(g_reshape_model, g_reshape_model_size);
  TFLM_EXPECT(model.Verify(reporter) == Status::kOk);
  const OperatorInfo op = model.op(0, 0);
  TFLM_EXPECT(CheckOperandContract(*tflm::Register_RESHAPE(), op, model.num_tensors(0), 0, 0,
                                   reporter) == Status::kOk);
  // RESHAPE's shape input is optional, its data input is not.
  TFLM_EXPECT(op.inputs.size == 2);
  if (op.inputs.size != 2) return;
  const int32_t no_shape[] = {op.inputs[0], -1};
  OperatorInfo mutated = op;
  mutated.inputs = Int32Span{no_shape, 2};
  TFLM_EXPECT(CheckOperandContract(*tflm::Register_RESHAPE(), mutated, model.num_tensors(0), 0,
                                   0, reporter) == Status::kOk);
  const int32_t no_data[] = {-1, op.inputs[1]};
  mutated.inputs = Int32Span{no_data, 2};
  TFLM_EXPECT(CheckOperandContract(*tflm::Register_RESHAPE(), mutated, model.num_tensors(0), 0,
                                   0, reporter) == Status::kMalformedModel);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "RESHAPE (operator 0 in subgraph 0) input 0 "
                                               "('input') is omitted (-1)");
}

// The same through the interpreter, on the model's bytes: no kernel runs.
TFLM_TEST(InterpreterRejectsOmittedRequiredInput) {
  ErrorReporter reporter;
  tflm::Model model(g_reshape_model, g_reshape_model_size);
  TFLM_EXPECT(model.Verify(reporter) == Status::kOk);
  const OperatorInfo op = model.op(0, 0);
  const size_t at = static_cast<size_t>(reinterpret_cast<const uint8_t*>(op.inputs.data) -
                                        g_reshape_model);
  TFLM_EXPECT(at + 8 <= g_reshape_model_size);
  std::memcpy(g_copy, g_reshape_model, g_reshape_model_size);
  const int32_t omitted = -1;
  std::memcpy(g_copy + at, &omitted, 4);  // input 0
  tflm::AllOpsResolver resolver;
  {
    tflm::MicroInterpreter interpreter(g_copy, g_reshape_model_size, resolver, g_arena,
                                       sizeof(g_arena));
    TFLM_EXPECT(interpreter.AllocateTensors() == Status::kMalformedModel);
    TFLM_EXPECT_STR_CONTAINS(interpreter.error_message(), "RESHAPE");
    TFLM_EXPECT_STR_CONTAINS(interpreter.error_message(), "('input') is omitted");
  }
  // Omitting the optional shape input instead is accepted (the output's
  // shape comes from the options or the model).
  std::memcpy(g_copy, g_reshape_model, g_reshape_model_size);
  std::memcpy(g_copy + at + 4, &omitted, 4);  // input 1
  {
    tflm::MicroInterpreter interpreter(g_copy, g_reshape_model_size, resolver, g_arena,
                                       sizeof(g_arena));
    const Status s = interpreter.AllocateTensors();
    if (s != Status::kOk) {
      // Not the contract: RESHAPE itself may still need a known shape.
      TFLM_EXPECT(std::strstr(interpreter.error_message(), "is omitted") == nullptr);
    }
  }
}

}  // namespace

int main() { return tflm_test::RunAll(); }
