// `kjit watch [NAME...|--all] [--arch A] [--check]`: the template
// developer's loop. Compiles the chosen definitions (default: every served
// one), then watches the templates and definitions folders (inotify,
// recursive, debounced ~100 ms). On a change: template files → Jit::reload()
// and recompile the definitions whose last render depended on a changed file
// (all of them when that is unknown, e.g. after a render error); definition
// files → reopen the Jit and recompile all. One line per definition:
//   ok     NAME ARCH   812.3 ms  regs 27  spills 0  compiled
//   error  NAME ARCH: templates/rmsnorm/rmsnorm.cu.j2:41: error: ...
// followed by the mapped compiler log (source line and caret). A bad edit
// never ends the watch. --check runs `kjit check NAME` (this same binary)
// after each successful compile; without a GPU that exits 6, which is said
// once and --check is then off. SIGINT/SIGTERM end the watch with exit 0.
//
// Thread safety: single-threaded (the signal handler only sets a flag).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "tools/cli/inotify_watcher.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Args {
  std::vector<std::string> names;
  bool all = false;
  bool check = false;
  std::string arch;
};

class Watch {
 public:
  Watch(const Globals& globals, const Args& args, std::string arch)
      : m_globals(globals), m_args(args), m_arch(std::move(arch)), m_check(args.check) {}

  int run() {
    int rc = 0;
    m_jit = open_jit(m_globals, &rc);
    if (!m_jit) return rc;
    if (int r = select_names(); r != 0) return r;
    Config config = m_globals.config();
    std::vector<fs::path> roots = {config.templates_dir};
    if (!config.builtin_definitions_dir.empty()) roots.push_back(config.builtin_definitions_dir);
    for (const auto& d : config.definition_dirs) roots.push_back(d);
    auto watcher = InotifyWatcher::open(roots);
    if (!watcher) return report(watcher.error());
    for (const auto& n : m_names) build(n);
    std::fprintf(stderr, "kjit: watching %zu definition(s); templates in %s (Ctrl-C to stop)\n", m_names.size(),
                 config.templates_dir.string().c_str());
    while (!g_stop) {
      auto changed = (*watcher)->wait(500, 100);
      if (changed.empty()) continue;
      on_change(changed, config);
    }
    return 0;
  }

 private:
  int select_names() {
    if (!m_args.names.empty() && !m_args.all) {
      for (const auto& n : m_args.names) {
        if (!m_jit->find(n))
          return report(Error{ErrorCode::not_found, "unknown definition '" + n + "': see `kjit list`", ""});
        m_names.push_back(n);
      }
      return 0;
    }
    for (const jit::Definition* d : m_jit->definitions())
      if (!m_jit->served_by(*d).empty()) m_names.push_back(d->name);
    if (m_names.empty())
      return report(Error{ErrorCode::not_found, "no definition is served by a template: nothing to watch", ""});
    return 0;
  }

  void on_change(const std::set<fs::path>& changed, const Config& config) {
    bool definitions_changed = false;
    for (const auto& p : changed) {
      if (p.extension() == ".json" && !p.string().starts_with(config.templates_dir.string())) definitions_changed = true;
    }
    std::vector<std::string> affected;
    if (definitions_changed) {
      int rc = 0;
      auto reopened = open_jit(m_globals, &rc);  // definitions are read at open
      if (reopened) m_jit = std::move(reopened);
      affected = m_names;
    } else {
      m_jit->reload();
      for (const auto& n : m_names) {
        auto deps = m_deps.find(n);
        bool hit = deps == m_deps.end() || deps->second.empty();
        for (const auto& p : changed)
          for (const auto& d : hit ? std::set<std::string>{} : deps->second)
            if (p.string().ends_with(d) || fs::path(d).filename() == p.filename()) hit = true;
        if (hit) affected.push_back(n);
      }
    }
    if (affected.empty()) {
      std::printf("kjit: %s changed; no watched definition depends on it\n", changed.begin()->string().c_str());
      std::fflush(stdout);
      return;
    }
    for (const auto& n : affected) build(n);
  }

  void build(const std::string& name) {
    auto got = m_jit->get(name, m_arch);
    if (auto r = m_jit->render(name, m_arch); r) {
      std::set<std::string> files;
      for (const auto& d : r->dependencies) files.insert(d.file);
      m_deps[name] = std::move(files);
    } else {
      m_deps[name].clear();  // unknown: any change recompiles it
    }
    if (!got) {
      std::printf("error  %s %s: %s\n", name.c_str(), m_arch.c_str(), got.error().message.c_str());
      std::istringstream details(got.error().details);
      std::string line;
      for (int i = 0; i < 40 && std::getline(details, line); ++i) std::printf("       %s\n", line.c_str());
      std::fflush(stdout);
      return;
    }
    const auto& art = *got->artifact;
    ResourceSummary s = summarize(art);
    std::printf("ok     %-40s %-8s %8.1f ms  regs %3d  spills %d  %s\n", name.c_str(), art.arch.c_str(), art.compile_ms,
                s.registers, s.spill_bytes, status_name(got->status));
    std::fflush(stdout);
    if (m_check) run_check(name);
  }

  void run_check(const std::string& name) {
    std::vector<std::string> argv = {"kjit"};
    for (const auto& d : m_globals.definitions) argv.insert(argv.end(), {"--definitions", d});
    if (!m_globals.templates.empty()) argv.insert(argv.end(), {"--templates", m_globals.templates});
    if (!m_globals.cache_dir.empty()) argv.insert(argv.end(), {"--cache-dir", m_globals.cache_dir});
    if (m_globals.no_builtin) argv.emplace_back("--no-builtin-definitions");
    argv.insert(argv.end(), {"check", name});
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv("/proc/self/exe", cargv.data());
      ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 6) {
      std::printf("kjit: no CUDA device: --check skipped from now on (kjit check exits 6)\n");
      m_check = false;
    } else {
      std::printf("check  %s: %s (exit %d)\n", name.c_str(), code == 0 ? "passed" : "FAILED", code);
    }
    std::fflush(stdout);
  }

  const Globals& m_globals;
  const Args& m_args;
  std::string m_arch;
  bool m_check;
  std::unique_ptr<jit::Jit> m_jit;
  std::vector<std::string> m_names;
  std::map<std::string, std::set<std::string>> m_deps;  // name → template files of its last render
};

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.names, "definitions to watch (default: every served one)");
  sub.add_flag("--all", a.all, "watch every definition a template serves");
  sub.add_flag("--check", a.check, "run `kjit check NAME` after each successful compile (needs a GPU)");
  sub.add_option("--arch", a.arch, "target arch, e.g. sm_90a (env KJIT_ARCH)");
}

int run(const Globals& globals, const Args& a) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  Watch w(globals, a, resolve_arch(globals, a.arch));
  return w.run();
}

const CommandRegistrar registrar{{"watch", "recompile on template edits; errors at template lines",
                                  args_command(add_options, run), 55}};

}  // namespace
}  // namespace kjit::tools
