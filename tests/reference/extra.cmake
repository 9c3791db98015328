# kjit_reference_dump: writes fidelity cases (inputs + C++ reference outputs
# as safetensors) for tools/dev/reference_fidelity.py. A helper program, not a test.
add_executable(kjit_reference_dump ${CMAKE_CURRENT_SOURCE_DIR}/reference/fidelity/reference_dump.cpp)
target_link_libraries(kjit_reference_dump PRIVATE kjit_runtime)
set_target_properties(kjit_reference_dump PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
