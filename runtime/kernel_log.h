// Launch records for KJIT_LOGLEVEL (launch_log.h): what Kernel::launch
// writes before issuing a launch (levels 1, 3, 5) and after it (level 5:
// output statistics). Only called when the level is above 0.
//
// Thread safety: functions only; each record is written whole.
#pragma once

#include <cuda.h>

#include <cstdint>
#include <string>

#include "runtime/plan_program.h"
#include "runtime/tensor_arg.h"

namespace kjit::runtime {

class Kernel;

// Everything a record shows, borrowed from the launch in progress.
struct LaunchRecordView {
  const Kernel& kernel;
  const TensorArg* const* tensors;     // slot order
  const ScalarValue* const* scalars;   // slot order
  const std::uint64_t* scalar_bits;
  const std::int64_t* axes;
  const PlanProgram& program;
  const PlanValues& values;
  CUstream stream;
  int device;
  const std::string& device_name;
  const std::string& arch;
  CUdeviceptr workspace;
  bool pdl_ok;
};

// The record written before the launch (level 1: name; 3: + axes, tensors,
// scalars, kernels, stream; 5: + input statistics).
void log_launch(const LaunchRecordView& view, int level);
// Level 5, after the launch: output statistics (synchronizes the stream).
void log_launch_outputs(const LaunchRecordView& view);

}  // namespace kjit::runtime
