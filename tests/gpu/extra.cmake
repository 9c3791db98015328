# GPU benchmark programs (not tests): kjit_launch_bench times one launch of a
# tiny kernel raw vs through the C++ and C APIs (tools/gpu_sweep.sh step
# `launch_bench`; on the fake driver of tests/fakes it is a smoke run).
# The C API sources are compiled in (not libkjit.so) so both APIs share one runtime.
add_executable(kjit_launch_bench ${CMAKE_CURRENT_LIST_DIR}/bench/launch_bench.cpp ${KJIT_CAPI_SRCS})
target_link_libraries(kjit_launch_bench PRIVATE kjit_api)
set_target_properties(kjit_launch_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
