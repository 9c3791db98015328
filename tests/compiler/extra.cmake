# Benchmark of NVRTC compile time vs nvcc (not a unit test; run through
# tools/bench/bench_compile.sh, which writes docs/perf/compile.md).
add_executable(kjit_compiler_bench ${CMAKE_CURRENT_LIST_DIR}/bench/bench_compile.cpp)
target_link_libraries(kjit_compiler_bench PRIVATE kjit_compiler)
target_compile_definitions(kjit_compiler_bench PRIVATE KJIT_NVCC="${KJIT_CUDA_ROOT}/bin/nvcc")
set_target_properties(kjit_compiler_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
