# Workflow extras: the C API example client (examples/c/get_kernel.c),
# built with the system C compiler against libkjit and run on a bundled
# rmsnorm definition with a temporary cache: first a compile, then a hit,
# then an unknown name exiting 3 (not found).
add_executable(kjit_get_kernel_example ${CMAKE_SOURCE_DIR}/examples/c/get_kernel.c)
target_link_libraries(kjit_get_kernel_example PRIVATE kjit_lib)
set_target_properties(kjit_get_kernel_example PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64;$<TARGET_FILE_DIR:kjit_lib>")
add_test(NAME workflows_capi_get_kernel_example
         COMMAND sh -c "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT && \
env -u KJIT_DEFINITIONS \"$0\" rmsnorm_h4096 sm_90a \"$d\" | grep -q ' compiled$' && \
env -u KJIT_DEFINITIONS \"$0\" rmsnorm_h4096 sm_90a \"$d\" | grep -q ' hit$' && \
env -u KJIT_DEFINITIONS \"$0\" rmsnorm_h4096 sm_90a \"$d\" | grep -q '^plan={\"' && \
{ env -u KJIT_DEFINITIONS \"$0\" no_such_kernel sm_90a \"$d\" 2>/dev/null; test $? -eq 3; }"
         $<TARGET_FILE:kjit_get_kernel_example>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(workflows_capi_get_kernel_example PROPERTIES LABELS "cli" TIMEOUT 300)

# The serve tests talk HTTP with cpp-httplib's client.
target_link_libraries(kjit_cli_tests PRIVATE ${KJIT_HTTPLIB})
