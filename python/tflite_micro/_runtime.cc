// The pybind11 module: a thin binding of the C++ interpreter.
//
// It owns the model bytes (copied into 16-byte-aligned storage), the arena,
// the op resolver (all kernels plus custom ops from registerers) and the
// MicroInterpreter. Inputs are copied into the arena, outputs are copied out
// into new numpy arrays, so nothing handed to Python aliases the arena.
// Errors from the core become ValueError (bad model, bad argument,
// unsupported op) or RuntimeError (arena, kernel failure); an index out of
// range is IndexOutOfRangeError (both IndexError, as upstream raises, and
// ValueError).
//
// Nothing a model, an argument or a call pattern does may crash the process:
//   - copies in and out move exactly the bytes the tensor's shape needs, and
//     refuse a tensor whose storage is smaller than its shape;
//   - every method takes the interpreter's mutex, so one interpreter used
//     from several threads runs one call at a time (invoke still releases
//     the GIL, so separate interpreters run in parallel);
//   - text from the model or the core (names, messages) need not be UTF-8:
//     invalid bytes become \xNN escapes instead of a UnicodeDecodeError;
//   - a custom-op registerer must live in a library of its own, not in the C
//     or Python runtime (whose functions would be called with our arguments).
#include <dlfcn.h>
#if defined(__linux__) || defined(__FreeBSD__)
#include <link.h>
#define TFLM_HAVE_DL_ITERATE_PHDR 1
#endif
#include <unistd.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensorflow/lite/micro/c/custom_op.h"
#include "tensorflow/lite/micro/core/string_tensor.h"
#include "tensorflow/lite/micro/interpreter/custom_op_adapter.h"
#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"
#include "tensorflow/lite/micro/kernels/all_ops.h"
#include "tensorflow/lite/micro/schema/builtin_ops.h"

namespace py = pybind11;

namespace tflm {
namespace {

constexpr size_t kMaxCustomOps = 64;
// The largest arena the binding allocates (runtime.py checks the same bound
// first, with a friendlier message).
constexpr size_t kMaxArenaBytes = size_t{1} << 40;

// An index out of range; raised as IndexOutOfRangeError (IndexError and
// ValueError), whose type object the module owns.
class IndexOutOfRange : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
py::handle g_index_out_of_range;  // borrowed from the module's attribute

// A custom-op registerer that cannot be found or fails; raised as
// CustomOpRegistrationError (RuntimeError, as upstream raises, and
// ValueError).
class RegistrationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
py::handle g_registration_failure;

// Text from the model or the core, which need not be UTF-8 (a tensor name is
// whatever bytes the model holds).
py::str Text(const char* data, size_t size) {
  PyObject* s = PyUnicode_DecodeUTF8(data, static_cast<Py_ssize_t>(size), "backslashreplace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);  // owns the new reference
}
py::str Text(const char* s) { return s == nullptr ? py::str("") : Text(s, strlen(s)); }

// Exceptions thrown by this module carry std::string messages that may hold
// model bytes; pybind11's own translation would decode them strictly.
void TranslateException(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const IndexOutOfRange& e) {
    py::set_error(g_index_out_of_range, Text(e.what()));
  } catch (const RegistrationFailure& e) {
    py::set_error(g_registration_failure, Text(e.what()));
  } catch (const py::value_error& e) {
    py::set_error(PyExc_ValueError, Text(e.what()));
  } catch (const py::type_error& e) {
    py::set_error(PyExc_TypeError, Text(e.what()));
  } catch (const py::index_error& e) {
    py::set_error(PyExc_IndexError, Text(e.what()));
  } catch (const py::builtin_exception&) {
    throw;  // the other pybind11 exceptions, as pybind11 raises them
  } catch (const std::runtime_error& e) {
    py::set_error(PyExc_RuntimeError, Text(e.what()));
  }
}

// 16-byte aligned heap storage (the binding may use the heap; the core not).
// Not zero-filled: pages of a large arena that a plan never touches cost no
// memory (the automatic arena leaves room for larger batches that way).
class AlignedBuffer {
 public:
  AlignedBuffer(size_t size, const char* what) : size_(size) {
    if (size > kMaxArenaBytes) {
      throw py::value_error(std::string(what) + " of " + std::to_string(size) +
                            " bytes is larger than the most this runtime allocates (" +
                            std::to_string(kMaxArenaBytes) + " bytes)");
    }
    storage_.reset(new (std::nothrow) uint8_t[size + 16]);
    if (storage_ == nullptr) {
      py::set_error(PyExc_MemoryError, ("cannot allocate the " + std::string(what) + " (" +
                                        std::to_string(size) + " bytes)")
                                           .c_str());
      throw py::error_already_set();
    }
    const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.get());
    offset_ = static_cast<size_t>(((p + 15) & ~uintptr_t{15}) - p);
  }
  uint8_t* data() { return storage_.get() + offset_; }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> storage_;
  size_t size_;
  size_t offset_ = 0;
};

[[noreturn]] void ThrowStatus(Status status, const std::string& message) {
  switch (status) {
    case Status::kInvalidArgument:
    case Status::kMalformedModel:
    case Status::kUnsupported:
    case Status::kNotFound:
      throw py::value_error(message);
    default:
      throw std::runtime_error(message);
  }
}

py::dtype NumpyDtype(DataType type) {
  switch (type) {
    case DataType::kFloat32: return py::dtype::of<float>();
    case DataType::kFloat64: return py::dtype::of<double>();
    case DataType::kInt8: return py::dtype::of<int8_t>();
    case DataType::kUInt8: return py::dtype::of<uint8_t>();
    case DataType::kInt16: return py::dtype::of<int16_t>();
    case DataType::kUInt16: return py::dtype::of<uint16_t>();
    case DataType::kInt32: return py::dtype::of<int32_t>();
    case DataType::kUInt32: return py::dtype::of<uint32_t>();
    case DataType::kInt64: return py::dtype::of<int64_t>();
    case DataType::kUInt64: return py::dtype::of<uint64_t>();
    case DataType::kBool: return py::dtype::of<bool>();
    case DataType::kFloat16: return py::dtype("float16");
    case DataType::kComplex64: return py::dtype("complex64");
    case DataType::kComplex128: return py::dtype("complex128");
    case DataType::kResource: return py::dtype::of<int32_t>();
    case DataType::kString: return py::dtype("O");
    default:
      throw py::value_error(std::string("dtype ") + DataTypeName(type) +
                            " cannot be exchanged with numpy");
  }
}

std::string ShapeText(const int32_t* dims, int rank) {
  std::string s = "(";
  for (int d = 0; d < rank; ++d) s += std::to_string(dims[d]) + (d + 1 < rank ? ", " : "");
  return s + (rank == 1 ? ",)" : ")");
}

// Names a tensor in error messages: "input 0 ('x')" or "tensor 5 ('y') of
// subgraph 1". The text is built only when a message is (setting inputs and
// invoking are the hot path of small models).
class Label {
 public:
  // `kind` "input"/"output" with its position, or nullptr for any tensor.
  Label(const MicroInterpreter* interpreter, const char* kind, size_t position, int subgraph,
        int index)
      : interpreter_(interpreter), kind_(kind), position_(position), subgraph_(subgraph),
        index_(index) {}

  std::string str() const {
    // The model's name ("" for an index it does not have, so a message
    // never reads outside the model).
    const char* name = nullptr;
    if (subgraph_ >= 0 && subgraph_ < interpreter_->num_subgraphs() && index_ >= 0 &&
        index_ < interpreter_->num_tensors(subgraph_)) {
      name = interpreter_->model().tensor(subgraph_, index_).name;
    }
    const std::string quoted = " ('" + std::string(name == nullptr ? "" : name) + "')";
    if (kind_ != nullptr) return kind_ + (" " + std::to_string(position_)) + quoted;
    return "tensor " + std::to_string(index_) + quoted + " of subgraph " +
           std::to_string(subgraph_);
  }

 private:
  const MicroInterpreter* interpreter_;
  const char* kind_;
  size_t position_;
  int subgraph_;
  int index_;
};
std::string operator+(const Label& a, const char* b) { return a.str() + b; }
std::string operator+(const Label& a, const std::string& b) { return a.str() + b; }
std::string operator+(const char* a, const Label& b) { return a + b.str(); }
std::string operator+(const std::string& a, const Label& b) { return a + b.str(); }

// Bytes that a tensor's shape needs at `item_size` bytes per element;
// refuses negative (unresolved) dimensions and sizes that overflow.
size_t ShapeBytes(const Tensor* t, size_t item_size, const Label& what) {
  uint64_t n = item_size;
  const uint64_t limit = std::numeric_limits<uint32_t>::max();
  for (int d = 0; d < t->rank; ++d) {
    if (t->dims[d] < 0) {
      throw std::runtime_error(what + " has an unresolved shape " +
                               ShapeText(t->dims, t->rank) +
                               " (resize it, or run allocate_tensors)");
    }
    n *= static_cast<uint64_t>(t->dims[d]);
    if (n > limit) {
      throw std::runtime_error(what + " has shape " + ShapeText(t->dims, t->rank) +
                               ", larger than a tensor can be");
    }
  }
  return static_cast<size_t>(n);
}

// Per-op timing through the interpreter's observer hook.
class Timer : public InvokeObserver {
 public:
  void BeforeOp(int subgraph, int op) override {
    start_ = std::chrono::steady_clock::now();
  }
  void AfterOp(int subgraph, int op) override {
    const auto end = std::chrono::steady_clock::now();
    records_.push_back({subgraph, op,
                        std::chrono::duration_cast<std::chrono::nanoseconds>(end - start_).count()});
  }
  struct Record {
    int subgraph;
    int op;
    long long nanoseconds;
  };
  std::vector<Record> records_;

 private:
  std::chrono::steady_clock::time_point start_;
};

// Where a function lives, to refuse registerers that are not custom-op code.
// Returns "" when `fn` may be called as a registerer, else why not.
std::string ForbiddenRegistererHome(const void* fn);

class PyInterpreter {
 public:
  PyInterpreter(py::bytes model, size_t arena_size, bool preserve_all_tensors,
                const std::vector<std::string>& registerers, bool reorder_ops)
      : resolver_(new AllOpsResolver()),
        custom_registrations_(new OpRegistration[kMaxCustomOps]) {
    if (arena_size == 0) throw py::value_error("arena_size must be a positive number of bytes");
    const std::string bytes = model;
    model_ = std::make_unique<AlignedBuffer>(bytes.size(), "model");
    memcpy(model_->data(), bytes.data(), bytes.size());
    arena_ = std::make_unique<AlignedBuffer>(arena_size, "arena");
    slots_ = CustomOpSlots{resolver_.get(), custom_registrations_.get(),
                           kMaxCustomOps, 0};
    for (const std::string& name : registerers) AddRegisterer(name);
    InterpreterOptions options;
    options.preserve_all_tensors = preserve_all_tensors;
    options.reorder_ops = reorder_ops;
    interpreter_ = std::make_unique<MicroInterpreter>(
        model_->data(), model_->size(), *resolver_, arena_->data(),
        arena_->size(), options);
    const Status status = interpreter_->AllocateTensors();
    if (status != Status::kOk) {
      ThrowStatus(status, interpreter_->error_message());
    }
    input_state_.assign(interpreter_->inputs_size(), InputState::kUnset);
  }

  // ---- running ----
  void Invoke() {
    Lock lock(this);
    CheckInputsSet();
    Run(0, /*signature_call=*/false);
  }

  void Reset() {
    Lock lock(this);
    const Status status = interpreter_->Reset();
    if (status != Status::kOk) ThrowStatus(status, interpreter_->error_message());
  }

  void InvokeSubgraph(int subgraph) {
    Lock lock(this);
    CheckSubgraph(subgraph);
    Run(subgraph, /*signature_call=*/true);
  }

  // ---- inputs and outputs of subgraph 0 ----
  size_t NumInputs() {
    Lock lock(this);
    return interpreter_->inputs_size();
  }
  size_t NumOutputs() {
    Lock lock(this);
    return interpreter_->outputs_size();
  }
  int InputTensorIndex(size_t i) {
    Lock lock(this);
    return InputIndex(i);
  }
  int OutputTensorIndex(size_t i) {
    Lock lock(this);
    return OutputIndex(i);
  }

  void SetInput(py::array array, size_t i) {
    Lock lock(this);
    const int index = InputIndex(i);
    WriteTensor(0, index, array, Label(interpreter_.get(), "input", i, 0, index));
  }

  py::array GetOutput(size_t i) {
    Lock lock(this);
    const int index = OutputIndex(i);
    const Label what(interpreter_.get(), "output", i, 0, index);
    const Tensor* t = GetTensorChecked(0, index);
    if (t->kind == TensorKind::kPlanned) {
      switch (output_state_) {
        case OutputState::kValid:
          break;
        case OutputState::kNotRun:
          // Before the first invoke an output reads as zeros (as upstream's
          // tests expect), never as whatever the arena held; unless it is
          // also an input that was set.
          if (!IsSetInput(index)) return ZerosLike(t);
          break;
        case OutputState::kFailed:
          throw std::runtime_error(what + " has no value: the last invoke() failed (" +
                                   failure_ + "); call invoke() again once it succeeds");
        case OutputState::kOverwritten:
          throw std::runtime_error(what + " no longer holds the result of invoke(): its "
                                   "memory was reused since, by " + overwritten_by_ +
                                   "; call invoke() again");
      }
    }
    return CopyOut(t, what);
  }

  // ---- tensors of any subgraph ----
  py::dict TensorDetails(int subgraph, int index) {
    Lock lock(this);
    const Tensor* t = GetTensorChecked(subgraph, index);
    const Model& model = interpreter_->model();
    const TensorInfo info = model.tensor(subgraph, index);
    const QuantParams q = model.quantization(subgraph, index);
    py::dict d;
    d["name"] = Text(info.name);
    d["index"] = index;
    d["subgraph"] = subgraph;
    std::vector<int32_t> shape(t->dims, t->dims + t->rank);
    d["shape"] = py::array_t<int32_t>(shape.size(), shape.data());
    std::vector<int32_t> signature;
    if (info.shape_signature.size > 0) {
      signature.assign(info.shape_signature.data,
                       info.shape_signature.data + info.shape_signature.size);
    } else {
      signature = shape;
    }
    d["shape_signature"] = py::array_t<int32_t>(signature.size(), signature.data());
    // Strings: numpy.bytes_, as tf.lite.Interpreter reports them.
    d["dtype"] = t->type == DataType::kString ? py::dtype("S") : NumpyDtype(t->type);
    d["dtype_name"] = Text(DataTypeName(t->type));
    std::vector<float> scales(q.count);
    std::vector<int32_t> zero_points(q.count);
    for (int i = 0; i < q.count; ++i) {
      scales[i] = q.scale(i);
      zero_points[i] = q.zero_point(i);
    }
    py::dict qp;
    qp["scales"] = py::array_t<float>(scales.size(), scales.data());
    qp["zero_points"] = py::array_t<int32_t>(zero_points.size(), zero_points.data());
    qp["quantized_dimension"] = q.quantized_dimension;
    d["quantization_parameters"] = qp;
    d["quantization"] = py::make_tuple(q.count > 0 ? q.scale(0) : 0.0f,
                                       q.count > 0 ? q.zero_point(0) : 0);
    d["bytes"] = t->bytes;
    const char* kinds[] = {"unused", "constant", "planned", "persistent"};
    const int kind = static_cast<int>(t->kind);
    d["allocation"] = Text(kind >= 0 && kind < 4 ? kinds[kind] : "unknown");
    return d;
  }

  py::array GetTensor(int index, int subgraph) {
    Lock lock(this);
    const Tensor* t = GetTensorChecked(subgraph, index);
    return CopyOut(t, TensorWhat(subgraph, index));
  }

  void SetTensor(int index, int subgraph, py::array array) {
    Lock lock(this);
    GetTensorChecked(subgraph, index);
    WriteTensor(subgraph, index, array, TensorWhat(subgraph, index));
  }

  void ResizeTensor(int index, int subgraph, const std::vector<int32_t>& dims) {
    Lock lock(this);
    GetTensorChecked(subgraph, index);
    Resize(subgraph, index, dims);
  }

  void AllocateTensors() {
    Lock lock(this);
    Replan();
  }

  // A whole signature call under one lock, so calls from several threads
  // cannot interleave their inputs: `inputs` are (tensor index, array)
  // pairs of `subgraph`, resized when their shape differs (a dynamic
  // batch), then set; returns the arrays of `outputs` (tensor indices).
  py::list RunSignature(int subgraph, const std::vector<std::pair<int, py::array>>& inputs,
                        const std::vector<int>& outputs) {
    Lock lock(this);
    CheckSubgraph(subgraph);
    bool resized = false;
    for (const auto& input : inputs) {
      const Tensor* t = GetTensorChecked(subgraph, input.first);
      if (t->type == DataType::kString) continue;
      const py::array& array = input.second;
      bool same = array.ndim() == t->rank;
      for (int d = 0; same && d < t->rank; ++d) same = array.shape(d) == t->dims[d];
      if (same) continue;
      std::vector<int32_t> dims;
      for (py::ssize_t d = 0; d < array.ndim(); ++d) {
        if (array.shape(d) > std::numeric_limits<int32_t>::max()) {
          throw py::value_error(TensorWhat(subgraph, input.first) + ": dimension " +
                                std::to_string(array.shape(d)) + " is too large");
        }
        dims.push_back(static_cast<int32_t>(array.shape(d)));
      }
      Resize(subgraph, input.first, dims);
      resized = true;
    }
    if (resized) Replan();
    // Strings first: a longer string re-plans the arena.
    for (const auto& input : inputs) {
      if (GetTensorChecked(subgraph, input.first)->type == DataType::kString) {
        WriteTensor(subgraph, input.first, input.second, TensorWhat(subgraph, input.first));
      }
    }
    for (const auto& input : inputs) {
      if (GetTensorChecked(subgraph, input.first)->type != DataType::kString) {
        WriteTensor(subgraph, input.first, input.second, TensorWhat(subgraph, input.first));
      }
    }
    Run(subgraph, /*signature_call=*/true);
    py::list out;
    for (int index : outputs) {
      const Tensor* t = GetTensorChecked(subgraph, index);  // before naming it
      out.append(CopyOut(t, TensorWhat(subgraph, index)));
    }
    return out;
  }

  // ---- the model's structure ----
  py::list Signatures() {
    Lock lock(this);
    py::list out;
    const Model& model = interpreter_->model();
    for (int i = 0; i < interpreter_->num_signatures(); ++i) {
      py::dict d;
      d["key"] = Text(model.signature_key(i));
      d["subgraph"] = model.signature_subgraph(i);
      py::list inputs, outputs;
      for (uint32_t k = 0; k < model.signature_num_inputs(i); ++k) {
        const SignatureTensor t = model.signature_input(i, k);
        inputs.append(py::make_tuple(Text(t.name), t.tensor_index));
      }
      for (uint32_t k = 0; k < model.signature_num_outputs(i); ++k) {
        const SignatureTensor t = model.signature_output(i, k);
        outputs.append(py::make_tuple(Text(t.name), t.tensor_index));
      }
      d["inputs"] = inputs;
      d["outputs"] = outputs;
      out.append(d);
    }
    return out;
  }

  int NumSubgraphs() {
    Lock lock(this);
    return interpreter_->num_subgraphs();
  }
  int NumTensors(int subgraph) {
    Lock lock(this);
    CheckSubgraph(subgraph);
    return interpreter_->num_tensors(subgraph);
  }
  size_t ArenaUsedBytes() {
    Lock lock(this);
    return interpreter_->arena_used_bytes();
  }

  py::dict AllocationReport() {
    Lock lock(this);
    const Arena& arena = interpreter_->arena();
    py::dict d;
    d["arena_size"] = arena_->size();
    d["total_bytes"] = arena.used_bytes();
    d["head_bytes"] = arena.head_size();
    d["tail_bytes"] = arena.tail_used();
    d["planner_temp_bytes"] = arena.peak_temp_bytes();
    py::dict kinds;
    for (int k = 0; k < static_cast<int>(AllocationKind::kCount); ++k) {
      const AllocationStats& s = arena.stats(static_cast<AllocationKind>(k));
      if (s.count == 0) continue;
      py::dict e;
      e["count"] = s.count;
      e["requested_bytes"] = s.requested_bytes;
      e["used_bytes"] = s.used_bytes;
      kinds[Text(AllocationKindName(static_cast<AllocationKind>(k)))] = e;
    }
    d["persistent"] = kinds;
    py::list subgraphs;
    for (int s = 0; s < interpreter_->num_subgraphs(); ++s) {
      py::dict e;
      e["index"] = s;
      e["name"] = Text(interpreter_->model().subgraph_name(s));
      e["planned_bytes"] = interpreter_->subgraph_plan_bytes(s);
      e["operators"] = interpreter_->num_nodes(s);
      e["tensors"] = interpreter_->num_tensors(s);
      subgraphs.append(e);
    }
    d["subgraphs"] = subgraphs;
    return d;
  }

  py::list Operators(int subgraph) {
    Lock lock(this);
    CheckSubgraph(subgraph);
    py::list ops;
    for (int o = 0; o < interpreter_->num_nodes(subgraph); ++o) {
      const Node& n = interpreter_->node(subgraph, o);
      py::dict d;
      d["index"] = o;
      d["name"] = Text(n.registration->name);
      d["version"] = n.version;
      d["inputs"] = std::vector<int>(n.inputs, n.inputs + n.num_inputs);
      d["outputs"] = std::vector<int>(n.outputs, n.outputs + n.num_outputs);
      ops.append(d);
    }
    return ops;
  }

  // ---- timing ----
  void EnableProfiling(bool enable) {
    Lock lock(this);
    if (enable) {
      if (timer_ == nullptr) timer_ = std::make_unique<Timer>();
      interpreter_->set_observer(timer_.get());
    } else {
      interpreter_->set_observer(nullptr);
      timer_.reset();
    }
  }

  py::list OpTimings() {
    Lock lock(this);
    py::list out;
    if (timer_ == nullptr) return out;
    for (const Timer::Record& r : timer_->records_) {
      py::dict d;
      d["subgraph"] = r.subgraph;
      d["index"] = r.op;
      d["name"] = Text(interpreter_->node_name(r.subgraph, r.op));
      d["nanoseconds"] = r.nanoseconds;
      out.append(d);
    }
    return out;
  }

 private:
  // Serializes the calls on one interpreter. It waits for the mutex without
  // the GIL, so the thread holding the mutex can take the GIL back after an
  // invoke; recursive, so Python code that numpy runs on this thread (an
  // array subclass's hooks) cannot deadlock by calling back in.
  class Lock {
   public:
    explicit Lock(PyInterpreter* self) : lock_(self->mutex_, std::try_to_lock) {
      if (!lock_.owns_lock()) {
        py::gil_scoped_release release;
        lock_.lock();
      }
    }

   private:
    std::unique_lock<std::recursive_mutex> lock_;
  };

  // Whether each input of subgraph 0 holds a value for the next invoke: the
  // planner reuses an input's memory once its last reader has run, so every
  // invoke needs every input set again.
  enum class InputState : uint8_t { kUnset, kSet, kConsumed, kMoved };
  // What the outputs of subgraph 0 hold.
  enum class OutputState : uint8_t { kNotRun, kValid, kFailed, kOverwritten };

  // Runs a subgraph without the GIL (the mutex is held by the caller).
  void Run(int subgraph, bool signature_call) {
    Status status;
    {
      py::gil_scoped_release release;
      if (timer_ != nullptr) timer_->records_.clear();
      status = interpreter_->InvokeSubgraph(subgraph);
    }
    // Whatever the outcome, the arena's planned memory was written.
    for (InputState& s : input_state_) {
      if (s == InputState::kSet) s = InputState::kConsumed;
    }
    if (subgraph == 0) {
      output_state_ = status == Status::kOk ? OutputState::kValid : OutputState::kFailed;
      failure_ = status == Status::kOk ? "" : interpreter_->error_message();
    } else {
      OutputsOverwritten("running subgraph " + std::to_string(subgraph) + " (a signature call)");
    }
    if (status == Status::kOk) return;
    // A failure while running (a kernel's run-time check, e.g. an integer
    // division by zero) is a RuntimeError whatever its status; a signature
    // call's invalid argument (an input it was given) is a ValueError.
    if (status != Status::kArenaTooSmall && status != Status::kFailedPrecondition &&
        !(signature_call && status == Status::kInvalidArgument)) {
      throw std::runtime_error(interpreter_->error_message());
    }
    ThrowStatus(status, interpreter_->error_message());
  }

  void CheckInputsSet() const {
    const Int32Span inputs = interpreter_->subgraph_inputs(0);
    for (size_t i = 0; i < input_state_.size() && i < inputs.size; ++i) {
      if (input_state_[i] == InputState::kSet) continue;
      const std::string what = Label(interpreter_.get(), "input", i, 0, inputs[i]).str();
      const std::string set = "call set_input(array, " + std::to_string(i) + ")";
      switch (input_state_[i]) {
        case InputState::kSet:
          break;
        case InputState::kUnset:
          throw std::runtime_error(what + " has not been set: " + set + " before invoke()");
        case InputState::kConsumed:
          throw std::runtime_error(
              what + " was used up by the previous invoke (the arena reuses an input's "
              "memory once it has been read): " + set + " again before every invoke()");
        case InputState::kMoved:
          throw std::runtime_error(
              what + " was set before the arena was re-planned (a signature call changed "
              "a shape or a string's size), which moved it: " + set + " again");
      }
    }
  }

  bool IsSetInput(int index) const {
    const Int32Span inputs = interpreter_->subgraph_inputs(0);
    for (size_t i = 0; i < input_state_.size() && i < inputs.size; ++i) {
      if (inputs[i] == index && input_state_[i] == InputState::kSet) return true;
    }
    return false;
  }

  void MarkInputSet(int subgraph, int index) {
    if (subgraph != 0) return;
    const Int32Span inputs = interpreter_->subgraph_inputs(0);
    for (size_t i = 0; i < input_state_.size() && i < inputs.size; ++i) {
      if (inputs[i] == index) input_state_[i] = InputState::kSet;
    }
  }

  void Resize(int subgraph, int index, const std::vector<int32_t>& dims) {
    const Status status = interpreter_->ResizeTensor(
        subgraph, index, dims.data(), static_cast<int>(dims.size()));
    if (status != Status::kOk) ThrowStatus(status, interpreter_->error_message());
  }

  void OutputsOverwritten(const std::string& by) {
    if (output_state_ == OutputState::kValid || output_state_ == OutputState::kFailed) {
      output_state_ = OutputState::kOverwritten;
      overwritten_by_ = by;
    }
  }

  // Before `bytes` are written at `t->data`: the planner lets tensors whose
  // lifetimes do not overlap share memory (an input read by the first
  // operator and an output written by the last, typically), so a write can
  // overwrite the result of the last invoke.
  void NoteWrite(const Tensor* t, size_t bytes, const Label& what) {
    if (t->kind != TensorKind::kPlanned || t->data == nullptr || bytes == 0) return;
    const uintptr_t begin = reinterpret_cast<uintptr_t>(t->data);
    const Int32Span outputs = interpreter_->subgraph_outputs(0);
    for (uint32_t k = 0; k < outputs.size; ++k) {
      const Tensor* o = interpreter_->tensor(0, outputs[k]);
      if (o == nullptr || o == t || o->kind != TensorKind::kPlanned || o->data == nullptr) {
        continue;
      }
      const uintptr_t o_begin = reinterpret_cast<uintptr_t>(o->data);
      if (begin < o_begin + o->bytes && o_begin < begin + bytes) {
        OutputsOverwritten("setting " + what + ", which shares it");
        return;
      }
    }
  }

  // Re-plans the arena: tensors may move, so what inputs and outputs held
  // is gone.
  void Replan() {
    for (InputState& s : input_state_) {
      if (s != InputState::kUnset) s = InputState::kMoved;
    }
    OutputsOverwritten("a re-plan of the arena (for a new shape or a longer string)");
    const Status status = interpreter_->AllocateTensors();
    if (status != Status::kOk) ThrowStatus(status, interpreter_->error_message());
  }

  // Upstream's contract: any registerer that cannot be found or fails is a
  // RuntimeError "TFLM could not register custom op via NAME"; ours is also
  // a ValueError (what this binding raised before), with the reason after.
  void AddRegisterer(const std::string& spec) {
    try {
      AddRegistererOrThrow(spec);
    } catch (const std::exception& e) {
      throw RegistrationFailure("TFLM could not register custom op via " + spec + ": " +
                                e.what());
    }
  }

  void AddRegistererOrThrow(const std::string& spec) {
    // "Symbol" (already loaded in the process) or "path/to/lib.so:Symbol".
    std::string symbol = spec;
    void* handle = RTLD_DEFAULT;
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      const std::string path = spec.substr(0, colon);
      symbol = spec.substr(colon + 1);
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (handle == nullptr) {
        const char* error = dlerror();
        throw py::value_error("custom_op_registerers: cannot load '" + path +
                              "': " + (error == nullptr ? "unknown error" : error));
      }
    }
    if (symbol.empty() || symbol.find('\0') != std::string::npos) {
      throw py::value_error("custom_op_registerers: '" + spec +
                            "' does not name a function");
    }
    void* fn = dlsym(handle, symbol.c_str());
    if (fn == nullptr) {
      throw py::value_error(
          "custom_op_registerers: no function named '" + symbol +
          "' is loaded in this process (load its library first, e.g. "
          "ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL), or pass "
          "'path/to/lib.so:" + symbol + "')");
    }
    std::string home = ForbiddenRegistererHome(fn);
    if (home.empty() && symbol.compare(0, 7, "PyInit_") == 0) {
      home = "a Python extension module (its entry point)";
    }
    if (!home.empty()) {
      throw py::value_error("custom_op_registerers: '" + symbol + "' resolves to a function of " +
                            home + ", not a custom-op registerer; name the registerer "
                            "function of your op library (e.g. 'path/to/lib.so:RegisterMyOps')");
    }
    TflmOpRegistry registry;
    MakeCustomOpRegistry(&slots_, &registry);
    const int rc = reinterpret_cast<TflmRegistererFn>(fn)(&registry);
    if (rc != 0) {
      throw std::runtime_error("custom op registerer '" + symbol +
                               "' failed with code " + std::to_string(rc));
    }
  }

  static void CheckIndex(size_t i, size_t n, const char* what) {
    if (i >= n) {
      throw IndexOutOfRange("Tensor is out of bound: " + std::string(what) + " index " +
                            std::to_string(i) +
                            " is out of range (the model has " + std::to_string(n) + " " +
                            what + "s" +
                            (n > 0 ? ": 0 to " + std::to_string(n - 1) : std::string()) + ")");
    }
  }

  int InputIndex(size_t i) const {
    CheckIndex(i, interpreter_->inputs_size(), "input");
    return interpreter_->subgraph_inputs(0)[static_cast<uint32_t>(i)];
  }
  int OutputIndex(size_t i) const {
    CheckIndex(i, interpreter_->outputs_size(), "output");
    return interpreter_->subgraph_outputs(0)[static_cast<uint32_t>(i)];
  }

  void CheckSubgraph(int subgraph) const {
    const int n = interpreter_->num_subgraphs();
    if (subgraph < 0 || subgraph >= n) {
      throw IndexOutOfRange("subgraph index " + std::to_string(subgraph) +
                            " is out of range (the model has " + std::to_string(n) +
                            " subgraphs: 0 to " + std::to_string(n - 1) + ")");
    }
  }

  const Tensor* GetTensorChecked(int subgraph, int index) const {
    CheckSubgraph(subgraph);
    const int n = interpreter_->num_tensors(subgraph);
    if (index < 0 || index >= n) {
      throw IndexOutOfRange("Tensor is out of bound: tensor index " + std::to_string(index) +
                            " is out of range (subgraph " + std::to_string(subgraph) + " has " +
                            std::to_string(n) + " tensors: 0 to " + std::to_string(n - 1) +
                            ")");
    }
    const Tensor* t = interpreter_->tensor(subgraph, index);
    if (t == nullptr) {
      throw std::runtime_error("tensor " + std::to_string(index) + " of subgraph " +
                               std::to_string(subgraph) +
                               " has no storage: the last allocation failed (" +
                               interpreter_->error_message() + ")");
    }
    return t;
  }

  Label TensorWhat(int subgraph, int index) const {
    return Label(interpreter_.get(), nullptr, 0, subgraph, index);
  }

  static void CheckShape(const py::array& array, const Tensor* t, const Label& what) {
    bool same = array.ndim() == t->rank;
    for (int d = 0; same && d < t->rank; ++d) same = array.shape(d) == t->dims[d];
    if (!same) {
      std::string got = "(";
      for (py::ssize_t d = 0; d < array.ndim(); ++d) {
        got += std::to_string(array.shape(d)) + (d + 1 < array.ndim() ? ", " : "");
      }
      got += array.ndim() == 1 ? ",)" : ")";
      throw py::value_error("Dimension mismatch. " + what + " expects shape " +
                            ShapeText(t->dims, t->rank) + ", got " + got);
    }
  }

  // Copies `array` into a tensor: checks that the tensor is writable, the
  // dtype (by equality: a dtype that went through pickle is a different
  // object) and the shape, and copies exactly the bytes of the shape.
  void WriteTensor(int subgraph, int index, const py::array& array, const Label& what) {
    const Tensor* t = GetTensorChecked(subgraph, index);
    if (t->kind != TensorKind::kPlanned && t->kind != TensorKind::kPersistent &&
        !(subgraph == 0 && t->kind == TensorKind::kUnused && IsInput(index))) {
      throw py::value_error(what + " is not writable (it is a constant or unused)");
    }
    if (t->type == DataType::kString) {
      SetStringTensor(subgraph, index, array, what);
      MarkInputSet(subgraph, index);
      return;
    }
    const py::dtype expected = NumpyDtype(t->type);
    if (!array.dtype().equal(expected)) {
      const std::string got = py::str(array.dtype());
      throw py::value_error("Got value of type " + got + " but expected type " +
                            std::string(py::str(expected)) + ": " + what + " expects dtype " +
                            DataTypeName(t->type) + ", got " + got);
    }
    CheckShape(array, t, what);
    const size_t need = ShapeBytes(t, static_cast<size_t>(expected.itemsize()), what);
    if (need > 0 && t->kind != TensorKind::kUnused) {
      CheckStorage(t, need, what);
      py::array contiguous = py::array::ensure(array, py::array::c_style);
      if (!contiguous || static_cast<size_t>(contiguous.nbytes()) != need) {
        throw std::runtime_error(what + ": cannot read the array as " + std::to_string(need) +
                                 " contiguous bytes");
      }
      NoteWrite(t, need, what);
      memcpy(t->data, contiguous.data(), need);
      if (t->type == DataType::kBool) {
        // numpy may hold any nonzero byte for True (a view of other bytes);
        // kernels load C++ bools, which must be 0 or 1.
        uint8_t* bytes = static_cast<uint8_t*>(t->data);
        for (size_t k = 0; k < need; ++k) bytes[k] = bytes[k] != 0 ? 1 : 0;
      }
    }
    MarkInputSet(subgraph, index);
  }

  bool IsInput(int index) const {
    const Int32Span inputs = interpreter_->subgraph_inputs(0);
    for (uint32_t i = 0; i < inputs.size; ++i) {
      if (inputs[i] == index) return true;
    }
    return false;
  }

  // A tensor's storage must hold its whole shape. (When two operators write
  // one tensor, or a variable's storage is reused at another shape, the two
  // can disagree.)
  static void CheckStorage(const Tensor* t, size_t need, const Label& what) {
    if (t->data == nullptr || t->bytes < need) {
      throw std::runtime_error(what + " has " + std::to_string(t->data == nullptr ? 0 : t->bytes) +
                               " bytes of storage but its shape " +
                               ShapeText(t->dims, t->rank) + " needs " + std::to_string(need) +
                               " (the model gives it inconsistent shapes, e.g. two operators "
                               "write it)");
    }
  }

  // A string tensor from a numpy array of str or bytes (any shape the
  // tensor has): encoded in TFLite's layout; the tensor's capacity grows
  // (a re-plan) when the strings need more room.
  void SetStringTensor(int subgraph, int index, const py::array& array, const Label& what) {
    py::array objects = array.attr("astype")("O");
    std::vector<std::string> strings;
    for (py::handle item : objects.attr("ravel")()) {
      if (py::isinstance<py::bytes>(item)) {
        strings.push_back(item.cast<std::string>());
      } else if (py::isinstance<py::str>(item)) {
        // surrogateescape: a path from os.fsdecode keeps its bytes.
        strings.push_back(item.attr("encode")("utf-8", "surrogateescape").cast<std::string>());
      } else {
        throw py::value_error(what + " holds strings: give str or bytes values, got " +
                              std::string(py::str(py::type::of(item).attr("__name__"))));
      }
    }
    const Tensor* t = GetTensorChecked(subgraph, index);
    CheckShape(objects, t, what);
    std::string buffer;
    const int32_t count = static_cast<int32_t>(strings.size());
    size_t total = StringTensorBytes(count, 0);
    for (const std::string& str : strings) total += str.size();
    if (total > 0x7fffffffu) throw py::value_error(what + ": the strings are too long");
    buffer.resize(total);
    auto put = [&](size_t at, int32_t v) { memcpy(&buffer[at], &v, 4); };
    put(0, count);
    int32_t offset = static_cast<int32_t>(StringTensorBytes(count, 0));
    for (int32_t i = 0; i < count; ++i) {
      put(4 + 4 * static_cast<size_t>(i), offset);
      memcpy(&buffer[static_cast<size_t>(offset)], strings[i].data(), strings[i].size());
      offset += static_cast<int32_t>(strings[i].size());
    }
    put(4 + 4 * static_cast<size_t>(count), offset);
    if (total > t->bytes) {
      const Status status = interpreter_->SetStringCapacity(subgraph, index, total);
      if (status != Status::kOk) ThrowStatus(status, interpreter_->error_message());
      Replan();
      t = GetTensorChecked(subgraph, index);
    }
    CheckStorage(t, total, what);
    NoteWrite(t, total, what);
    memcpy(t->data, buffer.data(), total);
  }

  py::array ZerosLike(const Tensor* t) const {
    std::vector<py::ssize_t> shape(t->dims, t->dims + t->rank);
    for (py::ssize_t d : shape) {
      if (d < 0) throw std::runtime_error("a tensor has an unresolved shape");
    }
    if (t->type == DataType::kString) {
      py::array out(py::dtype("O"), shape);
      py::array flat = out.attr("reshape")(-1);
      for (py::ssize_t i = 0; i < flat.size(); ++i) flat[py::int_(i)] = py::bytes("");
      return out;
    }
    py::array out(NumpyDtype(t->type), shape);
    if (out.nbytes() > 0) memset(out.mutable_data(), 0, static_cast<size_t>(out.nbytes()));
    return out;
  }

  // A new array holding a copy of the tensor: exactly the bytes its shape
  // needs, refused if its storage is smaller.
  py::array CopyOut(const Tensor* t, const Label& what) const {
    if (t->kind == TensorKind::kUnused || (t->data == nullptr && t->bytes != 0)) {
      throw py::value_error(what + " has no data (it is not used by the graph)");
    }
    std::vector<py::ssize_t> shape(t->dims, t->dims + t->rank);
    if (t->type == DataType::kString) {
      // An object array of bytes, as tf.lite.Interpreter returns.
      const int64_t elements = static_cast<int64_t>(ShapeBytes(t, 1, what));
      const StringTensorView view(*t);
      if (!view.valid()) throw py::value_error(what + " is not a valid string tensor (never set?)");
      if (view.count() != elements) {
        throw std::runtime_error(what + " holds " + std::to_string(view.count()) +
                                 " strings but its shape " + ShapeText(t->dims, t->rank) +
                                 " has " + std::to_string(elements) + " elements");
      }
      py::array out(py::dtype("O"), shape);
      py::array flat = out.attr("reshape")(-1);
      for (int32_t i = 0; i < view.count(); ++i) {
        const StringRef r = view.at(i);
        flat[py::int_(i)] = py::bytes(r.data, r.size);
      }
      return out;
    }
    const py::dtype dtype = NumpyDtype(t->type);
    const size_t need = ShapeBytes(t, static_cast<size_t>(dtype.itemsize()), what);
    if (need > 0) CheckStorage(t, need, what);
    py::array out(dtype, shape);
    if (static_cast<size_t>(out.nbytes()) != need) {
      throw std::runtime_error(what + ": its shape and numpy disagree on its size");
    }
    if (need > 0) memcpy(out.mutable_data(), t->data, need);
    return out;
  }

  std::unique_ptr<AlignedBuffer> model_;
  std::unique_ptr<AlignedBuffer> arena_;
  std::unique_ptr<AllOpsResolver> resolver_;
  std::unique_ptr<OpRegistration[]> custom_registrations_;
  CustomOpSlots slots_;
  std::unique_ptr<MicroInterpreter> interpreter_;
  std::unique_ptr<Timer> timer_;
  std::recursive_mutex mutex_;
  std::vector<InputState> input_state_;
  OutputState output_state_ = OutputState::kNotRun;
  std::string failure_;  // the error of the last invoke of subgraph 0, if it failed
  std::string overwritten_by_;  // what reused the outputs' memory (kOverwritten)
};

// ---- where a registerer lives ----

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.compare(0, strlen(prefix), prefix) == 0;
}

// Libraries of the C, C++ and Python runtimes, by file name.
const char* SystemLibrary(const std::string& base) {
  struct Entry {
    const char* prefix;
    const char* what;
  };
  static const Entry kSystem[] = {
      {"libc.so", "the C library"},       {"libc-", "the C library"},
      {"libc.musl", "the C library"},     {"libm.so", "the math library"},
      {"libm-", "the math library"},      {"libmvec", "the math library"},
      {"libpthread", "the threads library"}, {"libdl.so", "the dynamic loader's library"},
      {"libdl-", "the dynamic loader's library"}, {"librt.so", "the C runtime"},
      {"libutil.so", "the C runtime"},    {"ld-", "the dynamic loader"},
      {"ld64.so", "the dynamic loader"},  {"linux-vdso", "the kernel's vDSO"},
      {"linux-gate", "the kernel's vDSO"}, {"libpython", "the Python runtime"},
      {"libstdc++", "the C++ runtime"},   {"libc++", "the C++ runtime"},
      {"libgcc_s", "the compiler's runtime"}, {"libSystem", "the C library"},
  };
  for (const Entry& e : kSystem) {
    if (StartsWith(base, e.prefix)) return e.what;
  }
  return nullptr;
}

#if defined(TFLM_HAVE_DL_ITERATE_PHDR)
// The loaded object (executable or shared library) that holds each address.
struct ObjectSearch {
  const void* addresses[3];
  int object[3] = {-1, -1, -1};  // index in dl_iterate_phdr's order; 0 = the program
  std::string name[3];
  int count = 0;
};

int FindObjects(struct dl_phdr_info* info, size_t, void* data) {
  ObjectSearch* search = static_cast<ObjectSearch*>(data);
  for (int k = 0; k < 3; ++k) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(search->addresses[k]);
    for (int h = 0; h < info->dlpi_phnum; ++h) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[h];
      if (ph.p_type != PT_LOAD) continue;
      const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
      if (a >= start && a < start + ph.p_memsz) {
        search->object[k] = search->count;
        search->name[k] = info->dlpi_name == nullptr ? "" : info->dlpi_name;
      }
    }
  }
  ++search->count;
  return 0;
}
#endif

int OwnAddressMarker() { return 0; }

std::string ForbiddenRegistererHome(const void* fn) {
  const void* python = reinterpret_cast<const void*>(&Py_IsInitialized);
  const void* own = reinterpret_cast<const void*>(&OwnAddressMarker);
#if defined(TFLM_HAVE_DL_ITERATE_PHDR)
  ObjectSearch search;
  search.addresses[0] = fn;
  search.addresses[1] = python;
  search.addresses[2] = own;
  dl_iterate_phdr(FindObjects, &search);
  if (search.object[0] < 0) return "no loaded library";
  if (search.object[0] == search.object[2]) return "tflite_micro's own extension";
  if (search.object[0] == search.object[1]) return "the Python runtime";
  std::string name = search.name[0];
  if (search.object[0] == 0) {
    // The program itself: refused when it is a Python interpreter.
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    name = n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string();
    if (StartsWith(BaseName(name), "python") || name.empty()) {
      return "the Python executable";
    }
  }
#else
  Dl_info info, python_info, own_info;
  if (dladdr(fn, &info) == 0) return "no loaded library";
  if (dladdr(own, &own_info) != 0 && own_info.dli_fbase == info.dli_fbase) {
    return "tflite_micro's own extension";
  }
  if (dladdr(python, &python_info) != 0 && python_info.dli_fbase == info.dli_fbase) {
    return "the Python runtime";
  }
  const std::string name = info.dli_fname == nullptr ? "" : info.dli_fname;
  if (StartsWith(BaseName(name), "python") || StartsWith(BaseName(name), "Python")) {
    return "the Python executable";
  }
#endif
  const char* system = SystemLibrary(BaseName(name));
  if (system != nullptr) return std::string(system) + " ('" + name + "')";
  return "";
}

}  // namespace
}  // namespace tflm

PYBIND11_MODULE(_runtime, m) {
  using tflm::PyInterpreter;
  m.doc() = "C++ core of tflite_micro (use tflite_micro.runtime instead).";

  // Exception types that are upstream's type and also what this API raised
  // before (both bases), owned by the module.
  py::module_ builtins = py::module_::import("builtins");
  auto error_type = [&](const char* name, const char* base1, const char* base2,
                        const char* doc) -> py::handle {
    py::dict namespace_;
    namespace_["__module__"] = "tflite_micro.runtime";
    namespace_["__doc__"] = doc;
    m.attr(name) = builtins.attr("type")(
        name, py::make_tuple(builtins.attr(base1), builtins.attr(base2)), namespace_);
    return m.attr(name);
  };
  tflm::g_index_out_of_range = error_type(
      "IndexOutOfRangeError", "IndexError", "ValueError",
      "An index (input, output, tensor, subgraph) out of range: an IndexError, as "
      "upstream raises, and a ValueError.");
  tflm::g_registration_failure = error_type(
      "CustomOpRegistrationError", "RuntimeError", "ValueError",
      "A custom-op registerer that cannot be found or fails: a RuntimeError, as upstream "
      "raises, and a ValueError.");
  py::register_local_exception_translator(&tflm::TranslateException);

  py::class_<PyInterpreter>(m, "Interpreter")
      .def(py::init<py::bytes, size_t, bool, const std::vector<std::string>&, bool>(),
           py::arg("model"), py::arg("arena_size"),
           py::arg("preserve_all_tensors") = false,
           py::arg("registerers") = std::vector<std::string>(),
           py::arg("reorder_ops") = true)
      .def("invoke", &PyInterpreter::Invoke)
      .def("reset", &PyInterpreter::Reset)
      .def("num_inputs", &PyInterpreter::NumInputs)
      .def("num_outputs", &PyInterpreter::NumOutputs)
      .def("input_tensor_index", &PyInterpreter::InputTensorIndex)
      .def("output_tensor_index", &PyInterpreter::OutputTensorIndex)
      .def("tensor_details", &PyInterpreter::TensorDetails, py::arg("subgraph"),
           py::arg("index"))
      .def("set_input", &PyInterpreter::SetInput, py::arg("array"), py::arg("index"))
      .def("get_output", &PyInterpreter::GetOutput, py::arg("index"))
      .def("get_tensor", &PyInterpreter::GetTensor, py::arg("index"),
           py::arg("subgraph"))
      .def("signatures", &PyInterpreter::Signatures)
      .def("set_tensor", &PyInterpreter::SetTensor, py::arg("index"), py::arg("subgraph"),
           py::arg("array"))
      .def("resize_tensor", &PyInterpreter::ResizeTensor, py::arg("index"),
           py::arg("subgraph"), py::arg("dims"))
      .def("allocate_tensors", &PyInterpreter::AllocateTensors)
      .def("invoke_subgraph", &PyInterpreter::InvokeSubgraph, py::arg("subgraph"))
      .def("run_signature", &PyInterpreter::RunSignature, py::arg("subgraph"),
           py::arg("inputs"), py::arg("outputs"))
      .def("num_subgraphs", &PyInterpreter::NumSubgraphs)
      .def("num_tensors", &PyInterpreter::NumTensors, py::arg("subgraph"))
      .def("arena_used_bytes", &PyInterpreter::ArenaUsedBytes)
      .def("allocation_report", &PyInterpreter::AllocationReport)
      .def("operators", &PyInterpreter::Operators, py::arg("subgraph"))
      .def("enable_profiling", &PyInterpreter::EnableProfiling, py::arg("enable"))
      .def("op_timings", &PyInterpreter::OpTimings);
  m.def("builtin_op_name", [](int code) { return tflm::Text(tflm::BuiltinOpName(code)); },
        py::arg("code"));
  m.def("supported_ops", []() {
    // Every kernel of AllOpsResolver: (name, highest op version supported).
    tflm::AllOpsResolver resolver;
    py::list ops;
    for (size_t i = 0; i < resolver.size(); ++i) {
      const tflm::OpResolverList::Entry& e = resolver.entry(i);
      ops.append(py::make_tuple(tflm::Text(e.registration->name), e.registration->max_version));
    }
    return ops;
  });
}
