// Resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE.
//
// The interpreter sizes every variable before kernels run (see
// interpreter/resource_variables.h). VAR_HANDLE writes its variable's id into
// its resource output at prepare time, so READ_VARIABLE can give its output
// the variable's shape during prepare; eval only copies bytes.
#include <cstring>

#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/kernels/kernels.h"

namespace tflm {
namespace {

constexpr int kContainerField = 0;   // VarHandleOptions.container
constexpr int kSharedNameField = 1;  // VarHandleOptions.shared_name

struct HandleData {
  int32_t id;
};

Status HandleInit(OpContext& ctx) {
  HandleData* d = ctx.AllocateOpData<HandleData>();
  if (d == nullptr) return Status::kArenaTooSmall;
  bool ok = true;
  const fb::Table options = ctx.builtin_options();
  const char* container = options.String(kContainerField, &ok);
  const char* shared = options.String(kSharedNameField, &ok);
  d->id = ctx.FindResourceVariable(container == nullptr ? "" : container,
                                   shared == nullptr ? "" : shared);
  if (d->id < 0) {
    return ctx.Error(Status::kInternal, "variable '%s' was not registered",
                     shared == nullptr ? "" : shared);
  }
  return Status::kOk;
}

Status HandlePrepare(OpContext& ctx) {
  Tensor* out = ctx.output(0);
  if (out->type != DataType::kResource && out->type != DataType::kInt32) {
    return ctx.Error(Status::kInvalidArgument, "output must be a resource, got %s",
                     DataTypeName(out->type));
  }
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, nullptr, 0));
  TFLM_RETURN_IF_ERROR(ctx.MaterializeOutput(0));
  *out->data_as<int32_t>() = ctx.op_data_as<HandleData>()->id;
  return Status::kOk;
}

Status HandleEval(OpContext& ctx) {
  *ctx.output(0)->data_as<int32_t>() = ctx.op_data_as<HandleData>()->id;
  return Status::kOk;
}

// The variable a resource input names; its id must be known at prepare.
Status VariableOf(OpContext& ctx, int input, ResourceVariable** variable) {
  const Tensor* handle = ctx.input(input);
  if (handle == nullptr || !OpContext::ValueKnownAtPrepare(handle) ||
      handle->data == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "the resource input must come from a VAR_HANDLE of this subgraph");
  }
  *variable = ctx.resource_variable(*handle->data_as<const int32_t>());
  if (*variable == nullptr || (*variable)->data == nullptr) {
    return ctx.Error(Status::kUnsupported,
                     "the variable is never assigned a value of static shape, so "
                     "its size is unknown");
  }
  return Status::kOk;
}

Status ReadPrepare(OpContext& ctx) {
  ResourceVariable* v = nullptr;
  TFLM_RETURN_IF_ERROR(VariableOf(ctx, 0, &v));
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(ctx.output(0), v->type, "output"));
  TFLM_RETURN_IF_ERROR(ctx.SetOutputShape(0, v->dims, v->rank));
  // Weights are read far more than they are written: where nothing assigns
  // the variable while the value is in use, read its storage in place
  // instead of copying it into the planned region.
  const int id = *ctx.input(0)->data_as<const int32_t>();
  if (ctx.VariableStableWhileOutputLive(0, id)) {
    TFLM_RETURN_IF_ERROR(ctx.AliasOutput(0, v->data));
  }
  return Status::kOk;
}

Status ReadEval(OpContext& ctx) {
  const ResourceVariable* v =
      ctx.resource_variable(*ctx.input(0)->data_as<const int32_t>());
  if (ctx.output(0)->data != v->data) memcpy(ctx.output(0)->data, v->data, v->bytes);
  return Status::kOk;
}

Status AssignPrepare(OpContext& ctx) {
  ResourceVariable* v = nullptr;
  TFLM_RETURN_IF_ERROR(VariableOf(ctx, 0, &v));
  const Tensor* value = ctx.input(1);
  TFLM_RETURN_IF_ERROR(ctx.ExpectType(value, v->type, "value"));
  const int64_t bytes =
      static_cast<int64_t>(DataTypeSize(value->type)) * value->NumElements();
  if (bytes != static_cast<int64_t>(v->bytes)) {
    return ctx.Error(Status::kInvalidArgument,
                     "value '%s' has %lld bytes but variable '%s' holds %u",
                     ctx.input_name(1), static_cast<long long>(bytes), v->shared_name,
                     v->bytes);
  }
  return Status::kOk;
}

Status AssignEval(OpContext& ctx) {
  ResourceVariable* v = ctx.resource_variable(*ctx.input(0)->data_as<const int32_t>());
  memcpy(v->data, ctx.input(1)->data, v->bytes);
  return Status::kOk;
}

}  // namespace

const OpRegistration* Register_VAR_HANDLE() {
  static const OpRegistration r = {"VAR_HANDLE", HandleInit, HandlePrepare, HandleEval,
                                   nullptr, 1, nullptr, "", "resource", nullptr};
  return &r;
}

const OpRegistration* Register_READ_VARIABLE() {
  static const OpRegistration r = {"READ_VARIABLE", nullptr, ReadPrepare, ReadEval,
                                   nullptr, 1, nullptr, "resource", "value", nullptr};
  return &r;
}

const OpRegistration* Register_ASSIGN_VARIABLE() {
  static const OpRegistration r = {"ASSIGN_VARIABLE", nullptr, AssignPrepare, AssignEval,
                                   nullptr, 1, nullptr, "resource, value", "", nullptr};
  return &r;
}

}  // namespace tflm
