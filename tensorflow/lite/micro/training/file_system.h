// The file I/O that checkpoints use: a small interface a device implements
// over its storage (flash, an SD card, semihosting), with a C stdio backend
// for hosts (and for targets whose C library has files).
//
// Writes are made crash-safe by the caller, not the backend: a checkpoint is
// written to a temporary file next to <path> (CreateTemp), synced, closed and
// renamed over <path>, so a backend needs Rename to replace its target
// atomically (POSIX rename does). Each save gets its own temporary file, so
// two writers saving to one path at once (threads, or processes on a host)
// never write into the same file: the last rename wins, whole.
#ifndef TENSORFLOW_LITE_MICRO_TRAINING_FILE_SYSTEM_H_
#define TENSORFLOW_LITE_MICRO_TRAINING_FILE_SYSTEM_H_

#include <cstddef>

namespace tflm {

// The most bytes CreateTemp appends to a path (".tmp.<pid>.<counter>" on a
// host), not counting the terminating NUL.
constexpr size_t kMaxTempSuffixBytes = 32;

class FileSystem {
 public:
  // Reading. Read returns the bytes read: fewer than `size` only at the end
  // of the file or on an error.
  virtual bool OpenRead(const char* path, void** file) = 0;
  virtual size_t Read(void* file, void* buffer, size_t size) = 0;
  // Writing: Create truncates or creates.
  virtual bool Create(const char* path, void** file) = 0;
  // Creates a new file that will later be renamed over `path`, under a name
  // that no other writer uses at the same time, and writes that name (with
  // its NUL) into `temp_path`, which has room for `capacity` bytes: at least
  // strlen(path) + kMaxTempSuffixBytes + 1. `temp_path` is the caller's and
  // must stay valid until the file is renamed or removed.
  // This default names it "<path>.tmp" through Create: right for a backend
  // with one writer at a time (a device without threads, a semihosting
  // target); a backend that several threads or processes write through
  // (StdioFileSystem) overrides it to make the name unique.
  virtual bool CreateTemp(const char* path, char* temp_path, size_t capacity, void** file) {
    const char kSuffix[] = ".tmp";
    size_t n = 0;
    while (path[n] != '\0') ++n;
    if (n + sizeof(kSuffix) > capacity) return false;
    for (size_t i = 0; i < n; ++i) temp_path[i] = path[i];
    for (size_t i = 0; i < sizeof(kSuffix); ++i) temp_path[n + i] = kSuffix[i];
    return Create(temp_path, file);
  }
  virtual bool Write(void* file, const void* data, size_t size) = 0;
  // Makes what was written durable (flush + fsync where there is one).
  virtual bool Sync(void* file) = 0;
  // Closes a file opened either way; false if pending writes failed.
  virtual bool Close(void* file) = 0;
  // Replaces `to` with `from` in one step.
  virtual bool Rename(const char* from, const char* to) = 0;
  virtual bool Remove(const char* path) = 0;
  // Why the last call failed ("No such file or directory"), for messages.
  virtual const char* LastError() const = 0;

 protected:
  // Not deleted through this interface; a trivial destructor lets a backend
  // be a constant-initialized static (no run-time guard on a device).
  ~FileSystem() = default;
};

// Files through the C library (fopen, fread, fwrite, rename; fsync on POSIX).
// CreateTemp makes "<path>.tmp.<pid>.<counter>" with O_CREAT | O_EXCL on
// POSIX (unique across threads and processes), "<path>.tmp.<counter>"
// elsewhere (unique across the threads of one program).
class StdioFileSystem : public FileSystem {
 public:
  constexpr StdioFileSystem() = default;
  bool OpenRead(const char* path, void** file) override;
  size_t Read(void* file, void* buffer, size_t size) override;
  bool Create(const char* path, void** file) override;
  bool CreateTemp(const char* path, char* temp_path, size_t capacity, void** file) override;
  bool Write(void* file, const void* data, size_t size) override;
  bool Sync(void* file) override;
  bool Close(void* file) override;
  bool Rename(const char* from, const char* to) override;
  bool Remove(const char* path) override;
  const char* LastError() const override { return error_; }

  // The instance the checkpoint ops use when the interpreter was given no
  // file system.
  static StdioFileSystem& Default();

 private:
  void SetError();
  const char* error_ = "";
};

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_TRAINING_FILE_SYSTEM_H_
