#include "tensorflow/lite/micro/core/status.h"

#include <cstring>

#include "tensorflow/lite/micro/core/format.h"

namespace tflm {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk:
      return "ok";
    case Status::kInvalidArgument:
      return "invalid argument";
    case Status::kMalformedModel:
      return "malformed model";
    case Status::kUnsupported:
      return "unsupported";
    case Status::kArenaTooSmall:
      return "arena too small";
    case Status::kNotFound:
      return "not found";
    case Status::kFailedPrecondition:
      return "failed precondition";
    case Status::kDataLoss:
      return "data loss";
    case Status::kInternal:
      return "internal error";
    case Status::kCancelled:
      return "cancelled";
  }
  return "unknown status";
}

Status ErrorReporter::ReportV(Status code, const char* fmt, va_list args) {
  length_ = FormatV(buffer_, kCapacity, fmt, args);
  return code;
}

Status ErrorReporter::Report(Status code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  (void)ReportV(code, fmt, args);
  va_end(args);
  return code;
}

void ErrorReporter::Append(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  length_ += FormatV(buffer_ + length_, kCapacity - length_, fmt, args);
  va_end(args);
}

void ErrorReporter::Prepend(const char* fmt, ...) {
  char prefix[kCapacity];
  va_list args;
  va_start(args, fmt);
  size_t n = FormatV(prefix, kCapacity, fmt, args);
  va_end(args);
  if (n >= kCapacity - 1) n = kCapacity - 1;
  size_t keep = length_;
  if (n + keep >= kCapacity) keep = kCapacity - 1 - n;
  memmove(buffer_ + n, buffer_, keep);
  memcpy(buffer_, prefix, n);
  length_ = n + keep;
  buffer_[length_] = '\0';
}

}  // namespace tflm
