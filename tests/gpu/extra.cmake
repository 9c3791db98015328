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
# DSA (dsa_paged) kernels in the same emulation, sm_80 variants (their sm_90 producers use
# mbarriers and bulk copies, which it lacks): the indexer's FP8 scores and radix top-k judged by
# flashinfer-bench's DsaTopkIndexerEvaluator rule, the sparse attention's compaction, tiles and
# split merge. One test per definition (the emulation's work folder is per definition and arch).
function(kjit_emu_test_sm80 tag def)
  add_test(NAME dsa_emu_${tag} COMMAND ${CMAKE_SOURCE_DIR}/tests/gpu/gdn/emu/run_emu.sh ${def} ${ARGN}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(dsa_emu_${tag} PROPERTIES LABELS "emu" TIMEOUT 1200 SKIP_RETURN_CODE 77
      ENVIRONMENT "EMU_BUILD=${CMAKE_BINARY_DIR};EMU_DIR=${CMAKE_BINARY_DIR}/emu;EMU_ARCH=sm_80")
endfunction()
kjit_emu_test_sm80(indexer_empty_first dsa_topk_indexer_fp8_h64_d128_topk2048_ps64 --axes batch_size=3 --empty-first)
kjit_emu_test_sm80(indexer_h32_ps32_ties dsatest_topk_indexer_fp8_h32_d128_topk512_ps32 --axes batch_size=3 --kv-len 1500
                   --inputs-profile ties)
kjit_emu_test_sm80(sparse_ps64_random dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64 --axes num_tokens=3)
kjit_emu_test_sm80(sparse_ps1_one_key dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1 --axes num_tokens=3 --kv-len 1)
kjit_emu_test_sm80(sparse_h20_long dsatest_sparse_attention_h20_ckv512_kpe64_topk2048_ps64 --axes num_tokens=2 --kv-len 5000)
kjit_emu_test_sm80(sparse_h128_short dsatest_sparse_attention_h128_ckv512_kpe64_topk2048_ps1 --axes num_tokens=1 --kv-len 700)

# CPU emulation of the fused-MoE kernels (templates/moe) on kjit's small moe test definitions
# (tests/gpu/definitions/moe: hidden 256, intermediate 128): every template variant, the decode
# (small) and prefill (wide) tile paths, and the routing edge-case input profiles. Label `emu`.
function(kjit_moe_emu_test tag def)
  add_test(NAME moe_emu_${tag} COMMAND ${CMAKE_SOURCE_DIR}/tests/gpu/gdn/emu/run_emu.sh ${def} ${ARGN}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(moe_emu_${tag} PROPERTIES LABELS "emu" TIMEOUT 1200 SKIP_RETURN_CODE 77
      ENVIRONMENT "EMU_BUILD=${CMAKE_BINARY_DIR};EMU_DIR=${CMAKE_BINARY_DIR}/emu")
endfunction()
kjit_moe_emu_test(ds_s7 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=7)
kjit_moe_emu_test(ds_wide moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=128)
kjit_moe_emu_test(ds_no_local moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=20 --inputs-profile no_local)
kjit_moe_emu_test(fp8_block_renorm_s1 moetest_fp8_block_renorm_topk4_e8 --axes seq_len=1)
kjit_moe_emu_test(fp8_tensor_llama4_one_expert moetest_fp8_tensor_llama4_topk1_e8 --axes seq_len=20 --inputs-profile one_expert)
kjit_moe_emu_test(fp8_tensor_renorm_s7 moetest_fp8_tensor_renorm_topk4_e8 --axes seq_len=7)
kjit_moe_emu_test(float_renorm_wide moetest_fp4_renorm_topk4_e8 --axes seq_len=64)
kjit_moe_emu_test(float_llama4_s7 moetest_fp4_llama4_topk1_e8 --axes seq_len=7)
kjit_moe_emu_test(float_routed_half_empty moetest_fp4_routed_topk4_e8 --axes seq_len=20 --inputs-profile half_empty)
kjit_moe_emu_test(float_routed_topk1 moetest_fp4_routed_topk1_e8 --axes seq_len=7)
