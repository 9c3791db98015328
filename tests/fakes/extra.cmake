# The fake CUDA driver (tests/fakes/fake_cuda.cpp): build/fake_cuda/libcuda.so.1,
# found by kjit's dlopen when build/fake_cuda leads LD_LIBRARY_PATH (the
# `launch` tests and the Python package tests set it; nothing else does).
add_library(kjit_fake_cuda SHARED ${CMAKE_CURRENT_LIST_DIR}/fake_cuda.cpp)
set_target_properties(kjit_fake_cuda PROPERTIES OUTPUT_NAME cuda PREFIX lib SUFFIX .so.1 NO_SONAME ON
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fake_cuda)
