/* rmsnorm_launch: launch kjit's rmsnorm_h4096 through the C API, check it on the host.
 * Build: cc rmsnorm_launch.c -lkjit -lcuda -lm. Exit 0 ok, 5 wrong numbers, else kjit's code. */
#include <cuda.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "jit/capi/kjit.h"
#define R 4
#define H 4096
static float bf(unsigned short v) { unsigned u = (unsigned)v << 16; float f; memcpy(&f, &u, 4); return f; }
int main(void) {
  static unsigned short x[R * H], w[H], y[R * H];
  for (int i = 0; i < R * H; ++i) x[i] = (unsigned short)(0x3f80 + (i * 37 % 101)); /* bf16 in [1, 1.8) */
  for (int i = 0; i < H; ++i) w[i] = (unsigned short)(0x3f00 + (i % 64));         /* bf16 in [0.5, 0.62) */
  CUdevice dev; CUcontext ctx; CUdeviceptr dx, dw, dy;
  if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) || cuCtxSetCurrent(ctx) ||
      cuMemAlloc(&dx, sizeof x) || cuMemAlloc(&dw, sizeof w) || cuMemAlloc(&dy, sizeof y) ||
      cuMemcpyHtoD(dx, x, sizeof x) || cuMemcpyHtoD(dw, w, sizeof w)) { fprintf(stderr, "no CUDA device\n"); return 6; }
  kjit_handle* h; kjit_kernel* k; int rc;
  if ((rc = kjit_open(NULL, NULL, &h)) || (rc = kjit_get_kernel(h, "rmsnorm_h4096", NULL, &k))) { fprintf(stderr, "%s\n", kjit_last_error()); return rc; }
  int64_t xs[2] = {R, H}, ws[1] = {H};
  kjit_dtype bf16 = {KJIT_DL_BFLOAT, 16, 1};
  kjit_tensor t[3] = {{(void*)dx, {KJIT_DL_CUDA, 0}, 2, bf16, xs, NULL, 0}, {(void*)dw, {KJIT_DL_CUDA, 0}, 1, bf16, ws, NULL, 0},
                      {(void*)dy, {KJIT_DL_CUDA, 0}, 2, bf16, xs, NULL, 0}};
  if ((rc = kjit_launch(k, t, 3, NULL, 0, NULL)) || (rc = cuCtxSynchronize() ? 1 : 0) || (rc = cuMemcpyDtoH(y, dy, sizeof y) ? 1 : 0)) { fprintf(stderr, "launch: %s\n", kjit_last_error()); return rc; }
  double worst = 0;
  for (int r = 0; r < R; ++r) {
    double ss = 0;
    for (int i = 0; i < H; ++i) ss += (double)bf(x[r * H + i]) * bf(x[r * H + i]);
    double inv = 1.0 / sqrt(ss / H + 1e-5);
    for (int i = 0; i < H; ++i) { double ref = bf(x[r * H + i]) * inv * bf(w[i]); worst = fmax(worst, fabs(bf(y[r * H + i]) - ref) / (fabs(ref) + 1e-2)); }
  }
  printf("rmsnorm_h4096 %dx%d through kjit_launch: worst relative error %.5f\n", R, H, worst);
  kjit_kernel_free(k); kjit_close(h);
  return worst < 1e-2 ? 0 : 5;
}
