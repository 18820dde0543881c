// Checkpoint ops of training models: Save / Restore (TensorFlow's V1 ops, as
// the on-device-training guide writes them) and SaveV2 / RestoreV2. They
// read and write our checkpoint format (checkpoint.h) through the
// interpreter's FileSystem, whatever TensorFlow would have written.
//
//   Save(filename, tensor_names[N], data_0..data_N-1)
//   Restore(file_pattern, tensor_name) -> tensor            (one per variable)
//   SaveV2(prefix, tensor_names[N], shape_and_slices[N], tensors_0..N-1)
//   RestoreV2(prefix, tensor_names[N], shape_and_slices[N]) -> N tensors
//
// RestoreV2's outputs have no shape in the model: each takes the shape of
// the variable it is assigned to. A restore verifies the whole file (its
// checksum, and every requested name, dtype and shape) before it writes any
// output, and the interpreter runs every Restore of a subgraph before its
// first ASSIGN_VARIABLE, so a failed restore changes no variable.
#include "tensorflow/lite/micro/core/string_tensor.h"
#include "tensorflow/lite/micro/kernels/kernels.h"
#include "tensorflow/lite/micro/training/checkpoint.h"
#include "tensorflow/lite/micro/training/flex_op.h"

namespace tflm {
namespace {

struct CheckpointOpData {
  int path_scratch;         // the path as a C string, then room for its temporary name
  int num_tensors;          // N
  int first_tensor;         // input (save) or output (restore) of tensor 0
  CheckpointRequest* requests;  // restore: N
  uint8_t* found;               // restore: N
};

FileSystem& FileSystemOf(OpContext& ctx) {
  FileSystem* fs = ctx.file_system();
  return fs != nullptr ? *fs : StdioFileSystem::Default();
}

Status ExpectStrings(OpContext& ctx, int input, int64_t count, const char* what) {
  const Tensor* t = ctx.input(input);
  if (t == nullptr || t->type != DataType::kString) {
    return ctx.Error(Status::kInvalidArgument, "%s must be a string tensor", what);
  }
  if (count >= 0 && t->NumElements() != count) {
    return ctx.Error(Status::kInvalidArgument, "%s has %lld strings, expected %lld", what,
                     static_cast<long long>(t->NumElements()), static_cast<long long>(count));
  }
  return Status::kOk;
}

// Bytes of the path scratch: the path (at most the string tensor's bytes) and
// its NUL, then the temporary name (the path, a suffix, a NUL).
size_t PathScratchBytes(size_t capacity) {
  return (capacity + 1) + (capacity + kMaxTempSuffixBytes + 1);
}

// Prepare shared by all four: the path input and room to make C strings.
Status PreparePath(OpContext& ctx, CheckpointOpData* d) {
  TFLM_RETURN_IF_ERROR(ExpectStrings(ctx, 0, 1, "the checkpoint path"));
  return ctx.RequestScratch(PathScratchBytes(ctx.input(0)->bytes), &d->path_scratch);
}

// The path as a C string, and after it the room (`*temp_capacity` bytes)
// where a save's writer puts the name of its temporary file.
Status ReadPath(OpContext& ctx, const CheckpointOpData& d, const char** path,
                char** temp_path, size_t* temp_capacity) {
  const Tensor* t = ctx.input(0);
  const StringTensorView view(*t);
  char* buffer = static_cast<char*>(ctx.scratch(d.path_scratch));
  const size_t capacity = t->bytes + 1;
  if (!view.valid() || !CopyToCString(view.at(0), buffer, capacity)) {
    return ctx.Error(Status::kInvalidArgument,
                     "the checkpoint path is not a valid string (set it to a file name)");
  }
  if (buffer[0] == '\0') {
    return ctx.Error(Status::kInvalidArgument, "the checkpoint path is empty");
  }
  const size_t n = view.at(0).size;
  *path = buffer;
  *temp_path = buffer + n + 1;
  *temp_capacity = PathScratchBytes(t->bytes) - (n + 1);
  return Status::kOk;
}

// SaveV2 / RestoreV2 only save whole tensors: every slice spec must be "".
Status ExpectWholeTensors(OpContext& ctx, int input, int count) {
  const StringTensorView slices(*ctx.input(input));
  if (!slices.valid()) {
    return ctx.Error(Status::kInvalidArgument, "shape_and_slices is not a valid string tensor");
  }
  for (int i = 0; i < count; ++i) {
    if (slices.at(i).size != 0) {
      return ctx.Error(Status::kUnsupported,
                       "shape_and_slices[%d] is '%.*s': only whole tensors (\"\") are saved",
                       i, static_cast<int>(slices.at(i).size), slices.at(i).data);
    }
  }
  return Status::kOk;
}

// Prepare shared by all four: the path, the names and (V2) the slices.
Status PrepareInputs(OpContext& ctx, CheckpointOpData* d, bool v2, int names) {
  TFLM_RETURN_IF_ERROR(PreparePath(ctx, d));
  TFLM_RETURN_IF_ERROR(
      ExpectStrings(ctx, 1, names, names == 1 && !v2 ? "tensor_name" : "tensor_names"));
  if (!v2) return Status::kOk;
  TFLM_RETURN_IF_ERROR(ExpectStrings(ctx, 2, d->num_tensors, "shape_and_slices"));
  return ctx.input(2)->is_constant() ? ExpectWholeTensors(ctx, 2, d->num_tensors)
                                     : Status::kOk;
}

// Eval shared by all four: the path as C strings and the checked names.
Status ReadInputs(OpContext& ctx, const CheckpointOpData& d, bool v2, const char** path,
                  char** temp_path, size_t* temp_capacity, StringTensorView* names) {
  TFLM_RETURN_IF_ERROR(ReadPath(ctx, d, path, temp_path, temp_capacity));
  *names = StringTensorView(*ctx.input(1));
  if (!names->valid()) {
    return ctx.Error(Status::kInvalidArgument, "tensor_names is not a valid string tensor");
  }
  return v2 ? ExpectWholeTensors(ctx, 2, d.num_tensors) : Status::kOk;
}

template <bool kV2>
Status SaveInit(OpContext& ctx) {
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, kV2 ? "SaveV2" : "Save", &node));
  return ctx.AllocateOpData<CheckpointOpData>() == nullptr ? Status::kArenaTooSmall
                                                            : Status::kOk;
}

template <bool kV2>
Status SavePrepare(OpContext& ctx) {
  CheckpointOpData* d = ctx.op_data_as<CheckpointOpData>();
  const int first = kV2 ? 3 : 2;
  d->first_tensor = first;
  d->num_tensors = ctx.num_inputs() - first;
  TFLM_RETURN_IF_ERROR(PrepareInputs(ctx, d, kV2, d->num_tensors));
  for (int i = 0; i < d->num_tensors; ++i) {
    const Tensor* t = ctx.input(first + i);
    if (t == nullptr || DataTypeSize(t->type) == 0) {
      return ctx.Error(Status::kUnsupported, "tensor %d to save has dtype %s", i,
                       t == nullptr ? "none" : DataTypeName(t->type));
    }
  }
  return Status::kOk;
}

template <bool kV2>
Status SaveEval(OpContext& ctx) {
  const CheckpointOpData& d = *ctx.op_data_as<CheckpointOpData>();
  const char* path;
  char* temp_path;
  size_t temp_capacity;
  StringTensorView names;
  TFLM_RETURN_IF_ERROR(ReadInputs(ctx, d, kV2, &path, &temp_path, &temp_capacity, &names));
  // Messages from the writer go to a local reporter, then into the op's.
  ErrorReporter reporter;
  CheckpointWriter writer(FileSystemOf(ctx), reporter);
  Status s =
      writer.Begin(path, temp_path, temp_capacity, static_cast<uint32_t>(d.num_tensors));
  for (int i = 0; i < d.num_tensors && s == Status::kOk; ++i) {
    const Tensor* t = ctx.input(d.first_tensor + i);
    s = writer.Add(names.at(i), t->type, t->dims, t->rank, t->data, t->bytes);
  }
  if (s == Status::kOk) s = writer.Commit();
  if (s != Status::kOk) return ctx.Error(s, "%s", reporter.message());
  return Status::kOk;
}

template <bool kV2>
Status RestoreInit(OpContext& ctx) {
  NodeDef node;
  TFLM_RETURN_IF_ERROR(ReadFlexNodeDef(ctx, kV2 ? "RestoreV2" : "Restore", &node));
  CheckpointOpData* d = ctx.AllocateOpData<CheckpointOpData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  d->num_tensors = ctx.num_outputs();
  d->requests = ctx.AllocatePersistentArray<CheckpointRequest>(
      static_cast<size_t>(d->num_tensors > 0 ? d->num_tensors : 1));
  d->found = ctx.AllocatePersistentArray<uint8_t>(
      static_cast<size_t>(d->num_tensors > 0 ? d->num_tensors : 1));
  return d->requests == nullptr || d->found == nullptr ? Status::kArenaTooSmall : Status::kOk;
}

template <bool kV2>
Status RestorePrepare(OpContext& ctx) {
  CheckpointOpData* d = ctx.op_data_as<CheckpointOpData>();
  d->first_tensor = 0;
  TFLM_RETURN_IF_ERROR(PrepareInputs(ctx, d, kV2, kV2 ? d->num_tensors : 1));
  for (int k = 0; k < d->num_tensors; ++k) {
    Tensor* out = ctx.output(k);
    if (out == nullptr || DataTypeSize(out->type) == 0) {
      return ctx.Error(Status::kUnsupported, "restored tensor %d has dtype %s", k,
                       out == nullptr ? "none" : DataTypeName(out->type));
    }
    // The variable it restores gives the shape (RestoreV2's outputs have
    // none in the model) and must agree with it.
    const ResourceVariable* v = ctx.AssignedVariable(k);
    if (v == nullptr || v->data == nullptr) {
      if (kV2) {
        return ctx.Error(Status::kUnsupported,
                         "restored tensor %d is not assigned to a variable, so its shape "
                         "is unknown",
                         k);
      }
      continue;
    }
    if (v->type != out->type) {
      return ctx.Error(Status::kInvalidArgument,
                       "restored tensor %d has dtype %s but its variable '%s' is %s", k,
                       DataTypeName(out->type), v->shared_name, DataTypeName(v->type));
    }
    if (kV2) TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(k, v->dims, v->rank));
  }
  return Status::kOk;
}

template <bool kV2>
Status RestoreEval(OpContext& ctx) {
  const CheckpointOpData& d = *ctx.op_data_as<CheckpointOpData>();
  const char* path;
  char* temp_path;
  size_t temp_capacity;
  StringTensorView names;
  TFLM_RETURN_IF_ERROR(ReadInputs(ctx, d, kV2, &path, &temp_path, &temp_capacity, &names));
  for (int k = 0; k < d.num_tensors; ++k) {
    Tensor* out = ctx.output(k);
    d.requests[k] = {names.at(k), out->type, out->dims, out->rank, out->data, out->bytes};
  }
  ErrorReporter reporter;
  const Status s = ReadCheckpoint(FileSystemOf(ctx), path, d.requests, d.num_tensors, d.found,
                                  reporter);
  if (s != Status::kOk) return ctx.Error(s, "%s", reporter.message());
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_FlexSave() {
  static const OpRegistration r = {"FlexSave", SaveInit<false>, SavePrepare<false>,
                                   SaveEval<false>, nullptr, 0, nullptr,
                                   "filename, tensor_names, data...", "", nullptr};
  return &r;
}
const OpRegistration* Register_FlexSaveV2() {
  static const OpRegistration r = {"FlexSaveV2", SaveInit<true>, SavePrepare<true>,
                                   SaveEval<true>, nullptr, 0, nullptr,
                                   "prefix, tensor_names, shape_and_slices, tensors...",
                                   "", nullptr};
  return &r;
}
const OpRegistration* Register_FlexRestore() {
  static const OpRegistration r = {"FlexRestore", RestoreInit<false>, RestorePrepare<false>,
                                   RestoreEval<false>, nullptr, 0, nullptr,
                                   "file_pattern, tensor_name", "tensor", nullptr};
  return &r;
}
const OpRegistration* Register_FlexRestoreV2() {
  static const OpRegistration r = {"FlexRestoreV2", RestoreInit<true>, RestorePrepare<true>,
                                   RestoreEval<true>, nullptr, 0, nullptr,
                                   "prefix, tensor_names, shape_and_slices",
                                   "tensors...", nullptr};
  return &r;
}

}  // namespace tflm
