# Fuzzing in CI (label `fuzz`): each libFuzzer target runs for a short budget
# through tools/dev/fuzz.sh, which builds it with clang-14 (ASan + UBSan) into
# build-fuzz/. Skipped (exit 77) when clang-14 / libFuzzer are missing, except
# with CI=true, where that is a failure (tools/test.sh installs them in CI).
# Longer runs: tools/dev/fuzz.sh TARGET SECONDS; figures in docs/reliability.md.
set(KJIT_FUZZ_SECONDS 25 CACHE STRING "seconds per fuzz target in CTest")
foreach(target definition launch_plan serve bundle)
  add_test(NAME fuzz_${target}
           COMMAND ${CMAKE_SOURCE_DIR}/tools/dev/fuzz.sh ${target} ${KJIT_FUZZ_SECONDS}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz_${target} PROPERTIES LABELS "fuzz" TIMEOUT 1200 SKIP_RETURN_CODE 77)
endforeach()
