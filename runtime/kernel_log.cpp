// Launch records (see kernel_log.h).
//
// Thread safety: see kernel_log.h.
#include "runtime/kernel_log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "jit/util/str_cat.h"
#include "runtime/kernel.h"
#include "runtime/launch_log.h"

namespace kjit::runtime {
namespace {

std::string hex(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v));
  return text;
}

// "[kjit 2026-11-22 10:04:05.123 pid 4242]"
std::string stamp() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  localtime_r(&tv.tv_sec, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  return str_cat("[kjit ", text, ms, " pid ", ::getpid(), "]");
}

std::string tensor_line(const LaunchRecordView& v, int slot) {
  const SignatureTensor& spec = v.kernel.signature().tensors()[static_cast<std::size_t>(slot)];
  const TensorArg& t = *v.tensors[slot];
  std::string shape = "[";
  for (int d = 0; d < t.ndim; ++d) shape += str_cat(d ? ", " : "", t.shape[d]);
  shape += "]";
  return str_cat("  ", spec.is_output ? "output " : "input  ", spec.name, ": ", jit::dtype_name(t.dtype), shape, " @", hex(t.data));
}

}  // namespace

void log_launch(const LaunchRecordView& v, int level) {
  const KernelSignature& sig = v.kernel.signature();
  std::string r = str_cat(stamp(), " launch ", sig.definition(), "\n");
  if (level >= 3) {
    r += "  axes:";
    for (std::size_t a = 0; a < sig.axes().size(); ++a) r += str_cat(" ", sig.axes()[a].name, "=", v.axes[a]);
    r += "\n";
    for (std::size_t i = 0; i < sig.tensors().size(); ++i) r += tensor_line(v, static_cast<int>(i)) + "\n";
    for (std::size_t i = 0; i < sig.scalars().size(); ++i)
      r += str_cat("  scalar ", sig.scalars()[i].name, " = ", v.scalars[i]->as_double(), " (", jit::dtype_name(sig.scalars()[i].dtype),
                   ")\n");
    const auto& launches = v.program.launches();
    for (std::size_t li = 0; li < launches.size(); ++li) {
      const LaunchGeometry& g = v.values.launches[li];
      r += str_cat("  kernel ", launches[li].entry, g.skipped ? " (skipped: empty grid)" : "", ": grid (", g.grid[0], ", ", g.grid[1],
                   ", ", g.grid[2], ") block (", g.block[0], ", ", g.block[1], ", ", g.block[2], ") shared ", g.shared_bytes, " B",
                   launches[li].pdl && v.pdl_ok ? " pdl" : "", "\n");
    }
    r += str_cat("  stream ", hex(reinterpret_cast<std::uintptr_t>(v.stream)), ", device ", v.device, " (", v.device_name, ", ",
                 v.arch, "), workspace ", v.values.workspace_total, " B", v.values.workspace_total ? " @" + hex(v.workspace) : "",
                 "\n");
  }
  if (level >= 5) {
    for (int i = 0; i < sig.num_tensor_inputs(); ++i)
      r += str_cat("  stats ", sig.tensors()[static_cast<std::size_t>(i)].name, ": ", tensor_statistics(*v.tensors[i], v.stream), "\n");
  }
  write_launch_log(r);
}

void log_launch_outputs(const LaunchRecordView& v) {
  const KernelSignature& sig = v.kernel.signature();
  std::string r = str_cat(stamp(), " done ", sig.definition(), "\n");
  for (std::size_t i = static_cast<std::size_t>(sig.num_tensor_inputs()); i < sig.tensors().size(); ++i)
    r += str_cat("  stats ", sig.tensors()[i].name, ": ", tensor_statistics(*v.tensors[i], v.stream), "\n");
  write_launch_log(r);
}

}  // namespace kjit::runtime
