# GPU benchmark programs (not tests): kjit_launch_bench times one launch of a
# tiny kernel raw vs through the C++ and C APIs (tools/gpu_sweep.sh step
# `launch_bench`; on the fake driver of tests/fakes it is a smoke run).
# The C API sources are compiled in (not libkjit.so) so both APIs share one runtime.
add_executable(kjit_launch_bench ${CMAKE_CURRENT_LIST_DIR}/bench/launch_bench.cpp ${KJIT_CAPI_SRCS})
target_link_libraries(kjit_launch_bench PRIVATE kjit_api)
set_target_properties(kjit_launch_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")

# CPU emulation of the gdn / mamba_ssu kernels against the C++ reference (tests/gpu/gdn/emu):
# the rendered kernels run on fibers, one per CUDA thread, so a template change is checked
# without a GPU. Label `emu`; a few minutes of CPU in all. Needs build/kjit and the static
# libraries, g++ and the dataset (skipped without it outside CI).
function(kjit_emu_test tag def)
  add_test(NAME gdn_emu_${tag} COMMAND ${CMAKE_SOURCE_DIR}/tests/gpu/gdn/emu/run_emu.sh ${def} ${ARGN}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(gdn_emu_${tag} PROPERTIES LABELS "emu" TIMEOUT 1200 SKIP_RETURN_CODE 77
      ENVIRONMENT "EMU_BUILD=${CMAKE_BINARY_DIR};EMU_DIR=${CMAKE_BINARY_DIR}/emu")
endfunction()
kjit_emu_test(decode_aliased gdn_decode_qk4_v8_d128_k_last --axes batch_size=3 --alias new_state=state)
kjit_emu_test(mtp gdn_mtp_qk4_v8_d128_k_last --axes batch_size=3,seq_len=3,pool_size=7)
kjit_emu_test(mamba_pad mamba_ssu_decode_h64_d64_s128_ng4 --axes batch_size=5,state_cache_size=9 --empty-first)
kjit_emu_test(prefill_aliased gdn_prefill_qk4_v8_d128_k_last --axes num_seqs=3 --q-len 65 --empty-first
              --alias new_state=state)
