// Checkpoints: our file format for named tensors, written and read through a
// FileSystem. Layout (all integers little-endian):
//
//   header   "TFLMCKPT" | uint32 version (1) | uint32 count
//   count x  uint32 name_size | name (UTF-8, no NUL) | uint8 dtype (TFLite
//            TensorType) | uint8 rank | uint16 0 | int32 dims[rank] |
//            uint64 data_size | data (the tensor's bytes, little-endian)
//   trailer  uint32 CRC-32 of every byte before it | "TFLMCEND"
//
// A writer produces a temporary file next to <path> (FileSystem::CreateTemp:
// a name of its own, so concurrent saves to one path do not mix) and renames
// it over <path> only after the trailer is written and synced, so an
// interrupted save leaves the previous checkpoint in place. A reader checks the structure, the sizes, the
// checksum and that nothing follows the trailer; python/tflite_micro/
// checkpoint.py reads and writes the same format.
#ifndef TENSORFLOW_LITE_MICRO_TRAINING_CHECKPOINT_H_
#define TENSORFLOW_LITE_MICRO_TRAINING_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>

#include "tensorflow/lite/micro/core/status.h"
#include "tensorflow/lite/micro/core/string_tensor.h"
#include "tensorflow/lite/micro/core/tensor.h"
#include "tensorflow/lite/micro/training/file_system.h"

namespace tflm {

constexpr uint32_t kCheckpointVersion = 1;
constexpr size_t kMaxCheckpointNameBytes = 255;

class CheckpointWriter {
 public:
  CheckpointWriter(FileSystem& fs, ErrorReporter& reporter) : fs_(fs), reporter_(reporter) {}
  ~CheckpointWriter() { Abort(); }

  // Starts writing `count` tensors to a new temporary file whose name
  // FileSystem::CreateTemp writes into `temp_path` (`temp_capacity` bytes, at
  // least strlen(path) + kMaxTempSuffixBytes + 1); Commit renames it to
  // `path`. Both buffers are the caller's and must outlive the writer.
  Status Begin(const char* path, char* temp_path, size_t temp_capacity, uint32_t count);
  Status Add(StringRef name, DataType type, const int32_t* dims, int rank, const void* data,
             size_t bytes);
  Status Commit();
  // Drops the temporary file (after a failure); nothing when committed.
  void Abort();

 private:
  Status Put(const void* data, size_t size);
  Status Fail(const char* what);

  FileSystem& fs_;
  ErrorReporter& reporter_;
  void* file_ = nullptr;
  const char* path_ = nullptr;
  const char* temp_path_ = nullptr;
  uint32_t crc_ = 0;
  uint32_t expected_ = 0;
  uint32_t added_ = 0;
};

// One tensor a restore asks for. `data` receives the values; `dims`/`rank`
// are the shape it must have.
struct CheckpointRequest {
  StringRef name;
  DataType type;
  const int32_t* dims;
  int rank;
  void* data;
  size_t bytes;
};

// Reads the checkpoint at `path`, verifying all of it, and copies the
// tensors named by `requests` into their buffers. Fails (kNotFound for a
// missing file or tensor, kDataLoss for a truncated or corrupt one,
// kInvalidArgument for a dtype or shape that differs) before the caller
// assigns anything, so a failed restore changes no variable. `found` is
// scratch of `count` bytes.
Status ReadCheckpoint(FileSystem& fs, const char* path, const CheckpointRequest* requests,
                      int count, uint8_t* found, ErrorReporter& reporter);

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_TRAINING_CHECKPOINT_H_
