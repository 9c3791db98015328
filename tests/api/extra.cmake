# Benchmarks for the Jit facade (not tests): build with
#   cmake --build build --target kjit_jit_get_bench
add_executable(kjit_jit_get_bench ${CMAKE_CURRENT_LIST_DIR}/bench/jit_get_bench.cpp)
target_link_libraries(kjit_jit_get_bench PRIVATE kjit_api)
set_target_properties(kjit_jit_get_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
