# The Python package's tests (unittest), label `python`: with PYTHONPATH at
# build/python and kernels compiled into build/test-cache.
#   python_package      no driver: catalog, compile, resolve, argument errors, `python3 -m kjit`
#   python_fake_driver  the fake CUDA driver (tests/fakes): calls, streams, logging, overhead
#   python_torch_cpu    Debian's /usr/bin/python3 (another interpreter than the build's: the
#                       abi3 extension must import there too) with torch when installed
#   python_readme       the README's "Use it from Python / C++ / C / HTTP" snippets that need no GPU
#   moe_gpu_scripts     tests/gpu/moe's torch MoE yardstick (its layer against its float reference,
#                       the grouped GEMM as a CPU loop) and summary ratios, with Debian's python3
set(_py_env "PYTHONPATH=${CMAKE_BINARY_DIR}/python:${CMAKE_CURRENT_LIST_DIR}"
            "KJIT_TEST_CACHE=${CMAKE_BINARY_DIR}/test-cache" "KJIT_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache")
add_test(NAME python_package COMMAND ${Python3_EXECUTABLE} -m unittest -v test_package
         WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(python_package PROPERTIES LABELS python TIMEOUT 900 ENVIRONMENT "${_py_env}")
add_test(NAME python_fake_driver COMMAND ${Python3_EXECUTABLE} -m unittest -v test_fake_driver
         WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(python_fake_driver PROPERTIES LABELS python TIMEOUT 900
                     ENVIRONMENT "${_py_env};LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake_cuda")
if(EXISTS /usr/bin/python3)
  add_test(NAME python_torch_cpu COMMAND /usr/bin/python3 -m unittest -v test_torch_cpu
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(python_torch_cpu PROPERTIES LABELS python TIMEOUT 900 ENVIRONMENT "${_py_env}")
  add_test(NAME moe_gpu_scripts COMMAND /usr/bin/python3 -m unittest -v test_gpu_scripts
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/gpu/moe)
  set_tests_properties(moe_gpu_scripts PROPERTIES LABELS python TIMEOUT 300)
endif()
add_test(NAME python_readme COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/readme_snippets.py --build ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(python_readme PROPERTIES LABELS python TIMEOUT 900
                     ENVIRONMENT "${_py_env};LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake_cuda")
# The package installs and imports outside the build tree.
add_test(NAME python_install
         COMMAND sh -c "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT && \
\"$0\" --install \"$1\" --component python --prefix \"$d\" >/dev/null && \
cd / && PYTHONPATH=$(ls -d \"$d\"/lib/python3*/site-packages) env -u KJIT_TEMPLATES \"$2\" -c \
'import kjit, os; assert kjit.__file__.startswith(os.environ[\"PYTHONPATH\"]), kjit.__file__; \
assert os.environ[\"KJIT_TEMPLATES\"].endswith(\"kjit/share/templates\"); print(kjit.compile(\"rmsnorm_h4096\", \"sm_90a\")[\"status\"])'"
         ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR} ${Python3_EXECUTABLE})
set_tests_properties(python_install PROPERTIES LABELS python TIMEOUT 900 ENVIRONMENT "KJIT_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache")
