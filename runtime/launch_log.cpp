// Launch logging (see launch_log.h).
//
// Thread safety: the sink is guarded by a mutex; the level is an atomic.
#include "runtime/launch_log.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <vector>

#include "jit/util/str_cat.h"
#include "runtime/driver.h"
#include "runtime/dtype_convert.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {
namespace {

// Statistics read at most this many elements of a tensor.
constexpr std::int64_t k_stats_max_elements = std::int64_t{1} << 24;

struct Sink {
  std::mutex mutex;
  std::string dest = "stdout";
  std::FILE* file = nullptr;  // opened on first write
  bool open_failed = false;
};

Sink& sink() {
  static Sink* s = new Sink();  // outlives static destructors: launches may log at exit
  return *s;
}

std::string expand_dest(std::string_view dest) {
  std::string out;
  for (std::size_t i = 0; i < dest.size(); ++i) {
    if (dest[i] == '%' && i + 1 < dest.size() && dest[i + 1] == 'i') {
      out += std::to_string(::getpid());
      ++i;
    } else {
      out += dest[i];
    }
  }
  return out;
}

int level_from_env() {
  const char* v = std::getenv("KJIT_LOGLEVEL");
  if (v == nullptr || *v == '\0') return 0;
  char* end = nullptr;
  long level = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || level < 0) {
    std::fprintf(stderr, "kjit: KJIT_LOGLEVEL='%s' is not a level 0..5; launch logging stays off\n", v);
    return 0;
  }
  return static_cast<int>(std::min<long>(level, 5));
}

std::string dest_from_env() {
  const char* v = std::getenv("KJIT_LOGDEST");
  return v && *v ? std::string(v) : std::string("stdout");
}

}  // namespace

namespace detail {
std::atomic<int> g_launch_log_level{[] {
  int level = level_from_env();
  if (level > 0) sink().dest = dest_from_env();
  return level;
}()};
}  // namespace detail

void configure_launch_log(int level, std::string_view dest) {
  Sink& s = sink();
  {
    std::lock_guard lock(s.mutex);
    if (s.file != nullptr && s.file != stdout && s.file != stderr) std::fclose(s.file);
    s.file = nullptr;
    s.open_failed = false;
    s.dest = dest.empty() ? std::string("stdout") : std::string(dest);
  }
  detail::g_launch_log_level.store(std::clamp(level, 0, 5), std::memory_order_relaxed);
}

std::string launch_log_destination() {
  Sink& s = sink();
  std::lock_guard lock(s.mutex);
  if (s.dest == "stdout" || s.dest == "stderr") return s.dest;
  return expand_dest(s.dest);
}

void write_launch_log(std::string_view text) {
  Sink& s = sink();
  std::lock_guard lock(s.mutex);
  if (s.file == nullptr && !s.open_failed) {
    if (s.dest == "stdout") {
      s.file = stdout;
    } else if (s.dest == "stderr") {
      s.file = stderr;
    } else {
      std::string path = expand_dest(s.dest);
      s.file = std::fopen(path.c_str(), "a");
      if (s.file == nullptr) {
        s.open_failed = true;
        std::fprintf(stderr, "kjit: cannot open KJIT_LOGDEST '%s' for appending; launch records go to stderr\n", path.c_str());
      }
    }
  }
  std::FILE* f = s.file ? s.file : stderr;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fflush(f);
}

std::string tensor_statistics(const TensorArg& tensor, CUstream stream) {
  auto api = driver_api();
  if (!api) return "(no statistics: no CUDA driver)";
  CUstreamCaptureStatus capturing = CU_STREAM_CAPTURE_STATUS_NONE;
  if ((*api)->cuStreamIsCapturing(stream, &capturing) == CUDA_SUCCESS && capturing != CU_STREAM_CAPTURE_STATUS_NONE)
    return "(no statistics: the stream is capturing a CUDA graph)";
  std::int64_t numel = 1;
  for (int d = 0; d < tensor.ndim; ++d) numel *= tensor.shape[d];
  const std::int64_t n = std::min(numel, k_stats_max_elements);
  if (n <= 0) return "(empty)";
  if (tensor.memory != MemoryKind::device && tensor.memory != MemoryKind::managed) return "(not in device memory)";
  if (auto r = cu_check((*api)->cuStreamSynchronize(stream), "cuStreamSynchronize", "synchronizing for KJIT_LOGLEVEL=5 statistics"); !r)
    return "(no statistics: " + r.error().message + ")";
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(storage_bytes(tensor.dtype, n)));
  if (auto r = cu_check((*api)->cuMemcpyDtoH_v2(bytes.data(), tensor.data, bytes.size()), "cuMemcpyDtoH_v2",
                        "copying a tensor for KJIT_LOGLEVEL=5 statistics");
      !r)
    return "(no statistics: " + r.error().message + ")";
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
  std::int64_t nans = 0, infs = 0, finite = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = load_element(tensor.dtype, bytes.data(), i);
    if (std::isnan(v)) {
      ++nans;
    } else if (std::isinf(v)) {
      ++infs;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      ++finite;
    }
  }
  std::string out = finite ? str_cat("min=", lo, " max=", hi, " mean=", sum / static_cast<double>(finite)) : std::string("no finite values");
  out += str_cat(" nan=", nans, " inf=", infs);
  out += n < numel ? str_cat(" (first ", n, " of ", numel, " elements)") : str_cat(" (n=", n, ")");
  return out;
}

}  // namespace kjit::runtime
