# Extra template programs (not tests):
#   kjit_template_bench  render-time benchmark (p50/p99), see bench/
#   kjit_template_fuzz   libFuzzer target over lexer+parser+renderer; built only
#                        with -DKJIT_FUZZ=ON and clang (tools/fuzz_template.sh)
add_executable(kjit_template_bench ${CMAKE_CURRENT_LIST_DIR}/bench/render_bench.cpp)
target_link_libraries(kjit_template_bench PRIVATE kjit_template)

if(KJIT_FUZZ)
  add_executable(kjit_template_fuzz ${CMAKE_CURRENT_LIST_DIR}/fuzz/template_fuzz.cpp)
  target_compile_options(kjit_template_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(kjit_template_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(kjit_template_fuzz PRIVATE kjit_template)
endif()
