// Recurrent ops: the builtin kernels of this family that exist
// (lstm.cc, svdf.cc).
// Add an op here once its Register_<OP>() is implemented.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_OPS_LSTM_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_OPS_LSTM_H_

#define TFLM_LSTM_KERNELS(X) \
  X(UNIDIRECTIONAL_SEQUENCE_LSTM) \
  X(SVDF)

#endif  // TENSORFLOW_LITE_MICRO_KERNELS_OPS_LSTM_H_
