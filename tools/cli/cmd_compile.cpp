// `kjit compile NAME... [--arch A] [--json] [--force] [-O OPTION]...`:
// compile definitions into the cache (or find them there). With --json, one
// object per line: {name, key, arch, status, compile_ms, registers,
// spill_bytes, ...}. Exit: 0 all ok, 3 unknown name or no template, 4 a
// compile or template error (the first failure's code wins). Cached kernels
// are served by direct mode (direct_get.h); the full Jit is opened at the
// first name direct mode cannot serve.
#include <cstdio>

#include "tools/cli/direct_get.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct Args {
  std::vector<std::string> names;
  std::string arch;
  bool json = false;
  bool force = false;
  std::vector<std::string> options;
};

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.names, "definition names")->required();
  sub.add_option("--arch", a.arch, "target arch, e.g. sm_90a (env KJIT_ARCH)");
  sub.add_flag("--json", a.json, "one JSON object per line");
  sub.add_flag("--force", a.force, "compile even when cached (also retries a remembered failure)");
  sub.add_option("-O,--option", a.options, "extra NVRTC option (repeatable), e.g. --option=-lineinfo or -O -lineinfo");
}

int run(const Globals& globals, const Args& a) {
  std::unique_ptr<jit::Jit> jit;
  std::string arch = resolve_arch(globals, a.arch);
  const Config config = globals.config();
  int worst = 0;
  for (const auto& name : a.names) {
    jit::GetOptions opts;
    opts.force = a.force;
    opts.options = a.options;
    Result<jit::GetResult> got = fail(ErrorCode::internal, "no result");
    std::shared_ptr<const jit::Artifact> direct;
    if (!a.force && !jit) direct = try_direct_get(config, name, arch, a.options);
    if (direct) {
      got = jit::GetResult{direct, jit::GetStatus::hit};
    } else {
      if (!jit) {
        int rc = 0;
        jit = open_jit(globals, &rc);
        if (!jit) return rc;
      }
      got = jit->get(name, arch, opts);
    }
    if (!got) {
      if (a.json) {
        nlohmann::ordered_json j{{"name", name}, {"arch", arch}, {"status", "failed"},
                                 {"error", got.error().message}, {"log", got.error().details}};
        std::printf("%s\n", j.dump().c_str());
        std::fflush(stdout);
      }
      int code = report(got.error());
      if (worst == 0) worst = code;
      continue;
    }
    const auto& art = *got->artifact;
    ResourceSummary s = summarize(art);
    if (a.json) {
      nlohmann::ordered_json j{{"name", name},
                               {"key", art.key},
                               {"arch", art.arch},
                               {"status", status_name(got->status)},
                               {"compile_ms", art.compile_ms},
                               {"registers", s.registers},
                               {"spill_bytes", s.spill_bytes},
                               {"shared_bytes", s.shared_bytes},
                               {"template", art.template_name},
                               {"cubin_bytes", art.cubin.size()}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%-48s %-8s %-9s %8.1f ms  regs %3d  spills %d  %s\n", name.c_str(), art.arch.c_str(),
                  status_name(got->status), art.compile_ms, s.registers, s.spill_bytes, art.key.c_str());
    }
    std::fflush(stdout);
  }
  return worst;
}

const CommandRegistrar registrar{{"compile", "compile definitions into the cache (hits are free)",
                                  args_command(add_options, run), 40}};

}  // namespace
}  // namespace kjit::tools
