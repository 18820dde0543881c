// Checking a node against its kernel's operand contract (the inputs,
// outputs and option ranges declared in OpRegistration, op_context.h).
#ifndef TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTRACT_H_
#define TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTRACT_H_

#include <cstdint>

#include "tensorflow/lite/micro/core/status.h"
#include "tensorflow/lite/micro/interpreter/op_context.h"
#include "tensorflow/lite/micro/schema/model.h"

namespace tflm {

// kOk, or kMalformedModel with a message naming operator `o` of subgraph
// `s`, the operand or option at fault and what the op takes. Operand indices
// must be -1 or below `num_tensors` (the verifier checks that too).
Status CheckOperandContract(const OpRegistration& r, const OperatorInfo& op,
                            uint32_t num_tensors, uint32_t s, uint32_t o,
                            ErrorReporter& reporter);

}  // namespace tflm

#endif  // TENSORFLOW_LITE_MICRO_INTERPRETER_OP_CONTRACT_H_
