// Status codes and the error reporter of the micro runtime.
//
// The core never throws: every fallible function returns a Status, and the
// human-readable reason is written into an ErrorReporter owned by whoever
// drives the interpreter. Messages are formatted by our own small printf
// (core/format.h) so a microcontroller build does not pull in newlib's
// floating-point printf.
#ifndef TENSORFLOW_LITE_MICRO_CORE_STATUS_H_
#define TENSORFLOW_LITE_MICRO_CORE_STATUS_H_

#include <cstdarg>
#include <cstddef>
#include <cstdint>

#if defined(__GNUC__)
#define TFLM_PRINTF_FORMAT(fmt_index, args_index) \
  __attribute__((format(printf, fmt_index, args_index)))
#else
#define TFLM_PRINTF_FORMAT(fmt_index, args_index)
#endif

namespace tflm {

enum class [[nodiscard]] Status : uint8_t {
  kOk = 0,
  kInvalidArgument,     // a caller passed a wrong index, dtype or shape
  kMalformedModel,      // the model bytes failed verification
  kUnsupported,         // an op, op version, dtype or feature we do not implement
  kArenaTooSmall,       // the arena cannot hold the allocation plan
  kNotFound,            // a named signature, tensor or op registerer is missing
  kFailedPrecondition,  // called in the wrong state (e.g. Invoke before AllocateTensors)
  kDataLoss,            // a checkpoint or file is truncated or corrupt
  kInternal,            // a kernel failed at run time
  kCancelled,           // the interpreter's cancellation check stopped an invoke
};

const char* StatusName(Status s);

inline bool IsOk(Status s) { return s == Status::kOk; }

// Holds the message of the most recent failure. Kernels and the allocator
// report through it; the interpreter appends context (op index and name).
class ErrorReporter {
 public:
  static constexpr size_t kCapacity = 512;

  ErrorReporter() { Clear(); }

  // Replaces the message and returns `code`, so callers can write
  // `return reporter.Report(Status::kInvalidArgument, "...", ...)`.
  Status Report(Status code, const char* fmt, ...) TFLM_PRINTF_FORMAT(3, 4);
  Status ReportV(Status code, const char* fmt, va_list args);

  // Appends to the current message (used to add where an error happened).
  void Append(const char* fmt, ...) TFLM_PRINTF_FORMAT(2, 3);
  // Prepends to the current message.
  void Prepend(const char* fmt, ...) TFLM_PRINTF_FORMAT(2, 3);

  const char* message() const { return buffer_; }
  bool has_message() const { return length_ != 0; }
  void Clear() {
    buffer_[0] = '\0';
    length_ = 0;
  }

 private:
  char buffer_[kCapacity];
  size_t length_;
};

}  // namespace tflm

// Returns from the enclosing function if `expr` is not kOk.
#define TFLM_RETURN_IF_ERROR(expr)                   \
  do {                                               \
    const ::tflm::Status tflm_status_ = (expr);      \
    if (tflm_status_ != ::tflm::Status::kOk) {       \
      return tflm_status_;                           \
    }                                                \
  } while (0)

#endif  // TENSORFLOW_LITE_MICRO_CORE_STATUS_H_
