# kjit_cache_bench: measures the cold-process cache hit path (Cache::open +
# Cache::lookup) on a populated cache. Not a test; run by hand, e.g.
#   build/kjit_cache_bench populate /tmp/kc 1000 && build/kjit_cache_bench hit /tmp/kc 500
#   hyperfine 'build/kjit_cache_bench hit /tmp/kc 500'
add_executable(kjit_cache_bench ${CMAKE_CURRENT_LIST_DIR}/bench/hit_bench.cpp)
target_link_libraries(kjit_cache_bench PRIVATE kjit_cache)
# kjit_remote_bench: a remote hit (local miss, Redis GET, verify_entry, local
# publish) against a compile, in process. Run by tools/bench/bench_remote.sh.
add_executable(kjit_remote_bench ${CMAKE_CURRENT_LIST_DIR}/remote/bench/remote_hit_bench.cpp)
target_link_libraries(kjit_remote_bench PRIVATE kjit_api)
set_target_properties(kjit_remote_bench PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
