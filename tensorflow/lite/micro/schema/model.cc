#include "tensorflow/lite/micro/schema/model.h"

#include <cstring>

#include "tensorflow/lite/micro/schema/builtin_ops.h"

namespace tflm {
namespace {

// Field numbers of the TFLite schema tables (schema.fbs).
enum OperatorCodeField { kDeprecatedBuiltinCode = 0, kCustomCode = 1,
                         kOpVersion = 2, kBuiltinCode = 3 };
enum BufferField { kBufferData = 0, kBufferOffset = 1, kBufferSize = 2 };
enum SubGraphField { kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3,
                     kSubgraphName = 4 };
enum TensorField { kShape = 0, kType = 1, kBuffer = 2, kTensorName = 3,
                   kQuantization = 4, kIsVariable = 5, kSparsity = 6,
                   kShapeSignature = 7, kHasRank = 8 };
enum QuantField { kQMin = 0, kQMax = 1, kQScale = 2, kQZeroPoint = 3,
                  kQDetailsType = 4, kQDetails = 5, kQQuantizedDimension = 6 };
enum OperatorField { kOpcodeIndex = 0, kOpInputs = 1, kOpOutputs = 2,
                     kBuiltinOptionsType = 3, kBuiltinOptions = 4,
                     kCustomOptions = 5, kIntermediates = 8,
                     kLargeCustomOptionsOffset = 9,
                     kLargeCustomOptionsSize = 10 };
enum SignatureDefField { kSigInputs = 0, kSigOutputs = 1, kSigKey = 2,
                         kSigSubgraphIndex = 4 };
enum TensorMapField { kMapName = 0, kMapTensorIndex = 1 };
enum MetadataField { kMetadataName = 0, kMetadataBuffer = 1 };

Int32Span ToSpan(const fb::Vector<int32_t>& v) {
  Int32Span s;
  s.data = v.ptr();
  s.size = v.size;
  return s;
}

// Reads an int32 vector field and checks that it is aligned so the runtime
// may point straight at it.
Status Int32VectorField(const fb::Table& t, int field, Int32Span* out,
                        ErrorReporter& r, const char* what) {
  bool ok = true;
  fb::Vector<int32_t> v = t.VectorField<int32_t>(field, &ok);
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: %s is out of bounds", what);
  }
  if (!v.empty() && !v.aligned()) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: %s is not 4-byte aligned (is the "
                    "model buffer aligned?)",
                    what);
  }
  *out = ToSpan(v);
  return Status::kOk;
}

Int32Span Int32VectorUnchecked(const fb::Table& t, int field) {
  bool ok = true;
  fb::Vector<int32_t> v = t.VectorField<int32_t>(field, &ok);
  if (!ok || !v.aligned()) return Int32Span();
  return ToSpan(v);
}

}  // namespace

Status Model::Verify(ErrorReporter& r) {
  verified_ = false;
  if (data_ == nullptr || size_ < 16) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: %zu bytes is too short for a TFLite "
                    "flatbuffer",
                    size_);
  }
  if ((reinterpret_cast<uintptr_t>(data_) & 3) != 0) {
    return r.Report(Status::kMalformedModel,
                    "model buffer must be 4-byte aligned (16 recommended)");
  }
  if (size_ > 0x7fffffffu) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: size %zu exceeds 2 GiB", size_);
  }
  if (memcmp(data_ + 4, "TFL3", 4) != 0) {
    char id[5];
    for (int i = 0; i < 4; ++i) {
      const char c = static_cast<char>(data_[4 + i]);
      id[i] = (c >= 32 && c < 127) ? c : '?';
    }
    id[4] = '\0';
    return r.Report(Status::kMalformedModel,
                    "not a TFLite model: file identifier is '%s', expected "
                    "'TFL3'",
                    id);
  }
  root_ = fb::Table::Root(data_, size_);
  if (!root_.valid() || !root_.present()) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: root table is out of bounds");
  }
  const uint32_t schema_version = version();
  if (schema_version != 3) {
    return r.Report(Status::kUnsupported,
                    "model schema version %u is not supported (expected 3)",
                    schema_version);
  }
  bool ok = true;
  opcodes_ = root_.TableVectorField(kOperatorCodes, &ok);
  buffers_ = root_.TableVectorField(kBuffers, &ok);
  subgraphs_ = root_.TableVectorField(kSubgraphs, &ok);
  signatures_ = root_.TableVectorField(kSignatureDefs, &ok);
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: a top-level vector (operator_codes, "
                    "buffers, subgraphs or signature_defs) is out of bounds");
  }
  const char* description_ok = root_.String(kDescription, &ok);
  (void)description_ok;
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: description string is out of bounds");
  }
  if (subgraphs_.size == 0) {
    return r.Report(Status::kMalformedModel, "model has no subgraphs");
  }
  TFLM_RETURN_IF_ERROR(VerifyOpCodes(r));
  TFLM_RETURN_IF_ERROR(VerifyBuffers(r));
  for (uint32_t s = 0; s < subgraphs_.size; ++s) {
    TFLM_RETURN_IF_ERROR(VerifySubgraph(s, r));
  }
  TFLM_RETURN_IF_ERROR(VerifySignatures(r));
  // Metadata entries: names and buffer indices.
  fb::TableVector metadata = root_.TableVectorField(kMetadata, &ok);
  for (uint32_t i = 0; ok && i < metadata.size; ++i) {
    fb::Table m = metadata.Get(i);
    if (!m.valid() || !m.present()) {
      ok = false;
      break;
    }
    m.String(kMetadataName, &ok);
    if (m.Scalar<uint32_t>(kMetadataBuffer, 0) >= buffers_.size) ok = false;
  }
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: metadata entry is out of bounds");
  }
  verified_ = true;
  return Status::kOk;
}

Status Model::VerifyOpCodes(ErrorReporter& r) {
  for (uint32_t i = 0; i < opcodes_.size; ++i) {
    fb::Table t = opcodes_.Get(i);
    bool ok = t.valid() && t.present();
    if (ok) t.String(kCustomCode, &ok);
    if (!ok) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: operator_codes[%u] is out of bounds",
                      i);
    }
    const OpCodeInfo info = operator_code(i);
    if (info.builtin_code < 0 || info.builtin_code > kMaxBuiltinOp) {
      return r.Report(Status::kUnsupported,
                      "operator_codes[%u] has unknown builtin code %d (newer "
                      "schema than this runtime?)",
                      i, static_cast<int>(info.builtin_code));
    }
    if (info.builtin_code == static_cast<int32_t>(BuiltinOp::kCUSTOM) &&
        info.custom_name == nullptr) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: operator_codes[%u] is CUSTOM but "
                      "has no custom_code",
                      i);
    }
  }
  return Status::kOk;
}

OpCodeInfo Model::operator_code(uint32_t i) const {
  OpCodeInfo info;
  fb::Table t = opcodes_.Get(i);
  const int32_t deprecated = t.Scalar<int8_t>(kDeprecatedBuiltinCode, 0);
  const int32_t code = t.Scalar<int32_t>(kBuiltinCode, 0);
  // The schema keeps both fields for compatibility; the real code is the
  // larger of the two.
  info.builtin_code = code > deprecated ? code : deprecated;
  bool ok = true;
  info.custom_name = t.String(kCustomCode, &ok);
  info.version = t.Scalar<int32_t>(kOpVersion, 1);
  return info;
}

Status Model::VerifyBuffers(ErrorReporter& r) {
  for (uint32_t i = 0; i < buffers_.size; ++i) {
    fb::Table t = buffers_.Get(i);
    bool ok = t.valid() && t.present();
    if (ok) t.VectorField<uint8_t>(kBufferData, &ok);
    if (ok) {
      const uint64_t offset = t.Scalar<uint64_t>(kBufferOffset, 0);
      const uint64_t size = t.Scalar<uint64_t>(kBufferSize, 0);
      if (offset > 1 && (offset > size_ || size > size_ - offset)) ok = false;
    }
    if (!ok) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: buffers[%u] is out of bounds", i);
    }
  }
  return Status::kOk;
}

const uint8_t* Model::buffer_data(uint32_t i, size_t* size) const {
  *size = 0;
  fb::Table t = buffers_.Get(i);
  bool ok = true;
  fb::Vector<uint8_t> v = t.VectorField<uint8_t>(kBufferData, &ok);
  if (ok && v.size > 0) {
    *size = v.size;
    return v.data;
  }
  // Models over 2 GiB keep buffer data after the flatbuffer; offset 1 is the
  // converter's placeholder for "not yet written".
  const uint64_t offset = t.Scalar<uint64_t>(kBufferOffset, 0);
  const uint64_t bytes = t.Scalar<uint64_t>(kBufferSize, 0);
  if (offset > 1 && bytes > 0 && offset <= size_ && bytes <= size_ - offset) {
    *size = static_cast<size_t>(bytes);
    return data_ + offset;
  }
  return nullptr;
}

uint32_t Model::num_tensors(uint32_t s) const {
  bool ok = true;
  return subgraph_table(s).TableVectorField(kTensors, &ok).size;
}

uint32_t Model::num_operators(uint32_t s) const {
  bool ok = true;
  return subgraph_table(s).TableVectorField(kOperators, &ok).size;
}

const char* Model::subgraph_name(uint32_t s) const {
  bool ok = true;
  const char* name = subgraph_table(s).String(kSubgraphName, &ok);
  return name == nullptr ? "" : name;
}

Int32Span Model::subgraph_inputs(uint32_t s) const {
  return Int32VectorUnchecked(subgraph_table(s), kInputs);
}

Int32Span Model::subgraph_outputs(uint32_t s) const {
  return Int32VectorUnchecked(subgraph_table(s), kOutputs);
}

const char* Model::description() const {
  bool ok = true;
  const char* d = root_.String(kDescription, &ok);
  return d == nullptr ? "" : d;
}

Status Model::VerifySubgraph(uint32_t s, ErrorReporter& r) {
  fb::Table g = subgraphs_.Get(s);
  bool ok = g.valid() && g.present();
  fb::TableVector tensors, ops;
  if (ok) tensors = g.TableVectorField(kTensors, &ok);
  if (ok) ops = g.TableVectorField(kOperators, &ok);
  if (ok) g.String(kSubgraphName, &ok);
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u is out of bounds", s);
  }
  const uint32_t num_tensors = tensors.size;
  for (uint32_t t = 0; t < num_tensors; ++t) {
    TFLM_RETURN_IF_ERROR(VerifyTensor(s, t, tensors.Get(t), r));
  }
  const int io_fields[2] = {kInputs, kOutputs};
  for (int f : io_fields) {
    Int32Span io;
    TFLM_RETURN_IF_ERROR(Int32VectorField(
        g, f, &io, r, f == kInputs ? "subgraph inputs" : "subgraph outputs"));
    for (uint32_t i = 0; i < io.size; ++i) {
      if (io[i] < 0 || static_cast<uint32_t>(io[i]) >= num_tensors) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: subgraph %u %s[%u] = %d is not a "
                        "tensor index (subgraph has %u tensors)",
                        s, f == kInputs ? "inputs" : "outputs", i,
                        static_cast<int>(io[i]), num_tensors);
      }
    }
  }
  for (uint32_t o = 0; o < ops.size; ++o) {
    TFLM_RETURN_IF_ERROR(VerifyOperator(s, o, num_tensors, ops.Get(o), r));
  }
  return Status::kOk;
}

Status Model::VerifyTensor(uint32_t s, uint32_t t, const fb::Table& tensor,
                           ErrorReporter& r) {
  if (!tensor.valid() || !tensor.present()) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u tensor %u is out of "
                    "bounds",
                    s, t);
  }
  bool ok = true;
  const char* name = tensor.String(kTensorName, &ok);
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u tensor %u name is out of "
                    "bounds",
                    s, t);
  }
  if (name == nullptr) name = "";
  Int32Span shape, signature;
  TFLM_RETURN_IF_ERROR(Int32VectorField(tensor, kShape, &shape, r, "tensor shape"));
  TFLM_RETURN_IF_ERROR(
      Int32VectorField(tensor, kShapeSignature, &signature, r, "tensor shape_signature"));
  if (shape.size > kMaxRank) {
    return r.Report(Status::kUnsupported,
                    "tensor '%s' (subgraph %u, index %u) has rank %u; this "
                    "runtime supports rank <= %d",
                    name, s, t, shape.size, kMaxRank);
  }
  for (uint32_t i = 0; i < shape.size; ++i) {
    if (shape[i] < 0) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: tensor '%s' has negative dimension "
                      "%d",
                      name, static_cast<int>(shape[i]));
    }
  }
  if (signature.size != 0 && signature.size != shape.size) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: tensor '%s' shape_signature has rank "
                    "%u but shape has rank %u",
                    name, signature.size, shape.size);
  }
  const uint8_t type = tensor.Scalar<uint8_t>(kType, 0);
  if (type >= kNumDataTypes) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: tensor '%s' has unknown type %u",
                    name, type);
  }
  const uint32_t buffer = tensor.Scalar<uint32_t>(kBuffer, 0);
  if (buffer >= buffers_.size && !(buffer == 0 && buffers_.size == 0)) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: tensor '%s' refers to buffer %u of %u",
                    name, buffer, buffers_.size);
  }
  // Size in bytes, with a cap so that hostile shapes cannot overflow.
  constexpr int64_t kMaxTensorBytes = 0x7fffffff;
  const size_t element = DataTypeSize(static_cast<DataType>(type));
  int64_t expected = static_cast<int64_t>(element == 0 ? 1 : element);
  for (uint32_t i = 0; i < shape.size; ++i) {
    expected *= shape[i];
    if (expected > kMaxTensorBytes) {
      return r.Report(Status::kUnsupported,
                      "tensor '%s' (subgraph %u, index %u) is larger than 2 "
                      "GiB",
                      name, s, t);
    }
  }
  size_t data_size = 0;
  const uint8_t* data =
      buffers_.size == 0 ? nullptr : buffer_data(buffer, &data_size);
  if (data != nullptr) {
    if (element != 0) {
      if (expected != static_cast<int64_t>(data_size)) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: constant tensor '%s' has %zu "
                        "bytes of data but its shape and type need %lld",
                        name, data_size, static_cast<long long>(expected));
      }
    }
    // Kernels load bools as C++ bool: any byte but 0 and 1 is undefined.
    if (static_cast<DataType>(type) == DataType::kBool) {
      for (size_t i = 0; i < data_size; ++i) {
        if (data[i] > 1) {
          return r.Report(Status::kMalformedModel,
                          "model is malformed: constant tensor '%s' (bool) holds byte %u at "
                          "element %zu (bools are 0 or 1)",
                          name, static_cast<unsigned>(data[i]), i);
        }
      }
    }
  }
  fb::Table q = tensor.SubTable(kQuantization, &ok);
  if (ok && q.present()) {
    fb::Vector<float> scale = q.VectorField<float>(kQScale, &ok);
    fb::Vector<int64_t> zero_point = q.VectorField<int64_t>(kQZeroPoint, &ok);
    q.VectorField<float>(kQMin, &ok);
    q.VectorField<float>(kQMax, &ok);
    if (ok && zero_point.size != 0 && zero_point.size != scale.size) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: tensor '%s' has %u scales but %u "
                      "zero points",
                      name, scale.size, zero_point.size);
    }
    // Kernels divide by scales and compute with zero points in the
    // element type's range: a negative or non-finite scale, or a zero point
    // the type cannot hold, is never valid.
    for (uint32_t i = 0; ok && i < scale.size; ++i) {
      const float v = scale[i];
      if (!(v >= 0.0f && v <= 3.4e38f)) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: tensor '%s' has an invalid quantization "
                        "scale (entry %u is not a finite number >= 0)",
                        name, i);
      }
    }
    int64_t zp_min = INT32_MIN;
    int64_t zp_max = INT32_MAX;
    switch (static_cast<DataType>(type)) {
      case DataType::kInt8: zp_min = -128; zp_max = 127; break;
      case DataType::kUInt8: zp_min = 0; zp_max = 255; break;
      case DataType::kInt16: zp_min = -32768; zp_max = 32767; break;
      case DataType::kUInt16: zp_min = 0; zp_max = 65535; break;
      case DataType::kInt4: zp_min = -8; zp_max = 7; break;
      default: break;
    }
    for (uint32_t i = 0; ok && i < zero_point.size; ++i) {
      const int64_t v = zero_point[i];
      if (v < zp_min || v > zp_max) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: tensor '%s' (%s) has zero point %lld, "
                        "outside [%lld, %lld]",
                        name, DataTypeName(static_cast<DataType>(type)),
                        static_cast<long long>(v), static_cast<long long>(zp_min),
                        static_cast<long long>(zp_max));
      }
    }
    // A 1-D tensor's channel axis is 0 whatever quantized_dimension says:
    // converters leave a stale one on per-channel biases (the person
    // detection model's), and TFLite reads those as axis 0.
    const int32_t qdim = shape.size == 1 ? 0 : q.Scalar<int32_t>(kQQuantizedDimension, 0);
    if (ok && scale.size > 1) {
      if (qdim < 0 || static_cast<uint32_t>(qdim) >= shape.size ||
          static_cast<uint32_t>(shape[qdim]) != scale.size) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: tensor '%s' has %u per-channel "
                        "scales but quantized_dimension %d does not match its "
                        "shape",
                        name, scale.size, static_cast<int>(qdim));
      }
    }
  }
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: tensor '%s' quantization parameters "
                    "are out of bounds",
                    name);
  }
  return Status::kOk;
}

TensorInfo Model::tensor(uint32_t s, uint32_t t) const {
  TensorInfo info;
  bool ok = true;
  fb::Table tensor = subgraph_table(s).TableVectorField(kTensors, &ok).Get(t);
  info.shape = Int32VectorUnchecked(tensor, kShape);
  info.shape_signature = Int32VectorUnchecked(tensor, kShapeSignature);
  info.type = static_cast<DataType>(tensor.Scalar<uint8_t>(kType, 0));
  info.buffer = tensor.Scalar<uint32_t>(kBuffer, 0);
  const char* name = tensor.String(kTensorName, &ok);
  info.name = name == nullptr ? "" : name;
  info.is_variable = tensor.Bool(kIsVariable, false);
  info.has_rank = tensor.Bool(kHasRank, false);
  return info;
}

QuantParams Model::quantization(uint32_t s, uint32_t t) const {
  QuantParams p;
  bool ok = true;
  fb::Table tensor = subgraph_table(s).TableVectorField(kTensors, &ok).Get(t);
  fb::Table q = tensor.SubTable(kQuantization, &ok);
  if (!ok || !q.present()) return p;
  fb::Vector<float> scale = q.VectorField<float>(kQScale, &ok);
  fb::Vector<int64_t> zero_point = q.VectorField<int64_t>(kQZeroPoint, &ok);
  if (!ok) return p;
  p.scales = scale.data;
  p.count = static_cast<int32_t>(scale.size);
  p.zero_points = zero_point.data;
  p.zero_point_count = static_cast<int32_t>(zero_point.size);
  // As the verifier: a 1-D tensor's channel axis is 0.
  p.quantized_dimension = Int32VectorUnchecked(tensor, kShape).size == 1
                              ? 0
                              : q.Scalar<int32_t>(kQQuantizedDimension, 0);
  return p;
}

Status Model::VerifyOperator(uint32_t s, uint32_t o, uint32_t num_tensors,
                             const fb::Table& op, ErrorReporter& r) {
  if (!op.valid() || !op.present()) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u operator %u is out of "
                    "bounds",
                    s, o);
  }
  const uint32_t opcode = op.Scalar<uint32_t>(kOpcodeIndex, 0);
  if (opcode >= opcodes_.size) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u operator %u uses opcode "
                    "index %u of %u",
                    s, o, opcode, opcodes_.size);
  }
  const int fields[3] = {kOpInputs, kOpOutputs, kIntermediates};
  const char* names[3] = {"inputs", "outputs", "intermediates"};
  for (int f = 0; f < 3; ++f) {
    Int32Span span;
    TFLM_RETURN_IF_ERROR(Int32VectorField(op, fields[f], &span, r, "operator tensor list"));
    for (uint32_t i = 0; i < span.size; ++i) {
      // -1 marks an omitted optional input.
      if (span[i] < -1 || span[i] >= static_cast<int32_t>(num_tensors) ||
          (span[i] == -1 && fields[f] == kOpOutputs)) {
        return r.Report(Status::kMalformedModel,
                        "model is malformed: subgraph %u operator %u (%s) "
                        "%s[%u] = %d is not a tensor index",
                        s, o, BuiltinOpName(operator_code(opcode).builtin_code),
                        names[f], i, static_cast<int>(span[i]));
      }
    }
  }
  bool ok = true;
  op.SubTable(kBuiltinOptions, &ok);
  op.VectorField<uint8_t>(kCustomOptions, &ok);
  const uint64_t large_offset = op.Scalar<uint64_t>(kLargeCustomOptionsOffset, 0);
  const uint64_t large_size = op.Scalar<uint64_t>(kLargeCustomOptionsSize, 0);
  if (large_offset > 1 && (large_offset > size_ || large_size > size_ - large_offset)) {
    ok = false;
  }
  if (!ok) {
    return r.Report(Status::kMalformedModel,
                    "model is malformed: subgraph %u operator %u options are "
                    "out of bounds",
                    s, o);
  }
  return Status::kOk;
}

OperatorInfo Model::op(uint32_t s, uint32_t o) const {
  OperatorInfo info;
  bool ok = true;
  fb::Table op = subgraph_table(s).TableVectorField(kOperators, &ok).Get(o);
  info.opcode_index = op.Scalar<uint32_t>(kOpcodeIndex, 0);
  info.inputs = Int32VectorUnchecked(op, kOpInputs);
  info.outputs = Int32VectorUnchecked(op, kOpOutputs);
  info.intermediates = Int32VectorUnchecked(op, kIntermediates);
  info.builtin_options_type = op.Scalar<uint8_t>(kBuiltinOptionsType, 0);
  info.builtin_options = op.SubTable(kBuiltinOptions, &ok);
  fb::Vector<uint8_t> custom = op.VectorField<uint8_t>(kCustomOptions, &ok);
  if (custom.size > 0) {
    info.custom_options = custom.data;
    info.custom_options_size = custom.size;
  } else {
    const uint64_t offset = op.Scalar<uint64_t>(kLargeCustomOptionsOffset, 0);
    const uint64_t size = op.Scalar<uint64_t>(kLargeCustomOptionsSize, 0);
    if (offset > 1 && offset <= size_ && size <= size_ - offset) {
      info.custom_options = data_ + offset;
      info.custom_options_size = static_cast<uint32_t>(size);
    }
  }
  return info;
}

Status Model::VerifySignatures(ErrorReporter& r) {
  for (uint32_t i = 0; i < signatures_.size; ++i) {
    fb::Table sig = signatures_.Get(i);
    bool ok = sig.valid() && sig.present();
    fb::TableVector lists[2];
    if (ok) {
      lists[0] = sig.TableVectorField(kSigInputs, &ok);
      lists[1] = sig.TableVectorField(kSigOutputs, &ok);
      sig.String(kSigKey, &ok);
    }
    if (!ok) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: signature_defs[%u] is out of bounds",
                      i);
    }
    const uint32_t subgraph = sig.Scalar<uint32_t>(kSigSubgraphIndex, 0);
    if (subgraph >= subgraphs_.size) {
      return r.Report(Status::kMalformedModel,
                      "model is malformed: signature '%s' refers to subgraph "
                      "%u of %u",
                      signature_key(i), subgraph, subgraphs_.size);
    }
    const uint32_t num_tensors = this->num_tensors(subgraph);
    for (int l = 0; l < 2; ++l) {
      for (uint32_t k = 0; k < lists[l].size; ++k) {
        fb::Table m = lists[l].Get(k);
        bool map_ok = m.valid() && m.present();
        if (map_ok) m.String(kMapName, &map_ok);
        if (!map_ok ||
            m.Scalar<uint32_t>(kMapTensorIndex, 0) >= num_tensors) {
          return r.Report(Status::kMalformedModel,
                          "model is malformed: signature '%s' %s[%u] is out "
                          "of bounds",
                          signature_key(i), l == 0 ? "inputs" : "outputs", k);
        }
      }
    }
  }
  return Status::kOk;
}

const char* Model::signature_key(uint32_t i) const {
  bool ok = true;
  const char* key = signatures_.Get(i).String(kSigKey, &ok);
  return key == nullptr ? "" : key;
}

uint32_t Model::signature_subgraph(uint32_t i) const {
  return signatures_.Get(i).Scalar<uint32_t>(kSigSubgraphIndex, 0);
}

uint32_t Model::signature_num_inputs(uint32_t i) const {
  bool ok = true;
  return signatures_.Get(i).TableVectorField(kSigInputs, &ok).size;
}

uint32_t Model::signature_num_outputs(uint32_t i) const {
  bool ok = true;
  return signatures_.Get(i).TableVectorField(kSigOutputs, &ok).size;
}

namespace {
SignatureTensor ReadTensorMap(const fb::Table& m) {
  SignatureTensor st;
  bool ok = true;
  const char* name = m.String(kMapName, &ok);
  st.name = name == nullptr ? "" : name;
  st.tensor_index = m.Scalar<uint32_t>(kMapTensorIndex, 0);
  return st;
}
}  // namespace

SignatureTensor Model::signature_input(uint32_t i, uint32_t k) const {
  bool ok = true;
  return ReadTensorMap(signatures_.Get(i).TableVectorField(kSigInputs, &ok).Get(k));
}

SignatureTensor Model::signature_output(uint32_t i, uint32_t k) const {
  bool ok = true;
  return ReadTensorMap(signatures_.Get(i).TableVectorField(kSigOutputs, &ok).Get(k));
}

const uint8_t* Model::metadata(const char* name, size_t* size) const {
  *size = 0;
  bool ok = true;
  fb::TableVector metadata = root_.TableVectorField(kMetadata, &ok);
  for (uint32_t i = 0; ok && i < metadata.size; ++i) {
    fb::Table m = metadata.Get(i);
    const char* n = m.String(kMetadataName, &ok);
    if (n != nullptr && strcmp(n, name) == 0) {
      return buffer_data(m.Scalar<uint32_t>(kMetadataBuffer, 0), size);
    }
  }
  return nullptr;
}

}  // namespace tflm
