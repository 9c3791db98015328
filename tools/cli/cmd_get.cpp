// `kjit get NAME [--arch A] -o FILE.cubin [--plan FILE.json]`: write a
// definition's compiled kernel (compiling on a miss) and its launch plan.
// Files are written atomically (temp file + rename). A cached kernel is
// served by direct mode (no definitions parsed, no render: direct_get.h).
#include <cstdio>

#include "tools/cli/atomic_write.h"
#include "tools/cli/direct_get.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct Args {
  std::string name, arch, out, plan;
};

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.name, "definition name")->required();
  sub.add_option("--arch", a.arch, "target arch (env KJIT_ARCH)");
  sub.add_option("-o,--output", a.out, "where to write the cubin")->required();
  sub.add_option("--plan", a.plan, "where to write the launch plan JSON");
}

int run(const Globals& globals, const Args& a) {
  const std::string arch = resolve_arch(globals, a.arch);
  std::shared_ptr<const jit::Artifact> artifact = try_direct_get(globals.config(), a.name, arch, {});
  jit::GetStatus status = jit::GetStatus::hit;
  std::unique_ptr<jit::Jit> jit;
  if (!artifact) {
    int rc = 0;
    jit = open_jit(globals, &rc);
    if (!jit) return rc;
    auto got = jit->get(a.name, arch);
    if (!got) return report(got.error());
    artifact = got->artifact;
    status = got->status;
  }
  const auto& art = *artifact;
  // The files are copies of a cache entry, which is durable: no fsyncs (two per file were the
  // largest part of a direct-mode hit's I/O). A miss compiled into a read-only cache has no
  // other copy, so its files are made durable.
  const auto durability = status != jit::GetStatus::hit && globals.config().cache_read_only
                              ? cache::Durability::durable
                              : cache::Durability::cached;
  const std::string_view cubin(reinterpret_cast<const char*>(art.cubin.data()), art.cubin.size());
  if (auto w = write_file_atomic(a.out, cubin, durability); !w) return report(w.error());
  if (!a.plan.empty()) {
    nlohmann::ordered_json j = art.plan.to_json();
    j["key"] = art.key;
    j["arch"] = art.arch;
    j["definition"] = art.name;
    std::string text = j.dump(2) + "\n";
    if (auto w = write_file_atomic(a.plan, text, durability); !w) return report(w.error());
  }
  std::fprintf(stderr, "kjit: %s %s (%s, %zu bytes) -> %s\n", art.name.c_str(), status_name(status),
               art.key.c_str(), art.cubin.size(), a.out.c_str());
  return 0;
}

const CommandRegistrar registrar{{"get", "write a definition's cubin (and launch plan), compiling on a miss",
                                  args_command(add_options, run), 45}};

}  // namespace
}  // namespace kjit::tools
