// Device 0 for the GPU tests (label gpu): opened in a fixture's SetUp, or the
// test skipped where this machine has no CUDA device.
//
// Thread safety: call from the test's thread (SetUp).
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "runtime/driver.h"

namespace kjit::runtime::testing {

// Opens device 0 into `device`; skips the test when there is no device (leaving `device` null) and
// fails it when device 0 does not open. SetUp returns when `device` is null.
inline void open_device_or_skip(std::shared_ptr<Device>& device) {
  auto count = device_count();
  if (!count || *count == 0) GTEST_SKIP() << "no CUDA device";
  auto opened = Device::open(0);
  ASSERT_TRUE(opened) << opened.error().full();
  device = *opened;
}

}  // namespace kjit::runtime::testing
