// The kernel interface: what an op implementation is (OpRegistration) and
// what it may ask of the runtime (OpContext).
//
// A kernel is a plain struct of function pointers:
//   init    — once per node, when tensors are first allocated: parse options,
//             allocate op data that lives as long as the interpreter.
//   prepare — every time the graph is (re)planned: check dtypes and shapes,
//             set output shapes, compute quantization multipliers, request
//             scratch buffers. Persistent allocations made here are released
//             when the graph is re-prepared (after an input resize).
//   eval    — every Invoke: compute. Never allocates, never looks up names.
//   reset   — optional: clear internal state (Interpreter::Reset()).
//
// All pointers handed out by OpContext stay valid for the phase they were
// obtained in; tensor data pointers obtained in eval are valid until eval
// returns (planned tensors move between plans).
#ifndef TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTEXT_H_
#define TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTEXT_H_

#include <cstddef>
#include <cstdint>

#include "tensorflow/lite/micro/core/status.h"
#include "tensorflow/lite/micro/core/tensor.h"
#include "tensorflow/lite/micro/interpreter/resource_variables.h"
#include "tensorflow/lite/micro/schema/flatbuffer.h"

namespace tflm {

class OpContext;
class MicroInterpreter;
class FileSystem;
struct Node;

// A range that a builtin option must lie in (a stride, a window, a factor
// that a kernel divides or shifts by). Read as a signed integer of `width`
// bytes from schema field `field` of the op's options table, `default_value`
// when absent. Lists of them end with an entry whose name is nullptr.
struct OptionRange {
  const char* name;       // the schema's field name, for messages
  uint8_t field;          // schema field number
  uint8_t width;          // 1 (byte), 2 (short) or 4 (int)
  int32_t default_value;  // the schema default
  int32_t min;
  int32_t max;
};

// The registration of a kernel: its entry points and its operand contract.
//
// The contract is declared, not re-derived in every prepare: `inputs` and
// `outputs` list the node's operands in order, comma-separated, each a name
// with an optional suffix —
//   "bias?"     optional: may be omitted (-1) or left off the end;
//   "values+"   variadic, one or more (last item only);
//   "values..." variadic, zero or more (last item only);
// every other operand (variadic ones included) is required: present and not
// -1. "" declares none. The interpreter checks each node against it (and
// `options` against the op's builtin options) when it resolves the node,
// before any init or prepare, so a kernel never sees a null operand it did
// not declare optional, nor an option value outside its range. A nullptr
// contract means undeclared (only custom ops added through the C ABI, which
// check their own operands).
struct OpRegistration {
  const char* name;                      // "CONV_2D", or the custom op name
  Status (*init)(OpContext& ctx);        // may be nullptr
  Status (*prepare)(OpContext& ctx);     // may be nullptr
  Status (*eval)(OpContext& ctx);        // required
  void (*reset)(OpContext& ctx);         // may be nullptr
  int max_version;                       // highest op version supported
  const void* user_data;                 // for registrations made at run time
                                         // (custom ops through the C ABI)
  const char* inputs;                    // the operand contract (see above)
  const char* outputs;
  const OptionRange* options;            // may be nullptr: no ranges
};

// Checks `spec` (an inputs/outputs declaration) for well-formedness; returns
// nullptr or what is wrong with it. For tests of the registrations.
const char* OperandSpecError(const char* spec);

enum class OpPhase : uint8_t { kInit, kPrepare, kEval, kReset };

class OpContext {
 public:
  // ---- the node ----
  int num_inputs() const;
  int num_outputs() const;
  int num_intermediates() const;
  // nullptr when `k` is out of range or the optional input is omitted (-1).
  Tensor* input(int k) const;
  Tensor* output(int k) const;
  Tensor* intermediate(int k) const;
  // Tensor index in the subgraph (-1 when omitted).
  int input_index(int k) const;
  int output_index(int k) const;
  QuantParams input_quant(int k) const;
  QuantParams output_quant(int k) const;
  QuantParams intermediate_quant(int k) const;
  const char* input_name(int k) const;
  const char* output_name(int k) const;

  int op_index() const { return op_index_; }
  int subgraph_index() const { return subgraph_; }
  int op_version() const;
  const char* op_name() const;
  const OpRegistration& registration() const;
  OpPhase phase() const { return phase_; }

  // Builtin options table of the op (absent table if none). Read fields by
  // their schema field number: builtin_options().Scalar<int8_t>(0, 0).
  fb::Table builtin_options() const;
  const uint8_t* custom_options(size_t* size) const;

  // ---- op data ----
  void* op_data() const;
  void set_op_data(void* data);
  template <typename T>
  T* op_data_as() const {
    return static_cast<T*>(op_data());
  }

  // ---- memory (init and prepare only) ----
  // Persistent bytes from the arena tail (see the header comment for their
  // lifetime). Returns nullptr and records an "arena too small" error when it
  // does not fit.
  void* AllocatePersistent(size_t bytes, size_t alignment = 16);
  template <typename T>
  T* AllocatePersistentArray(size_t count) {
    return static_cast<T*>(AllocatePersistent(sizeof(T) * count, alignof(T) < 16 ? 16 : alignof(T)));
  }
  // Allocates op data of type T (zero-initialised) and stores it as the op
  // data. Returns nullptr if the arena is full.
  template <typename T>
  T* AllocateOpData() {
    T* data = static_cast<T*>(AllocatePersistent(sizeof(T), alignof(T) < 8 ? 8 : alignof(T)));
    if (data != nullptr) {
      unsigned char* bytes = reinterpret_cast<unsigned char*>(data);
      for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = 0;
      set_op_data(data);
    }
    return data;
  }
  // Requests a scratch buffer alive only during this op's eval (prepare
  // only). `*handle` is passed to scratch() in eval.
  Status RequestScratch(size_t bytes, int* handle);
  // A scratch buffer of at least `min_bytes` that the planner enlarges, up
  // to `max_bytes`, into space that is free during this op anyway: it never
  // raises the arena's size. For kernels that work in tiles (im2col, packed
  // panels); eval asks scratch_size(handle) how many bytes it got.
  Status RequestFlexibleScratch(size_t min_bytes, size_t max_bytes, int* handle);
  void* scratch(int handle) const;
  // Bytes of the scratch buffer (eval): the request, or for a flexible
  // scratch what the planner granted (a multiple of 16, >= min_bytes).
  size_t scratch_size(int handle) const;

  // ---- shapes (prepare only) ----
  // Sets the shape of a non-constant tensor (an output, typically).
  Status SetShape(Tensor* tensor, const int32_t* dims, int rank);
  Status SetOutputShape(int k, const int32_t* dims, int rank) {
    return SetShape(output(k), dims, rank);
  }
  // Gives output `k` the same shape as `source`.
  Status SetOutputShapeLike(int k, const Tensor* source) {
    return SetShape(output(k), source->dims, source->rank);
  }
  // Makes output `out` share input `in`'s storage (reshape-like ops whose
  // eval copies nothing when the pointers are equal). Ignored when not
  // possible (constant input, preserve-all-tensors mode); eval must then copy.
  void ShareInputBuffer(int out, int in);
  // Allows the planner to give output `out` the buffer of input `in` when
  // this op is that input's last use (then eval sees out->data == in->data).
  // Only for kernels whose eval computes every output element from the input
  // elements at the same index, so overwriting as it goes is safe.
  void AllowInPlace(int out, int in);

  // ---- output shapes that only eval knows ----
  // For an output whose shape is a value computed during invoke (a
  // TRANSPOSE_CONV output_shape fed by a graph input). Memory is planned at
  // prepare, so prepare gives the output the largest shape eval may set
  // (SetShape as usual: the planner sizes the output from it, and the ops
  // that read the output are prepared with it), then calls
  // AllowOutputShapeAtEval. Eval sets the shape of the invoke with
  // SetOutputShapeAtEval.
  //
  // The rule: an op that reads the output was prepared with the prepared
  // shape, so eval may set another shape only when none does — no other op
  // of the subgraph reads the output, and the subgraph is not run by IF or
  // WHILE (they take its outputs at their prepared shapes). Prepare learns
  // which in `*may_differ`; when false, the kernel's eval must keep to the
  // prepared shape (and say so when the value it computes differs). The
  // output's `bytes` stay the planned size (callers read its dims); its
  // dims are those of the last eval until the next prepare sets them again.
  // Prepare only: gives output k's dims storage for this plan.
  Status AllowOutputShapeAtEval(int k, bool* may_differ);
  // Eval only, after AllowOutputShapeAtEval: output k's shape for this
  // invoke. Same rank as prepared, no more bytes than planned.
  Status SetOutputShapeAtEval(int k, const int32_t* dims, int rank);

  // ---- values known at prepare (shape arithmetic, resource ids) ----
  // Gives output `k` storage for the current plan (arena tail, released at
  // re-prepare) and marks it kTensorValueAtPrepare: the kernel writes its
  // value now, in prepare, so later prepares can read it. Its shape must be
  // set first.
  Status MaterializeOutput(int k);
  static bool ValueKnownAtPrepare(const Tensor* t) {
    return t != nullptr && (t->is_constant() || (t->flags & kTensorValueAtPrepare) != 0);
  }

  // ---- resource variables ----
  // Prepare: whether output `k` can use variable `id`'s storage directly
  // (zero copy): no later op of this subgraph assigns the variable, or runs
  // another subgraph, while the output is still read, and no consumer may
  // write the output in place. Then AliasOutput(k, variable data).
  bool VariableStableWhileOutputLive(int k, int id) const;
  Status AliasOutput(int k, void* data);
  // The variable that an ASSIGN_VARIABLE of this subgraph writes output `k`
  // into (through a VAR_HANDLE of this subgraph), or nullptr.
  const ResourceVariable* AssignedVariable(int k) const;
  // The id of the variable these names denote (init; -1 when unknown).
  int FindResourceVariable(const char* container, const char* shared_name) const;
  // nullptr for an unknown id.
  ResourceVariable* resource_variable(int id) const;

  // ---- subgraphs (control flow) ----
  int num_subgraphs() const;
  // Prepare: this op runs `subgraph` during its eval (its memory is then
  // planned above this subgraph's).
  Status DeclareSubgraphCall(int subgraph);
  // Init: this op passes its inputs to `subgraph` (IF, WHILE), so that
  // subgraph's input shapes come from this op. The interpreter then does not
  // prepare it in its own pass over the subgraphs: this op's prepare does,
  // through PrepareSubgraph, once the shapes are known. (A claimed subgraph
  // that no prepare asks for is prepared last, with the shapes it has.)
  Status ClaimSubgraph(int subgraph);
  // Prepare: gives input k of `subgraph` the dtype-checked shape of this op's
  // input `first_input + k` (the counts must match), prepares the subgraph
  // (with any subgraphs it calls) and declares the call. A subgraph is
  // prepared once per planning: when it already is, its input shapes must be
  // the ones this op passes. An input whose value is known at prepare (a
  // resource id) passes that value too (the callee input then shares the
  // op input's storage and is no longer planned): always for a single call,
  // and in a loop (`loop_body` >= 0) only for the loop variables that
  // `loop_body` returns unchanged.
  Status PrepareSubgraph(int subgraph, int first_input, int loop_body = -1);
  // Eval: runs `subgraph` to completion.
  Status InvokeSubgraph(int subgraph);
  // Whether `subgraph` has run as an initialization subgraph (CALL_ONCE)
  // since the interpreter was created or Reset(): one flag per subgraph,
  // shared by every CALL_ONCE that names it, as in TFLite.
  bool subgraph_initialized(int subgraph) const;
  void set_subgraph_initialized(int subgraph);
  // A tensor of another subgraph (for passing values in and out).
  Tensor* subgraph_tensor(int subgraph, int index) const;
  int subgraph_input_index(int subgraph, int k) const;
  int subgraph_output_index(int subgraph, int k) const;
  // Whether an op of `subgraph` reads its input k or the subgraph returns
  // it (if not, a caller need not fill it).
  bool subgraph_reads_input(int subgraph, int k) const;

  // ---- files (checkpoint ops) ----
  // The interpreter's file system (MicroInterpreter::set_file_system), or
  // nullptr when none was set.
  FileSystem* file_system() const;

  // ---- errors ----
  // Records the message (the interpreter adds the op name and index) and
  // returns `code`.
  Status Error(Status code, const char* fmt, ...) TFLM_PRINTF_FORMAT(3, 4);

  // ---- checks with messages, for prepare ----
  Status ExpectInputs(int min, int max);
  Status ExpectOutputs(int count);
  Status ExpectType(const Tensor* t, DataType type, const char* what);

 private:
  friend class MicroInterpreter;
  OpContext() = default;

  MicroInterpreter* interpreter_ = nullptr;
  Node* node_ = nullptr;
  Tensor* tensors_ = nullptr;
  int subgraph_ = 0;
  int op_index_ = 0;
  OpPhase phase_ = OpPhase::kInit;
};

// Checks a condition in prepare; on failure returns kInvalidArgument with the
// condition's text.
#define TFLM_ENSURE(ctx, cond)                                                \
  do {                                                                        \
    if (!(cond)) {                                                            \
      return (ctx).Error(::tflm::Status::kInvalidArgument, "check failed: %s", \
                         #cond);                                              \
    }                                                                         \
  } while (0)

#define TFLM_ENSURE_MSG(ctx, cond, ...)                              \
  do {                                                               \
    if (!(cond)) {                                                   \
      return (ctx).Error(::tflm::Status::kInvalidArgument, __VA_ARGS__); \
    }                                                                \
  } while (0)

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTEXT_H_
