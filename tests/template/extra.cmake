# Extra template programs (not tests):
#   kjit_template_bench  render-time benchmark (p50/p99), see bench/
add_executable(kjit_template_bench ${CMAKE_CURRENT_LIST_DIR}/bench/render_bench.cpp)
target_link_libraries(kjit_template_bench PRIVATE kjit_template)

# The libFuzzer target is built by tools/dev/fuzz_template.sh with clang-14 (it
# needs a different compiler than the rest of the build).
