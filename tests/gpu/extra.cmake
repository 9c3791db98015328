# GPU benchmark programs (not tests): kjit_launch_bench times one launch of a
# tiny kernel raw vs through the C++ and C APIs (tools/gpu_sweep.sh step
# `launch_bench`; on the fake driver of tests/fakes it is a smoke run).
# The C API sources are compiled in (not libkjit.so) so both APIs share one runtime.
add_executable(kjit_launch_bench ${CMAKE_CURRENT_LIST_DIR}/bench/launch_bench.cpp ${KJIT_CAPI_SRCS})
target_link_libraries(kjit_launch_bench PRIVATE kjit_api)
set_target_properties(kjit_launch_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")

# CPU emulation of rendered kernels (tests/gpu/gdn/emu/run_emu.sh): they run on fibers, one per
# CUDA thread, against the C++ reference, so a template change is checked without a GPU. Label
# `emu`; a few minutes of CPU in all. Needs build/kjit and the static libraries, g++ and the
# dataset (skipped without it outside CI).
# kjit_emu_test(NAME ARCH DEF ARGS...): test NAME emulates definition DEF (run_emu.sh DEF ARGS...)
# for ARCH ("": the emulator's default).
# KJIT_EMU_ENV (a list of VAR=VALUE, empty by default) adds to the test's environment.
function(kjit_emu_test name arch def)
  set(env "EMU_BUILD=${CMAKE_BINARY_DIR};EMU_DIR=${CMAKE_BINARY_DIR}/emu")
  foreach(extra IN LISTS KJIT_EMU_ENV)
    string(APPEND env ";${extra}")
  endforeach()
  if(arch)
    string(APPEND env ";EMU_ARCH=${arch}")
  endif()
  add_test(NAME ${name} COMMAND ${CMAKE_SOURCE_DIR}/tests/gpu/gdn/emu/run_emu.sh ${def} ${ARGN}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "emu" TIMEOUT 1200 SKIP_RETURN_CODE 77 ENVIRONMENT "${env}")
endfunction()

# The gdn / mamba_ssu kernels.
kjit_emu_test(gdn_emu_decode_aliased "" gdn_decode_qk4_v8_d128_k_last --axes batch_size=3 --alias new_state=state)
kjit_emu_test(gdn_emu_mtp "" gdn_mtp_qk4_v8_d128_k_last --axes batch_size=3,seq_len=3,pool_size=7)
kjit_emu_test(gdn_emu_mamba_pad "" mamba_ssu_decode_h64_d64_s128_ng4 --axes batch_size=5,state_cache_size=9 --empty-first)
kjit_emu_test(gdn_emu_prefill_aliased "" gdn_prefill_qk4_v8_d128_k_last --axes num_seqs=3 --q-len 65 --empty-first
              --alias new_state=state)
# The DSA (dsa_paged) kernels in the same emulation, sm_80 variants (the sparse attention's sm_90
# producer uses bulk copies, which it lacks), and the indexer's sm_90a wgmma scoring: the
# indexer's FP8 scores and radix top-k judged by flashinfer-bench's DsaTopkIndexerEvaluator rule,
# the sparse attention's compaction, tiles and split merge. One test per definition (the
# emulation's work folder is per definition and arch).
kjit_emu_test(dsa_emu_indexer_empty_first sm_80 dsa_topk_indexer_fp8_h64_d128_topk2048_ps64 --axes batch_size=3 --empty-first)
# sm_90a: the wgmma scoring kernel (its cp.async producer, mbarrier stages, named barriers, the
# flat grid over two rows) on the emulation's wgmma
kjit_emu_test(dsa_emu_indexer_sm90a sm_90a dsa_topk_indexer_fp8_h64_d128_topk2048_ps64 --axes batch_size=3)
kjit_emu_test(dsa_emu_indexer_h32_ps32_ties sm_80 dsatest_topk_indexer_fp8_h32_d128_topk512_ps32 --axes batch_size=3 --kv-len 1500
              --inputs-profile ties)
kjit_emu_test(dsa_emu_sparse_ps64_random sm_80 dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64 --axes num_tokens=3)
kjit_emu_test(dsa_emu_sparse_ps1_one_key sm_80 dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1 --axes num_tokens=3 --kv-len 1)
kjit_emu_test(dsa_emu_sparse_h20_long sm_80 dsatest_sparse_attention_h20_ckv512_kpe64_topk2048_ps64 --axes num_tokens=2 --kv-len 5000)
kjit_emu_test(dsa_emu_sparse_h128_short sm_80 dsatest_sparse_attention_h128_ckv512_kpe64_topk2048_ps1 --axes num_tokens=1 --kv-len 700)

# The fused-MoE kernels (templates/moe) on kjit's small moe test definitions
# (tests/gpu/definitions/moe: hidden 256, intermediate 128): every template variant, the decode
# (small) and prefill (wide) tile paths, and the routing edge-case input profiles. Most fp8 tests
# render for sm_90 (no "a": the mma.sync wide tiles, the fp8 mma, the programmatic dependent
# launches); the sm_90a ones below run the wgmma wide tiles (moe/gemm{1,2}_wgmma.cuh.j2) on the
# emulation's wgmma and mbarriers.
kjit_emu_test(moe_emu_ds_s7 sm_90 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=7)
kjit_emu_test(moe_emu_ds_wide sm_90 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=128)
kjit_emu_test(moe_emu_ds_no_local sm_90 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=20 --inputs-profile no_local)
# DeepSeek routing in the mixed form: the chosen local expert's 20 picks on the wide tiles, the
# other local experts' on the mid launches
kjit_emu_test(moe_emu_ds_mixed sm_90 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=20 --inputs-profile one_expert)
kjit_emu_test(moe_emu_fp8_block_renorm_s1 sm_90 moetest_fp8_block_renorm_topk4_e8 --axes seq_len=1)
# 4400 picks: two permute CTAs of 4096 picks (the others place every pick in one)
kjit_emu_test(moe_emu_fp8_block_renorm_two_permute_ctas sm_90 moetest_fp8_block_renorm_topk4_e8 --axes seq_len=1100)
kjit_emu_test(moe_emu_fp8_tensor_llama4_one_expert sm_90 moetest_fp8_tensor_llama4_topk1_e8 --axes seq_len=20 --inputs-profile one_expert)
kjit_emu_test(moe_emu_fp8_tensor_renorm_s7 sm_90 moetest_fp8_tensor_renorm_topk4_e8 --axes seq_len=7)
# sm_80: no fp8 tensor cores, the e4m3 operands shift-decoded to f16 for m16n8k16 (the decode
# kernels of moe/gemm_decode.cuh.j2 with 3 token tiles for one expert; the wide mma.sync tiles)
kjit_emu_test(moe_emu_fp8_block_renorm_sm80_one_expert sm_80 moetest_fp8_block_renorm_topk4_e8 --axes seq_len=40 --inputs-profile one_expert)
# the mixed form (moe/plan.json.j2): 80 picks over 8 routed experts; the chosen expert's 20 picks
# (>= 16) take the wide tiles, the others' ~9 the mid launches, both lists in one call
kjit_emu_test(moe_emu_fp8_block_renorm_sm80_mixed sm_80 moetest_fp8_block_renorm_topk4_e8 --axes seq_len=20 --inputs-profile one_expert)
# sm_90a: the wgmma GEMM1 (FP8, shared-memory operands) and GEMM2 (f16, A from registers), the
# mbarrier pipelines, C's row-interleaved HI / LO terms; prefill and the mixed form
kjit_emu_test(moe_emu_fp8_block_renorm_sm90a_wide sm_90a moetest_fp8_block_renorm_topk4_e8 --axes seq_len=128)
kjit_emu_test(moe_emu_fp8_tensor_renorm_sm90a_wide sm_90a moetest_fp8_tensor_renorm_topk4_e8 --axes seq_len=128)
kjit_emu_test(moe_emu_fp8_block_renorm_sm90a_mixed sm_90a moetest_fp8_block_renorm_topk4_e8 --axes seq_len=20 --inputs-profile one_expert)
kjit_emu_test(moe_emu_ds_sm90a_mixed sm_90a moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=20 --inputs-profile one_expert)
kjit_emu_test(moe_emu_fp8_tensor_renorm_sm80_wide sm_80 moetest_fp8_tensor_renorm_topk4_e8 --axes seq_len=128)
kjit_emu_test(moe_emu_float_renorm_wide "" moetest_fp4_renorm_topk4_e8 --axes seq_len=64)
kjit_emu_test(moe_emu_float_llama4_s7 "" moetest_fp4_llama4_topk1_e8 --axes seq_len=7)
kjit_emu_test(moe_emu_float_routed_half_empty "" moetest_fp4_routed_topk4_e8 --axes seq_len=20 --inputs-profile half_empty)
kjit_emu_test(moe_emu_float_routed_topk1 "" moetest_fp4_routed_topk1_e8 --axes seq_len=7)
