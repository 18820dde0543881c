#include "tensorflow/lite/micro/training/checkpoint.h"

#include <cstring>

#include "tensorflow/lite/micro/core/crc32.h"
#include "tensorflow/lite/micro/core/format.h"

namespace tflm {
namespace {

constexpr char kMagic[8] = {'T', 'F', 'L', 'M', 'C', 'K', 'P', 'T'};
constexpr char kEndMagic[8] = {'T', 'F', 'L', 'M', 'C', 'E', 'N', 'D'};

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t GetU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

bool SameShape(const int32_t* a, int rank_a, const int32_t* b, int rank_b) {
  if (rank_a != rank_b) return false;
  for (int i = 0; i < rank_a; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Prints "[2, 3]" into `out`.
void FormatShape(const int32_t* dims, int rank, char* out, size_t capacity) {
  size_t n = Format(out, capacity, "[");
  for (int i = 0; i < rank && n + 1 < capacity; ++i) {
    n += Format(out + n, capacity - n, i == 0 ? "%d" : ", %d", static_cast<int>(dims[i]));
  }
  if (n + 1 < capacity) Format(out + n, capacity - n, "]");
}

// Sequential reads that keep a running CRC.
class Source {
 public:
  Source(FileSystem& fs, void* file) : fs_(fs), file_(file) {}
  bool Get(void* out, size_t size) {
    const size_t n = fs_.Read(file_, out, size);
    crc_ = Crc32(crc_, out, n);
    return n == size;
  }
  bool Skip(uint64_t size) {
    uint8_t chunk[64];
    while (size > 0) {
      const size_t n = size < sizeof(chunk) ? static_cast<size_t>(size) : sizeof(chunk);
      if (!Get(chunk, n)) return false;
      size -= n;
    }
    return true;
  }
  uint32_t crc() const { return crc_; }

 private:
  FileSystem& fs_;
  void* file_;
  uint32_t crc_ = 0;
};

}  // namespace

Status CheckpointWriter::Fail(const char* what) {
  const Status s = reporter_.Report(Status::kInternal, "cannot %s checkpoint '%s': %s", what,
                                    path_ == nullptr ? "" : path_, fs_.LastError());
  Abort();
  return s;
}

Status CheckpointWriter::Put(const void* data, size_t size) {
  if (file_ == nullptr) {
    return reporter_.Report(Status::kFailedPrecondition, "checkpoint writer is not open");
  }
  crc_ = Crc32(crc_, data, size);
  if (!fs_.Write(file_, data, size)) return Fail("write");
  return Status::kOk;
}

Status CheckpointWriter::Begin(const char* path, char* temp_path, size_t temp_capacity,
                               uint32_t count) {
  Abort();
  path_ = path;
  temp_path_ = temp_path;
  crc_ = 0;
  expected_ = count;
  added_ = 0;
  if (temp_path == nullptr || strlen(path) + kMaxTempSuffixBytes + 1 > temp_capacity) {
    return reporter_.Report(Status::kInternal,
                            "cannot create checkpoint '%s': no room for its temporary name",
                            path);
  }
  temp_path[0] = '\0';
  if (!fs_.CreateTemp(path, temp_path, temp_capacity, &file_)) {
    file_ = nullptr;
    return reporter_.Report(Status::kInternal,
                            "cannot create checkpoint '%s' (its temporary file '%s'): %s", path,
                            temp_path, fs_.LastError());
  }
  uint8_t header[16];
  memcpy(header, kMagic, 8);
  PutU32(header + 8, kCheckpointVersion);
  PutU32(header + 12, count);
  return Put(header, sizeof(header));
}

Status CheckpointWriter::Add(StringRef name, DataType type, const int32_t* dims, int rank,
                             const void* data, size_t bytes) {
  if (added_ >= expected_) {
    return reporter_.Report(Status::kInvalidArgument, "checkpoint: more tensors than announced");
  }
  if (name.size == 0 || name.size > kMaxCheckpointNameBytes || rank < 0 || rank > kMaxRank) {
    Abort();
    return reporter_.Report(Status::kInvalidArgument,
                            "checkpoint: tensor name must have 1 to %d bytes (got %zu) and "
                            "rank at most %d",
                            static_cast<int>(kMaxCheckpointNameBytes), name.size, kMaxRank);
  }
  uint8_t head[4];
  PutU32(head, static_cast<uint32_t>(name.size));
  TFLM_RETURN_IF_ERROR(Put(head, 4));
  TFLM_RETURN_IF_ERROR(Put(name.data, name.size));
  uint8_t meta[4 + 4 * kMaxRank + 8];
  meta[0] = static_cast<uint8_t>(type);
  meta[1] = static_cast<uint8_t>(rank);
  meta[2] = meta[3] = 0;
  for (int i = 0; i < rank; ++i) PutU32(meta + 4 + 4 * i, static_cast<uint32_t>(dims[i]));
  uint8_t* size_field = meta + 4 + 4 * rank;
  const uint64_t size64 = bytes;
  PutU32(size_field, static_cast<uint32_t>(size64));
  PutU32(size_field + 4, static_cast<uint32_t>(size64 >> 32));
  TFLM_RETURN_IF_ERROR(Put(meta, 4 + 4 * static_cast<size_t>(rank) + 8));
  if (bytes > 0) TFLM_RETURN_IF_ERROR(Put(data, bytes));
  ++added_;
  return Status::kOk;
}

Status CheckpointWriter::Commit() {
  if (file_ == nullptr) {
    return reporter_.Report(Status::kFailedPrecondition, "checkpoint writer is not open");
  }
  if (added_ != expected_) {
    Abort();
    return reporter_.Report(Status::kInvalidArgument,
                            "checkpoint: %u tensors announced, %u written", expected_, added_);
  }
  uint8_t trailer[12];
  PutU32(trailer, crc_);
  memcpy(trailer + 4, kEndMagic, 8);
  if (!fs_.Write(file_, trailer, sizeof(trailer))) return Fail("write");
  if (!fs_.Sync(file_)) return Fail("sync");
  void* file = file_;
  file_ = nullptr;
  if (!fs_.Close(file)) {
    fs_.Remove(temp_path_);
    return reporter_.Report(Status::kInternal, "cannot write checkpoint '%s': %s", path_,
                            fs_.LastError());
  }
  if (!fs_.Rename(temp_path_, path_)) {
    const Status s = reporter_.Report(Status::kInternal,
                                      "cannot move checkpoint '%s' to '%s': %s", temp_path_,
                                      path_, fs_.LastError());
    fs_.Remove(temp_path_);
    return s;
  }
  return Status::kOk;
}

void CheckpointWriter::Abort() {
  if (file_ == nullptr) return;
  fs_.Close(file_);
  file_ = nullptr;
  fs_.Remove(temp_path_);
}

Status ReadCheckpoint(FileSystem& fs, const char* path, const CheckpointRequest* requests,
                      int count, uint8_t* found, ErrorReporter& reporter) {
  void* file = nullptr;
  if (!fs.OpenRead(path, &file)) {
    return reporter.Report(Status::kNotFound, "cannot open checkpoint '%s': %s", path,
                           fs.LastError());
  }
  for (int i = 0; i < count; ++i) found[i] = 0;
  Source in(fs, file);
  Status status = Status::kOk;
  auto corrupt = [&](const char* what) {
    return reporter.Report(Status::kDataLoss, "checkpoint '%s' is truncated or corrupt: %s",
                           path, what);
  };
  do {
    uint8_t header[16];
    if (!in.Get(header, sizeof(header))) {
      status = corrupt("no header");
      break;
    }
    if (memcmp(header, kMagic, 8) != 0) {
      status = reporter.Report(Status::kDataLoss, "'%s' is not a tflite_micro checkpoint",
                               path);
      break;
    }
    if (GetU32(header + 8) != kCheckpointVersion) {
      status = reporter.Report(Status::kUnsupported,
                               "checkpoint '%s' has format version %u (this runtime reads %u)",
                               path, GetU32(header + 8), kCheckpointVersion);
      break;
    }
    const uint32_t entries = GetU32(header + 12);
    char name[kMaxCheckpointNameBytes];
    for (uint32_t e = 0; e < entries && status == Status::kOk; ++e) {
      uint8_t head[4];
      if (!in.Get(head, 4)) {
        status = corrupt("an entry is cut short");
        break;
      }
      const uint32_t name_size = GetU32(head);
      if (name_size == 0 || name_size > kMaxCheckpointNameBytes || !in.Get(name, name_size)) {
        status = corrupt("a tensor name is malformed");
        break;
      }
      uint8_t meta[4];
      if (!in.Get(meta, 4) || meta[1] > kMaxRank ||
          meta[0] >= static_cast<uint8_t>(kNumDataTypes)) {
        status = corrupt("a tensor header is malformed");
        break;
      }
      const DataType type = static_cast<DataType>(meta[0]);
      const int rank = meta[1];
      int32_t dims[kMaxRank];
      uint8_t raw[4 * kMaxRank + 8];
      if (!in.Get(raw, 4 * static_cast<size_t>(rank) + 8)) {
        status = corrupt("a tensor header is cut short");
        break;
      }
      uint64_t elements = 1;
      bool dims_ok = true;
      for (int i = 0; i < rank; ++i) {
        dims[i] = static_cast<int32_t>(GetU32(raw + 4 * i));
        if (dims[i] < 0) dims_ok = false;
        elements *= static_cast<uint64_t>(dims[i] < 0 ? 0 : dims[i]);
        if (elements > (uint64_t{1} << 40)) dims_ok = false;
      }
      const uint64_t data_size = static_cast<uint64_t>(GetU32(raw + 4 * rank)) |
                                 (static_cast<uint64_t>(GetU32(raw + 4 * rank + 4)) << 32);
      const size_t element = DataTypeSize(type);
      if (!dims_ok || (element != 0 && data_size != elements * element)) {
        status = corrupt("a tensor's size does not match its shape");
        break;
      }
      int match = -1;
      for (int r = 0; r < count; ++r) {
        if (requests[r].name.size == name_size &&
            memcmp(requests[r].name.data, name, name_size) == 0) {
          match = r;
          break;
        }
      }
      if (match < 0) {
        if (!in.Skip(data_size)) status = corrupt("a tensor's data is cut short");
        continue;
      }
      const CheckpointRequest& q = requests[match];
      if (found[match]) {
        status = corrupt("a tensor name appears twice");
        break;
      }
      found[match] = 1;
      if (type != q.type || !SameShape(dims, rank, q.dims, q.rank) || data_size != q.bytes) {
        char want[64], got[64];
        FormatShape(q.dims, q.rank, want, sizeof(want));
        FormatShape(dims, rank, got, sizeof(got));
        status = reporter.Report(
            Status::kInvalidArgument,
            "checkpoint '%s': tensor '%.*s' is %s %s there, but the model's is %s %s", path,
            static_cast<int>(name_size), name, DataTypeName(type), got, DataTypeName(q.type),
            want);
        break;
      }
      if (!in.Get(q.data, q.bytes)) status = corrupt("a tensor's data is cut short");
    }
    if (status != Status::kOk) break;
    const uint32_t crc = in.crc();
    uint8_t trailer[12];
    if (!in.Get(trailer, sizeof(trailer)) || memcmp(trailer + 4, kEndMagic, 8) != 0) {
      status = corrupt("the end marker is missing");
      break;
    }
    if (GetU32(trailer) != crc) {
      status = corrupt("the checksum does not match");
      break;
    }
    uint8_t extra;
    if (fs.Read(file, &extra, 1) != 0) {
      status = corrupt("bytes follow the end marker");
      break;
    }
    for (int r = 0; r < count; ++r) {
      if (!found[r]) {
        status = reporter.Report(Status::kNotFound, "checkpoint '%s' has no tensor named '%.*s'",
                                 path, static_cast<int>(requests[r].name.size),
                                 requests[r].name.data);
        break;
      }
    }
  } while (false);
  fs.Close(file);
  return status;
}

}  // namespace tflm
