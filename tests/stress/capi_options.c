/* The C API applies the request allow-list to compile options (issue #19):
 * kjit_get_kernel_with_options refuses --pre-include and friends with
 * KJIT_INVALID_ARGUMENT and a message naming the option, and compiles with
 * an allowed option. Usage: capi_options CACHE_DIR (exit 0 = pass). */
#include <stdio.h>
#include <string.h>

#include "jit/capi/kjit.h"

static int failures = 0;

static void expect(int cond, const char* what) {
  if (!cond) {
    fprintf(stderr, "FAIL: %s (last error: %s)\n", what, kjit_last_error());
    ++failures;
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: capi_options CACHE_DIR\n");
    return 2;
  }
  kjit_handle* h = NULL;
  if (kjit_open(argv[1], NULL, &h) != KJIT_OK) {
    fprintf(stderr, "kjit_open: %s\n", kjit_last_error());
    return 1;
  }
  kjit_kernel* k = NULL;
  const char* bad[] = {"--pre-include=/etc/passwd"};
  int rc = kjit_get_kernel_with_options(h, "rmsnorm_h4096", "sm_90a", bad, 1, &k);
  expect(rc == KJIT_INVALID_ARGUMENT, "--pre-include returns KJIT_INVALID_ARGUMENT");
  expect(k == NULL, "no kernel on refusal");
  expect(strstr(kjit_last_error(), "'--pre-include=/etc/passwd' is not allowed") != NULL, "the message names it");
  expect(strstr(kjit_last_error(), "root:") == NULL, "no file content in the message");
  const char* two[] = {"-I", "/etc"};
  rc = kjit_get_kernel_with_options(h, "rmsnorm_h4096", "sm_90a", two, 2, &k);
  expect(rc == KJIT_INVALID_ARGUMENT, "-I /etc refused");
  rc = kjit_get_kernel_with_options(h, "rmsnorm_h4096", "sm_90a", NULL, 1, &k);
  expect(rc == KJIT_INVALID_ARGUMENT, "NULL options with a count refused");
  const char* good[] = {"-lineinfo"};
  rc = kjit_get_kernel_with_options(h, "rmsnorm_h4096", "sm_90a", good, 1, &k);
  expect(rc == KJIT_OK && k != NULL && kjit_kernel_cubin_size(k) > 0, "-lineinfo compiles");
  kjit_kernel_free(k);
  kjit_close(h);
  if (failures == 0) printf("capi options: ok\n");
  return failures == 0 ? 0 : 1;
}
