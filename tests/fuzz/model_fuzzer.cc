// A fuzz target over the whole runtime: the input bytes are a .tflite model,
// run as a user would run it:
//
//   verify + allocate -> fill every input -> invoke subgraph 0
//   -> every signature (string inputs get a checkpoint path; numeric inputs a
//      pattern with NaN, infinities and extreme integers), twice, the second
//      time with dynamic dimensions resized
//   -> Reset -> invoke again.
//
// Checkpoint ops write to and read from an in-memory file system (no disk
// I/O), so a "save" signature followed by "restore" round-trips.
//
// Built two ways from this one file:
//   * with libFuzzer (clang -fsanitize=fuzzer,address,undefined): the
//     coverage-guided fuzzer, tests/fuzz/run_fuzzer.sh;
//   * with TFLM_FUZZ_REPLAY_MAIN defined (any compiler, with ASan + UBSan):
//     a replay program that runs every file named on its command line (or in
//     the directories named), used by the tests on tests/fuzz/regressions.
//
// The target never fails on a status: errors are the expected outcome for
// most inputs. What it must never do is crash, hang, read or write out of
// bounds, or hit undefined behaviour — the sanitizers report those.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tensorflow/lite/micro/core/string_tensor.h"
#include "tensorflow/lite/micro/interpreter/micro_interpreter.h"
#include "tensorflow/lite/micro/kernels/all_ops.h"
#include "tensorflow/lite/micro/training/file_system.h"

namespace {

constexpr size_t kArenaBytes = 1 << 20;
constexpr size_t kSmallArenaBytes = 6 * 1024;
constexpr size_t kMaxModelBytes = 1 << 20;

// Files in memory: a few fixed slots, so the harness itself allocates
// nothing per input.
class MemoryFileSystem : public tflm::FileSystem {
 public:
  struct File {
    char name[96];
    uint8_t data[64 * 1024];
    size_t size;
    size_t position;
    bool exists;
  };

  void Clear() {
    for (File& f : files_) {
      f.exists = false;
      f.size = 0;
      f.position = 0;
    }
  }

  bool OpenRead(const char* path, void** file) override {
    File* f = Find(path);
    if (f == nullptr) return Fail("No such file");
    f->position = 0;
    *file = f;
    return true;
  }
  size_t Read(void* file, void* buffer, size_t size) override {
    File* f = static_cast<File*>(file);
    const size_t left = f->size - f->position;
    const size_t n = left < size ? left : size;
    memcpy(buffer, f->data + f->position, n);
    f->position += n;
    return n;
  }
  bool Create(const char* path, void** file) override {
    if (strlen(path) >= sizeof(File::name)) return Fail("name too long");
    File* f = Find(path);
    for (size_t i = 0; f == nullptr && i < kFiles; ++i) {
      if (!files_[i].exists) f = &files_[i];
    }
    if (f == nullptr) return Fail("no free file slot");
    strcpy(f->name, path);
    f->exists = true;
    f->size = 0;
    f->position = 0;
    *file = f;
    return true;
  }
  bool Write(void* file, const void* data, size_t size) override {
    File* f = static_cast<File*>(file);
    if (size > sizeof(File::data) - f->size) return Fail("file system full");
    memcpy(f->data + f->size, data, size);
    f->size += size;
    return true;
  }
  bool Sync(void*) override { return true; }
  bool Close(void*) override { return true; }
  bool Rename(const char* from, const char* to) override {
    File* src = Find(from);
    if (src == nullptr) return Fail("No such file");
    if (strlen(to) >= sizeof(File::name)) return Fail("name too long");
    File* dst = Find(to);
    if (dst != nullptr && dst != src) dst->exists = false;
    strcpy(src->name, to);
    return true;
  }
  bool Remove(const char* path) override {
    File* f = Find(path);
    if (f == nullptr) return Fail("No such file");
    f->exists = false;
    return true;
  }
  const char* LastError() const override { return error_; }

 private:
  static constexpr size_t kFiles = 4;
  File* Find(const char* path) {
    for (File& f : files_) {
      if (f.exists && strcmp(f.name, path) == 0) return &f;
    }
    return nullptr;
  }
  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  File files_[kFiles];
  const char* error_ = "";
};

// A deterministic byte stream from the input's hash, for input values.
struct Pattern {
  uint32_t state;
  uint32_t Next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
};

void FillTensor(tflm::Tensor* t, Pattern& p) {
  if (t == nullptr || t->data == nullptr) return;
  const int64_t n = t->NumElements();
  switch (t->type) {
    case tflm::DataType::kFloat32: {
      static const float kSpecial[] = {0.0f, -0.0f, 1.0f, -1.5f, 1e30f, -1e30f, 1e-40f,
                                       __builtin_nanf(""), __builtin_inff(), -__builtin_inff()};
      float* v = t->data_as<float>();
      for (int64_t i = 0; i < n && static_cast<uint64_t>(i) * 4 < t->bytes; ++i) {
        const uint32_t r = p.Next();
        v[i] = (r & 7) == 0 ? kSpecial[(r >> 3) % 10]
                            : static_cast<float>(static_cast<int32_t>(r >> 8) % 2000) / 100.0f;
      }
      break;
    }
    case tflm::DataType::kBool: {
      uint8_t* v = static_cast<uint8_t*>(t->data);
      for (uint32_t i = 0; i < t->bytes; ++i) v[i] = p.Next() & 1;
      break;
    }
    case tflm::DataType::kString:
    case tflm::DataType::kResource:
    case tflm::DataType::kVariant:
      break;
    case tflm::DataType::kInt32:
    case tflm::DataType::kInt64: {
      // Small values (indices, shapes, loop counts: a huge loop bound is a
      // legitimately long run), rarely an extreme.
      const bool wide = t->type == tflm::DataType::kInt64;
      for (int64_t i = 0; i < n && static_cast<uint64_t>(i) * (wide ? 8 : 4) < t->bytes; ++i) {
        const uint32_t r = p.Next();
        int64_t v = static_cast<int64_t>((r >> 8) % 11) - 2;
        if ((r & 63) == 0) v = (r & 64) ? INT32_MAX : INT32_MIN;
        if (wide) {
          t->data_as<int64_t>()[i] = v;
        } else {
          t->data_as<int32_t>()[i] = static_cast<int32_t>(v);
        }
      }
      break;
    }
    default: {
      // Other integers: random bytes, with extremes and small values (indices,
      // shapes) in between.
      uint8_t* v = static_cast<uint8_t*>(t->data);
      for (uint32_t i = 0; i < t->bytes; ++i) {
        const uint32_t r = p.Next();
        v[i] = (r & 3) == 0 ? static_cast<uint8_t>(r >> 8) : static_cast<uint8_t>((r >> 8) & 3);
      }
      break;
    }
  }
}

uint32_t Hash(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
  return h | 1u;
}

void RunSignature(tflm::MicroInterpreter& interpreter, int index, bool resize, Pattern& p) {
  tflm::SignatureRunner runner = interpreter.GetSignatureRunner(index);
  if (!runner.ok()) return;
  if (resize) {
    // Give every input with a dynamic first dimension a batch of 3.
    const int subgraph = runner.subgraph_index();
    for (size_t i = 0; i < runner.num_inputs(); ++i) {
      const int t = runner.input_tensor_index(runner.input_name(i));
      const tflm::Tensor* in = interpreter.tensor(subgraph, t);
      if (in == nullptr || in->rank == 0 || (in->flags & tflm::kTensorDynamicShape) == 0) {
        continue;
      }
      int32_t dims[tflm::kMaxRank];
      for (int d = 0; d < in->rank; ++d) dims[d] = in->dims[d];
      dims[0] = 3;
      (void)runner.ResizeInputTensor(runner.input_name(i), dims, in->rank);
    }
  }
  for (size_t i = 0; i < runner.num_inputs(); ++i) {
    const tflm::Tensor* in = runner.input_tensor(runner.input_name(i));
    if (in != nullptr && in->type == tflm::DataType::kString) {
      (void)runner.SetInputString(runner.input_name(i), "ckpt", 4);
    }
  }
  if (runner.AllocateTensors() != tflm::Status::kOk) return;
  for (size_t i = 0; i < runner.num_inputs(); ++i) {
    FillTensor(runner.input_tensor(runner.input_name(i)), p);
  }
  (void)runner.Invoke();
}

// Every operator an input runs counts against a budget: a model whose loop
// runs for a very long time is valid, not a hang of the runtime.
constexpr long kOperatorBudget = 200000;
long g_operators_left = 0;
bool OverBudget(void*) { return --g_operators_left < 0; }

MemoryFileSystem g_files;
alignas(16) uint8_t g_model[kMaxModelBytes];
alignas(16) uint8_t g_arena[kArenaBytes];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxModelBytes) return 0;
  static tflm::AllOpsResolver resolver;
  memcpy(g_model, data, size);
  g_files.Clear();
  const uint32_t hash = Hash(data, size);
  // One input in 16 also runs in a small arena (the too-small paths).
  const size_t arena_bytes = (hash >> 4) % 16 == 0 ? kSmallArenaBytes : kArenaBytes;
  tflm::InterpreterOptions options;
  options.preserve_all_tensors = (hash >> 8) % 8 == 0;
  options.reorder_ops = (hash >> 11) % 4 != 0;
  tflm::MicroInterpreter interpreter(g_model, size, resolver, g_arena, arena_bytes, options);
  interpreter.set_file_system(&g_files);
  g_operators_left = kOperatorBudget;
  interpreter.set_cancellation_check(OverBudget, nullptr);
  if (interpreter.AllocateTensors() != tflm::Status::kOk) return 0;
  Pattern p{hash};
  for (size_t i = 0; i < interpreter.inputs_size(); ++i) FillTensor(interpreter.input(i), p);
  (void)interpreter.Invoke();
  const int signatures = interpreter.num_signatures();
  for (int pass = 0; pass < 2; ++pass) {
    for (int s = 0; s < signatures && s < 8; ++s) RunSignature(interpreter, s, pass == 1, p);
  }
  (void)interpreter.Reset();
  for (size_t i = 0; i < interpreter.inputs_size(); ++i) FillTensor(interpreter.input(i), p);
  (void)interpreter.Invoke();
  return 0;
}

#ifdef TFLM_FUZZ_REPLAY_MAIN
// Replays files (or every file of the directories) given as arguments.
#include <dirent.h>
#include <sys/stat.h>

namespace {

uint8_t g_file[kMaxModelBytes + 1];

int ReplayFile(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == nullptr) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  const size_t n = fread(g_file, 1, sizeof(g_file), f);
  fclose(f);
  LLVMFuzzerTestOneInput(g_file, n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int files = 0;
  int errors = 0;
  for (int a = 1; a < argc; ++a) {
    struct stat st;
    if (stat(argv[a], &st) != 0) {
      fprintf(stderr, "cannot stat %s\n", argv[a]);
      ++errors;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      errors += ReplayFile(argv[a]);
      ++files;
      continue;
    }
    DIR* dir = opendir(argv[a]);
    if (dir == nullptr) {
      ++errors;
      continue;
    }
    while (struct dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
      errors += ReplayFile(path);
      ++files;
    }
    closedir(dir);
  }
  printf("replayed %d files, %d unreadable\n", files, errors);
  return errors == 0 ? 0 : 1;
}
#endif
