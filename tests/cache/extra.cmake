# kjit_cache_bench: measures the cold-process cache hit path (Cache::open +
# Cache::lookup) on a populated cache. Not a test; run by hand, e.g.
#   build/kjit_cache_bench populate /tmp/kc 1000 && build/kjit_cache_bench hit /tmp/kc 500
#   hyperfine 'build/kjit_cache_bench hit /tmp/kc 500'
add_executable(kjit_cache_bench ${CMAKE_CURRENT_LIST_DIR}/bench/hit_bench.cpp)
target_link_libraries(kjit_cache_bench PRIVATE kjit_cache)
