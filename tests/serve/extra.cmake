# kjit_serve_tests: the HTTP server's pieces in-process (tools/cli/http_*.cpp:
# the routes with a fake backend, request-head framing, the connection front
# with real sockets: idle and slow connections, caps, time limits, keep-alive
# limits, the reserved health worker). The CLI-level serve tests are in
# tests/cli/ (they run build/kjit).
file(GLOB kjit_serve_test_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*_test.cpp)
add_executable(kjit_serve_tests ${kjit_serve_test_srcs}
    ${CMAKE_SOURCE_DIR}/tools/cli/http_api.cpp
    ${CMAKE_SOURCE_DIR}/tools/cli/http_front.cpp
    ${CMAKE_SOURCE_DIR}/tools/cli/http_head.cpp)
target_link_libraries(kjit_serve_tests PRIVATE kjit_api ${KJIT_HTTPLIB} GTest::gtest GTest::gtest_main)
set_target_properties(kjit_serve_tests PROPERTIES BUILD_RPATH "${KJIT_CUDA_ROOT}/lib64")
gtest_discover_tests(kjit_serve_tests DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    PROPERTIES LABELS "serve;cli" TIMEOUT 300)
