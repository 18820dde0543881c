// Checkpoints (training/checkpoint.h) over an in-memory file system: a round
// trip; a save that fails part-way (the device loses power, the disk fills)
// leaves the previous checkpoint readable; every truncation and every bit
// flip of a checkpoint is an error, never a crash or a silent success; a
// shape that differs is named in the error.
#include "tensorflow/lite/micro/training/checkpoint.h"

#include <cstring>

#include "tests/cc/test_framework.h"

namespace {

// Up to four files of up to 1 KB. Writes fail once `write_budget` bytes
// have been written (negative: never).
class MemoryFileSystem : public tflm::FileSystem {
 public:
  struct File {
    char name[64];
    uint8_t data[1024];
    size_t size;
    size_t position;
    bool exists;
  };
  File files[4] = {};
  long write_budget = -1;

  File* Find(const char* path) {
    for (File& f : files) {
      if (f.exists && strcmp(f.name, path) == 0) return &f;
    }
    return nullptr;
  }
  bool OpenRead(const char* path, void** file) override {
    File* f = Find(path);
    if (f == nullptr) return false;
    f->position = 0;
    *file = f;
    return true;
  }
  size_t Read(void* file, void* buffer, size_t size) override {
    File* f = static_cast<File*>(file);
    const size_t n = f->size - f->position < size ? f->size - f->position : size;
    memcpy(buffer, f->data + f->position, n);
    f->position += n;
    return n;
  }
  bool Create(const char* path, void** file) override {
    File* f = Find(path);
    for (File& g : files) {
      if (f == nullptr && !g.exists) f = &g;
    }
    if (f == nullptr || strlen(path) >= sizeof(f->name)) return false;
    strcpy(f->name, path);
    f->exists = true;
    f->size = 0;
    *file = f;
    return true;
  }
  bool Write(void* file, const void* data, size_t size) override {
    File* f = static_cast<File*>(file);
    for (size_t i = 0; i < size; ++i) {
      if (write_budget == 0 || f->size >= sizeof(f->data)) return false;
      if (write_budget > 0) --write_budget;
      f->data[f->size++] = static_cast<const uint8_t*>(data)[i];
    }
    return true;
  }
  bool Sync(void*) override { return true; }
  bool Close(void*) override { return true; }
  bool Rename(const char* from, const char* to) override {
    File* src = Find(from);
    if (src == nullptr) return false;
    File* dst = Find(to);
    if (dst != nullptr) dst->exists = false;
    strcpy(src->name, to);
    return true;
  }
  bool Remove(const char* path) override {
    File* f = Find(path);
    if (f == nullptr) return false;
    f->exists = false;
    return true;
  }
  const char* LastError() const override { return "memory file system error"; }
};

const int32_t kDimsA[] = {2, 3};
const int32_t kDimsB[] = {4};

tflm::Status Save(MemoryFileSystem& fs, const float* a, const int32_t* b,
                  tflm::ErrorReporter& reporter) {
  tflm::CheckpointWriter writer(fs, reporter);
  char temp_path[64];  // the default CreateTemp names it "w.ckpt.tmp"
  TFLM_RETURN_IF_ERROR(writer.Begin("w.ckpt", temp_path, sizeof(temp_path), 2));
  TFLM_RETURN_IF_ERROR(writer.Add({"layer/kernel", 12}, tflm::DataType::kFloat32, kDimsA, 2,
                                  a, 6 * sizeof(float)));
  TFLM_RETURN_IF_ERROR(
      writer.Add({"step", 4}, tflm::DataType::kInt32, kDimsB, 1, b, 4 * sizeof(int32_t)));
  return writer.Commit();
}

tflm::Status Load(MemoryFileSystem& fs, float* a, int32_t* b, tflm::ErrorReporter& reporter,
                  const int32_t* dims_a = kDimsA) {
  // Asked for in the other order than saved.
  const tflm::CheckpointRequest requests[2] = {
      {{"step", 4}, tflm::DataType::kInt32, kDimsB, 1, b, 4 * sizeof(int32_t)},
      {{"layer/kernel", 12}, tflm::DataType::kFloat32, dims_a, 2, a, 6 * sizeof(float)},
  };
  uint8_t found[2];
  return tflm::ReadCheckpoint(fs, "w.ckpt", requests, 2, found, reporter);
}

const float kA[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f};
const int32_t kB[4] = {1, 2, 3, 40000};

TFLM_TEST(RoundTrip) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  TFLM_EXPECT(Save(fs, kA, kB, reporter) == tflm::Status::kOk);
  TFLM_EXPECT(fs.Find("w.ckpt.tmp") == nullptr);
  float a[6] = {};
  int32_t b[4] = {};
  TFLM_EXPECT(Load(fs, a, b, reporter) == tflm::Status::kOk);
  TFLM_EXPECT(memcmp(a, kA, sizeof(a)) == 0);
  TFLM_EXPECT(memcmp(b, kB, sizeof(b)) == 0);
}

TFLM_TEST(FailedSaveKeepsThePreviousCheckpoint) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  TFLM_EXPECT(Save(fs, kA, kB, reporter) == tflm::Status::kOk);
  const size_t size = fs.Find("w.ckpt")->size;
  const float other[6] = {9, 9, 9, 9, 9, 9};
  for (long budget = 0; budget < static_cast<long>(size); budget += 7) {
    fs.write_budget = budget;
    TFLM_EXPECT(Save(fs, other, kB, reporter) != tflm::Status::kOk);
    TFLM_EXPECT(fs.Find("w.ckpt.tmp") == nullptr);  // the partial file is removed
    fs.write_budget = -1;
    float a[6] = {};
    int32_t b[4] = {};
    TFLM_EXPECT(Load(fs, a, b, reporter) == tflm::Status::kOk);
    TFLM_EXPECT(memcmp(a, kA, sizeof(a)) == 0);
  }
}

TFLM_TEST(EveryTruncationIsAnError) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  TFLM_EXPECT(Save(fs, kA, kB, reporter) == tflm::Status::kOk);
  MemoryFileSystem::File* f = fs.Find("w.ckpt");
  const size_t size = f->size;
  for (size_t cut = 0; cut < size; ++cut) {
    f->size = cut;
    float a[6];
    int32_t b[4];
    const tflm::Status s = Load(fs, a, b, reporter);
    TFLM_EXPECT(s == tflm::Status::kDataLoss);
  }
  f->size = size;
}

TFLM_TEST(EveryBitFlipIsAnError) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  TFLM_EXPECT(Save(fs, kA, kB, reporter) == tflm::Status::kOk);
  MemoryFileSystem::File* f = fs.Find("w.ckpt");
  int failures = 0;
  for (size_t byte = 0; byte < f->size; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      f->data[byte] ^= static_cast<uint8_t>(1u << bit);
      float a[6];
      int32_t b[4];
      if (Load(fs, a, b, reporter) != tflm::Status::kOk) ++failures;
      f->data[byte] ^= static_cast<uint8_t>(1u << bit);
    }
  }
  TFLM_EXPECT_EQ(failures, static_cast<int>(8 * f->size));
}

TFLM_TEST(ShapeMismatchNamesTheTensor) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  TFLM_EXPECT(Save(fs, kA, kB, reporter) == tflm::Status::kOk);
  const int32_t dims[] = {3, 2};
  float a[6];
  int32_t b[4];
  TFLM_EXPECT(Load(fs, a, b, reporter, dims) == tflm::Status::kInvalidArgument);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "'layer/kernel' is float32 [2, 3] there");
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "float32 [3, 2]");
}

TFLM_TEST(MissingFileAndMissingTensor) {
  MemoryFileSystem fs;
  tflm::ErrorReporter reporter;
  float a[6];
  int32_t b[4];
  TFLM_EXPECT(Load(fs, a, b, reporter) == tflm::Status::kNotFound);
  tflm::CheckpointWriter writer(fs, reporter);
  char temp_path[64];
  TFLM_EXPECT(writer.Begin("w.ckpt", temp_path, sizeof(temp_path), 1) == tflm::Status::kOk);
  TFLM_EXPECT(writer.Add({"step", 4}, tflm::DataType::kInt32, kDimsB, 1, kB, sizeof(kB)) ==
              tflm::Status::kOk);
  TFLM_EXPECT(writer.Commit() == tflm::Status::kOk);
  TFLM_EXPECT(Load(fs, a, b, reporter) == tflm::Status::kNotFound);
  TFLM_EXPECT_STR_CONTAINS(reporter.message(), "no tensor named 'layer/kernel'");
}

}  // namespace

int main() { return tflm_test::RunAll(); }
