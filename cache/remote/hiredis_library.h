// Lazy hiredis: kjit does not link libhiredis; the remote tier loads it with
// dlopen the first time it connects.
//
// Why: a process without a remote cache (every cached `kjit get` on a
// workstation, the GPU machines, which have no libhiredis at all) should pay
// nothing for it, neither a library load at start-up nor a missing-library
// failure. The soname is the one of the headers kjit was built against
// (HIREDIS_SONAME, Debian's libhiredis0.14: libhiredis.so.0.14), because the
// reply struct's layout changes between hiredis major versions.
//
// Thread safety: loading happens once (a thread-safe static); the returned
// table is immutable.
#pragma once

#include <sys/time.h>

#include <cstddef>

#include <hiredis/hiredis.h>

#include "jit/util/error.h"

namespace kjit::cache::remote {

// The hiredis functions the remote tier calls.
struct Hiredis {
  redisContext* (*connect_tcp)(const char* ip, int port, const struct timeval tv);
  redisContext* (*connect_unix)(const char* path, const struct timeval tv);
  int (*set_timeout)(redisContext* c, const struct timeval tv);
  void* (*command_argv)(redisContext* c, int argc, const char** argv, const size_t* argvlen);
  void (*free_reply)(void* reply);
  void (*free_context)(redisContext* c);
};

// The loaded table, or `io_error` saying which library could not be loaded
// and which package provides it.
Result<const Hiredis*> load_hiredis();

}  // namespace kjit::cache::remote
