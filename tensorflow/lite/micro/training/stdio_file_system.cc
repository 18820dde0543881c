#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "tensorflow/lite/micro/core/format.h"
#include "tensorflow/lite/micro/training/file_system.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define TFLM_HAVE_POSIX_FILES 1
#endif

namespace tflm {
namespace {

// Numbers the temporary files of this program; with the process id (POSIX)
// it makes each save's temporary name unique. Constant-initialized, so no
// run-time guard on a device.
std::atomic<uint32_t> g_temp_counter{0};

}  // namespace

void StdioFileSystem::SetError() { error_ = errno != 0 ? strerror(errno) : "I/O error"; }

bool StdioFileSystem::OpenRead(const char* path, void** file) {
  errno = 0;
  FILE* f = fopen(path, "rb");
  if (f == nullptr) SetError();
  *file = f;
  return f != nullptr;
}

size_t StdioFileSystem::Read(void* file, void* buffer, size_t size) {
  errno = 0;
  const size_t n = fread(buffer, 1, size, static_cast<FILE*>(file));
  if (n < size && ferror(static_cast<FILE*>(file))) SetError();
  return n;
}

bool StdioFileSystem::Create(const char* path, void** file) {
  errno = 0;
  FILE* f = fopen(path, "wb");
  if (f == nullptr) SetError();
  *file = f;
  return f != nullptr;
}

bool StdioFileSystem::CreateTemp(const char* path, char* temp_path, size_t capacity,
                                 void** file) {
  *file = nullptr;
  const size_t n = strlen(path);
  if (n + kMaxTempSuffixBytes + 1 > capacity) {
    error_ = "no room for the temporary file's name";
    return false;
  }
#if defined(TFLM_HAVE_POSIX_FILES)
  // O_EXCL: a name left by a process that died mid-save (or a reused pid)
  // is skipped, never shared. 0666 as fopen's, so the umask applies.
  const unsigned long pid = static_cast<unsigned long>(getpid());
  for (int attempt = 0; attempt < 64; ++attempt) {
    const unsigned long k = g_temp_counter.fetch_add(1, std::memory_order_relaxed);
    Format(temp_path, capacity, "%s.tmp.%lu.%lu", path, pid, k);
    errno = 0;
    int flags = O_WRONLY | O_CREAT | O_EXCL;
#if defined(O_CLOEXEC)
    flags |= O_CLOEXEC;
#endif
    const int fd = open(temp_path, flags, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      SetError();
      return false;
    }
    FILE* f = fdopen(fd, "wb");
    if (f == nullptr) {
      SetError();
      close(fd);
      remove(temp_path);
      return false;
    }
    *file = f;
    return true;
  }
  error_ = "every temporary name tried already exists";
  return false;
#else
  const unsigned long k = g_temp_counter.fetch_add(1, std::memory_order_relaxed);
  Format(temp_path, capacity, "%s.tmp.%lu", path, k);
  return Create(temp_path, file);
#endif
}

bool StdioFileSystem::Write(void* file, const void* data, size_t size) {
  errno = 0;
  if (size == 0 || fwrite(data, 1, size, static_cast<FILE*>(file)) == size) return true;
  SetError();
  return false;
}

bool StdioFileSystem::Sync(void* file) {
  errno = 0;
  FILE* f = static_cast<FILE*>(file);
  if (fflush(f) != 0) {
    SetError();
    return false;
  }
#if defined(TFLM_HAVE_POSIX_FILES)
  if (fsync(fileno(f)) != 0) {
    SetError();
    return false;
  }
#endif
  return true;
}

bool StdioFileSystem::Close(void* file) {
  errno = 0;
  if (fclose(static_cast<FILE*>(file)) == 0) return true;
  SetError();
  return false;
}

bool StdioFileSystem::Rename(const char* from, const char* to) {
  errno = 0;
  if (rename(from, to) == 0) return true;
  SetError();
  return false;
}

bool StdioFileSystem::Remove(const char* path) {
  errno = 0;
  if (remove(path) == 0) return true;
  SetError();
  return false;
}

StdioFileSystem& StdioFileSystem::Default() {
  static StdioFileSystem instance;
  return instance;
}

}  // namespace tflm
