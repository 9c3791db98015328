/* get_kernel: a C client of libkjit. Opens kjit with an optional cache and
 * definitions folder, gets one kernel, prints its key, cubin size and launch
 * plan, and checks the cubin is an ELF image.
 *
 * Usage: get_kernel NAME [ARCH] [CACHE_DIR] [DEFINITIONS_DIR]
 * Exit: kjit's return code on failure (kjit_last_error() on stderr), 1 when
 * the cubin is not ELF, else 0. Single-threaded. */
#include <stdio.h>
#include <string.h>

#include "jit/capi/kjit.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s NAME [ARCH] [CACHE_DIR] [DEFINITIONS_DIR]\n", argv[0]);
    return KJIT_INVALID_ARGUMENT;
  }
  const char* arch = argc > 2 ? argv[2] : NULL;
  kjit_handle* h = NULL;
  int rc = kjit_open(argc > 3 ? argv[3] : NULL, argc > 4 ? argv[4] : NULL, &h);
  if (rc != KJIT_OK) {
    fprintf(stderr, "kjit_open: %s\n", kjit_last_error());
    return rc;
  }
  kjit_kernel* k = NULL;
  rc = kjit_get_kernel(h, argv[1], arch, &k);
  if (rc != KJIT_OK) {
    fprintf(stderr, "kjit_get_kernel(%s): %s\n", argv[1], kjit_last_error());
    kjit_close(h);
    return rc;
  }
  const unsigned char* cubin = kjit_kernel_cubin(k);
  size_t size = kjit_kernel_cubin_size(k);
  int is_elf = size >= 4 && memcmp(cubin, "\x7f" "ELF", 4) == 0;
  printf("name=%s arch=%s key=%s cubin_bytes=%zu %s\n", argv[1], kjit_kernel_arch(k), kjit_kernel_key(k), size,
         kjit_kernel_was_compiled(k) ? "compiled" : "hit");
  printf("plan=%s\n", kjit_kernel_plan_json(k));
  kjit_kernel_free(k);
  kjit_close(h);
  return is_elf ? KJIT_OK : KJIT_FAILURE;
}
