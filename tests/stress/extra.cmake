# The stress suite (tests/stress/stress_test.py, label `stress`): one CTest
# per case, each driving build/kjit as separate processes in the short mode
# (about two minutes in all on 2 cores); KJIT_STRESS_LONG=1 (or running the
# script with --long) runs the long mode.
foreach(case race kill9 corruption disk_full readonly maintenance http bundle)
  add_test(NAME stress_${case}
           COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/stress_test.py --kjit $<TARGET_FILE:kjit> --only ${case}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(stress_${case} PROPERTIES LABELS "stress" TIMEOUT 900)
endforeach()

# The C API's compile-option allow-list (a C program against libkjit).
add_executable(kjit_capi_options ${CMAKE_CURRENT_LIST_DIR}/capi_options.c)
target_link_libraries(kjit_capi_options PRIVATE kjit_lib)
set_target_properties(kjit_capi_options PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64;$<TARGET_FILE_DIR:kjit_lib>")
add_test(NAME capi_option_allow_list
         COMMAND sh -c "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT && env -u KJIT_DEFINITIONS \"$0\" \"$d\""
                 $<TARGET_FILE:kjit_capi_options>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(capi_option_allow_list PROPERTIES LABELS "cli;capi" TIMEOUT 300)
