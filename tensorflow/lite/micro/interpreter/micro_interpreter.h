// The interpreter: runs a verified model inside one caller-supplied arena.
//
//   tflm::MutableOpResolver<3> resolver;          // or tflm::AllOpsResolver
//   ... resolver.AddBuiltin(...) ...
//   alignas(16) static uint8_t arena[20 * 1024];
//   tflm::MicroInterpreter interpreter(model_data, model_size, resolver,
//                                      arena, sizeof(arena));
//   if (interpreter.AllocateTensors() != tflm::Status::kOk) {
//     puts(interpreter.error_message());
//   }
//   memcpy(interpreter.input(0)->data, ..., interpreter.input(0)->bytes);
//   interpreter.Invoke();
//
// Data flows one way: model bytes -> verified Model -> tensor and node tables
// (arena tail) -> kernel init -> kernel prepare (shapes, op data, scratch
// requests) -> memory plan (arena head) -> invoke. Nothing is allocated and
// nothing is looked up by name during Invoke.
//
// Lifetimes: `model_data`, the resolver (and its registrations) and `arena`
// must outlive the interpreter. Tensor pointers stay valid until the next
// (re)planning: AllocateTensors() or an Invoke() after ResizeInputTensor().
// Inputs are read during Invoke and their memory is then reused by later
// tensors (as in upstream TFLM): set every input before every Invoke.
#ifndef TENSORFLOW_LITE_MICRO_INTERPRETER_MICRO_INTERPRETER_H_
#define TENSORFLOW_LITE_MICRO_INTERPRETER_MICRO_INTERPRETER_H_

#include <cstddef>
#include <cstdint>

#include "tensorflow/lite/micro/core/arena.h"
#include "tensorflow/lite/micro/core/status.h"
#include "tensorflow/lite/micro/core/tensor.h"
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/interpreter/op_resolver.h"
#include "tensorflow/lite/micro/interpreter/resource_variables.h"
#include "tensorflow/lite/micro/interpreter/signature_runner.h"
#include "tensorflow/lite/micro/schema/model.h"

namespace tflm {

class FileSystem;

struct InterpreterOptions {
  // Give every tensor its own storage so all intermediate values can be read
  // after Invoke (debugging; uses more arena).
  bool preserve_all_tensors = false;
  // Run each subgraph's operators in an order, among those the data and the
  // variables' read/write order allow, that lowers the peak of live tensors
  // (kept only when it does): a training step then applies each weight's
  // update as soon as its gradient exists. False keeps the model's order.
  // Either way, checkpoint restores run before the subgraph's first
  // variable assignment (op_order.cc).
  bool reorder_ops = true;
};

// Called around every operator during Invoke (per-op timing, tracing).
class InvokeObserver {
 public:
  virtual ~InvokeObserver() = default;
  virtual void BeforeOp(int subgraph, int op) = 0;
  virtual void AfterOp(int subgraph, int op) = 0;
};

struct Node {
  const OpRegistration* registration;
  const int32_t* inputs;         // into the model
  const int32_t* outputs;        // into the model
  const int32_t* intermediates;  // into the model
  void* op_data;
  uint16_t num_inputs;
  uint16_t num_outputs;
  uint16_t num_intermediates;
  uint16_t version;
  int32_t builtin_code;          // -1 for custom ops
  uint32_t model_op;             // index of the operator in the model's
                                 // subgraph (nodes run in execution order)
};

class MicroInterpreter {
 public:
  MicroInterpreter(const uint8_t* model_data, size_t model_size,
                   const OpResolver& resolver, uint8_t* arena,
                   size_t arena_size,
                   const InterpreterOptions& options = InterpreterOptions());
  ~MicroInterpreter() = default;
  MicroInterpreter(const MicroInterpreter&) = delete;
  MicroInterpreter& operator=(const MicroInterpreter&) = delete;

  // Verifies the model, builds the tensor and node tables, runs every
  // kernel's init and prepare, and plans the arena. Idempotent.
  Status AllocateTensors();

  // Runs subgraph 0 (or `subgraph`). Re-prepares first if an input was resized.
  Status Invoke() { return InvokeSubgraph(0); }
  Status InvokeSubgraph(int subgraph);

  // Changes the shape of input `input_index` of `subgraph`; the graph is
  // re-prepared and re-planned before the next Invoke.
  Status ResizeInputTensor(int subgraph, int input_index, const int32_t* dims,
                           int rank);
  // The same for a subgraph input given by its tensor index.
  Status ResizeTensor(int subgraph, int tensor_index, const int32_t* dims,
                      int rank);

  // Sets how many bytes string input `tensor_index` of `subgraph` holds
  // (TFLite's string layout: a header of 4 * (count + 2) bytes, then the
  // characters); the graph is re-planned before the next Invoke. String
  // inputs start with room for 240 characters per string.
  Status SetStringCapacity(int subgraph, int tensor_index, size_t bytes);

  // ---- signatures ----
  int num_signatures() const;
  // The runner of signature `key` (runner.ok() is false when there is none,
  // and error_message() names the signatures the model has).
  SignatureRunner GetSignatureRunner(const char* key);
  SignatureRunner GetSignatureRunner(int index) { return SignatureRunner(this, index); }

  // Zeroes variable tensors and resource variables and resets kernel state
  // (CALL_ONCE runs its initialization subgraph again at the next invoke, so
  // resource variables get their initial values back).
  Status Reset();

  // Resource variables (sized from the model before kernels run).
  ResourceVariables& resource_variables() { return variables_; }

  // ---- tensors of subgraph 0 ----
  size_t inputs_size() const { return subgraph_inputs(0).size; }
  size_t outputs_size() const { return subgraph_outputs(0).size; }
  Tensor* input(size_t i) const;
  Tensor* output(size_t i) const;

  // ---- any subgraph ----
  int num_subgraphs() const { return static_cast<int>(num_subgraphs_); }
  Int32Span subgraph_inputs(int subgraph) const;
  Int32Span subgraph_outputs(int subgraph) const;
  int num_tensors(int subgraph) const;
  Tensor* tensor(int subgraph, int index) const;
  int num_nodes(int subgraph) const;
  const Node& node(int subgraph, int op) const;
  const char* node_name(int subgraph, int op) const;

  const Model& model() const { return model_; }
  const char* error_message() const { return reporter_.message(); }
  ErrorReporter& reporter() { return reporter_; }
  bool allocated() const { return allocated_; }

  // ---- memory ----
  const Arena& arena() const { return arena_; }
  size_t arena_used_bytes() const { return arena_.used_bytes(); }
  // Bytes of the planned (per-invoke) region the subgraph needs.
  size_t subgraph_plan_bytes(int subgraph) const;

  void set_observer(InvokeObserver* observer) { observer_ = observer; }

  // Asked before every operator an invoke runs (also inside IF and WHILE,
  // so before every loop iteration): when it returns true, the invoke stops
  // with Status::kCancelled. For deadlines and user interrupts (a model's
  // loop may legitimately run for a very long time). `data` is passed to
  // `check` and must outlive its use; nullptr (the default) costs one
  // comparison per operator.
  using CancellationCheck = bool (*)(void* data);
  void set_cancellation_check(CancellationCheck check, void* data) {
    cancellation_check_ = check;
    cancellation_data_ = data;
  }

  // Where the checkpoint ops (Save, Restore, SaveV2, RestoreV2) read and
  // write files; without one they use the C library's files
  // (StdioFileSystem::Default(), training/file_system.h).
  void set_file_system(FileSystem* fs) { file_system_ = fs; }
  FileSystem* file_system() const { return file_system_; }

 private:
  friend class OpContext;

  struct SubgraphState {
    Tensor* tensors;
    Node* nodes;
    // Temp memory, valid from the start of prepare to the end of planning:
    // per tensor, -1, or the tensor whose buffer it must share (>= 0, from
    // ShareInputBuffer), or -2 - t for "may overwrite input t in place".
    int32_t* share_source;
    uint32_t num_tensors;
    uint32_t num_nodes;
    size_t plan_bytes;
    size_t base_offset;  // of its plan in the head (callees sit above callers)
    bool initialized;    // ran as a CALL_ONCE init subgraph since the last Reset
    bool claimed;        // its inputs come from a control-flow op (ClaimSubgraph)
    uint8_t prepare_state;  // PrepareState, during PrepareAndPlan
  };
  enum PrepareState : uint8_t { kNotPrepared, kPreparing, kPrepared };
  struct SubgraphCall {  // temp memory: recorded during prepare
    SubgraphCall* next;
    uint32_t caller;
    uint32_t callee;
  };
  struct ScratchRequest {
    ScratchRequest* next;
    uint32_t subgraph;
    uint32_t node;
    uint32_t bytes;      // minimum
    uint32_t max_bytes;  // > bytes for a flexible scratch
    int32_t planner_id;
  };

  Status InitTensors(uint32_t s);
  Status InitNodes(uint32_t s);
  Status ResolveNode(uint32_t s, uint32_t o, Node* node);
  Status PrepareAndPlan();
  // PrepareAndPlan after a resize; when it fails, the inputs get the shapes
  // of the last successful plan back and are planned again, so the failure
  // (a batch too large for the arena, mismatched inputs) leaves the
  // interpreter as it was before the resize.
  Status Replan();
  // Saves (true) or restores (false) the shapes and bytes of the inputs a
  // caller can resize, as of the last successful plan.
  void KeepOwnedShapes(bool save);
  // Runs the prepare of every op of subgraph `s` (once per PrepareAndPlan;
  // nested when a control-flow op prepares its callee).
  Status PrepareSubgraph(uint32_t s);
  Status Plan();
  Status OutOfMemory();
  Status PlanSubgraph(uint32_t s, size_t base, size_t temp_mark, size_t* bytes);
  Status ResolveResourceVariables();
  // Permutes subgraph s's nodes into execution order (op_order.cc).
  Status OrderNodes(uint32_t s);
  // The variable a resource tensor of subgraph s denotes, when a VAR_HANDLE
  // of that subgraph produces it; -1 otherwise.
  int VariableOfResource(uint32_t s, int32_t tensor) const;
  void VarHandleNames(uint32_t s, uint32_t o, const char** container,
                      const char** shared_name) const;
  Status RunPhase(OpPhase phase, uint32_t s, uint32_t o);
  // Shape arithmetic whose inputs are known at prepare is evaluated then, so
  // shapes that depend on it (a dynamic batch) are static for the plan.
  bool ComputableAtPrepare(uint32_t s, const Node& n) const;
  Status EvaluateAtPrepare(Node& n);
  void DecorateError(uint32_t s, uint32_t o);
  Status ZeroVariables();

  // For OpContext.
  Status DeclareSubgraphCall(uint32_t caller, uint32_t callee);
  Status RequestScratch(uint32_t s, uint32_t o, size_t min_bytes,
                        size_t max_bytes, int* handle);

  Model model_;
  const OpResolver& resolver_;
  uint8_t* arena_buffer_;
  size_t arena_buffer_size_;
  InterpreterOptions options_;
  Arena arena_;
  ErrorReporter reporter_;
  OpContext context_;
  InvokeObserver* observer_ = nullptr;
  CancellationCheck cancellation_check_ = nullptr;
  void* cancellation_data_ = nullptr;
  FileSystem* file_system_ = nullptr;

  SubgraphState* subgraphs_ = nullptr;
  uint32_t num_subgraphs_ = 0;
  ScratchRequest* scratch_requests_ = nullptr;
  SubgraphCall* subgraph_calls_ = nullptr;
  ResourceVariables variables_;
  uint32_t num_scratch_ = 0;
  uint8_t** scratch_pointers_ = nullptr;  // indexed by handle, prepare zone
  uint32_t* scratch_sizes_ = nullptr;     // indexed by handle, prepare zone
  bool allocated_ = false;
  bool needs_prepare_ = false;
};

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_INTERPRETER_MICRO_INTERPRETER_H_
