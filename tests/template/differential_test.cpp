// Differential test against Python Jinja2 3.1 (StrictUndefined,
// keep_trailing_newline, no autoescape): generated templates and contexts
// (diff_generator.h) plus the hand-written edge cases of edge_cases.txt are
// rendered by kjit and by Jinja2 (tools/dev/jinja_diff.py, one Python process
// per batch) and every case is classified:
//
//   identical             both render the same bytes             ok
//   both-error            both fail                              ok
//   kjit-unsupported      kjit says "unsupported: ...", Jinja2 renders  ok (counted)
//   different             both render, different bytes           FAILURE
//   kjit-only-error       kjit fails without "unsupported:"      FAILURE
//   kjit-renders-jinja-rejects                                   FAILURE
//   crash                 kjit crashed or hung (campaign mode)   FAILURE
//
// CI runs a bounded number of templates. A long campaign:
//   KJIT_DIFF_TEMPLATES=200000 KJIT_DIFF_SEED=7 [KJIT_DIFF_OUT=dir]
//     build/kjit_template_tests --gtest_filter='DifferentialTest.*'
// renders each template in a forked child (crashes and hangs are counted, not
// fatal) and writes every failing case to KJIT_DIFF_OUT. Skips when python3
// or jinja2 is missing (fails in CI, where CI=true).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <sstream>

#include "diff_generator.h"
#include "jit/template/environment.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;
using testing::DiffCase;
using testing::DiffGenerator;

constexpr int k_ci_templates = 2000;
constexpr std::uint64_t k_ci_seed = 20261121;
constexpr int k_batch = 2000;

enum class Outcome { identical, both_error, kjit_unsupported, different, kjit_only_error, kjit_renders_jinja_rejects, crash, jinja_timeout };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::identical: return "identical";
    case Outcome::both_error: return "both-error";
    case Outcome::kjit_unsupported: return "kjit-unsupported";
    case Outcome::different: return "different";
    case Outcome::kjit_only_error: return "kjit-only-error";
    case Outcome::kjit_renders_jinja_rejects: return "kjit-renders-jinja-rejects";
    case Outcome::crash: return "crash";
    case Outcome::jinja_timeout: return "jinja-timeout";
  }
  return "?";
}

bool is_failure(Outcome o) {
  return o == Outcome::different || o == Outcome::kjit_only_error || o == Outcome::kjit_renders_jinja_rejects ||
         o == Outcome::crash;
}

struct KjitResult {
  bool ok = false;
  std::string text;  // output, or the error message
  bool crashed = false;
};

KjitResult render_kjit(const Environment& env, const fs::path& file, const std::string& context_json) {
  auto ctx = parse_context_json(context_json, "context.json");
  if (!ctx) return {false, ctx.error().message};
  auto r = env.render_file(file, *ctx);
  if (!r) return {false, r.error().message};
  return {true, std::move(r->text)};
}

// Renders in a forked child so a crash or a hang is a result, not the end of
// the campaign. Protocol on the pipe: one status byte ('1' ok, '0' error),
// then the text.
KjitResult render_isolated(const Environment& env, const fs::path& file, const std::string& context_json) {
  int fds[2];
  if (pipe(fds) != 0) return {false, "pipe failed", true};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(20);
    KjitResult r = render_kjit(env, file, context_json);
    std::string msg = (r.ok ? "1" : "0") + r.text;
    std::size_t done = 0;
    while (done < msg.size()) {
      ssize_t n = write(fds[1], msg.data() + done, msg.size() - done);
      if (n <= 0) _exit(3);
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string data;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) data.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || data.empty()) {
    std::string why = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exit status " + std::to_string(WEXITSTATUS(status));
    return {false, "kjit crashed: " + why, true};
  }
  return {data[0] == '1', data.substr(1)};
}

bool have_jinja2() { return std::system("python3 -c 'import jinja2' >/dev/null 2>&1") == 0; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Case {
  std::string name;
  DiffCase c;
};

// Runs `cases` through both engines; returns the outcome counts and reports
// failures (up to `report` of them through gtest).
class Campaign {
 public:
  explicit Campaign(bool isolated) : m_isolated(isolated) {
    m_dir = fs::temp_directory_path() / ("kjit_template_diff_" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    for (const auto& [name, src] : DiffGenerator::include_files()) std::ofstream(m_dir / name, std::ios::binary) << src;
    if (const char* out = std::getenv("KJIT_DIFF_OUT")) {
      m_out = out;
      fs::create_directories(m_out);
    }
  }
  ~Campaign() { fs::remove_all(m_dir); }

  void run(const std::vector<Case>& cases) {
    for (std::size_t b = 0; b < cases.size(); b += k_batch) {
      std::size_t e = std::min(cases.size(), b + k_batch);
      run_batch(cases, b, e);
    }
  }

  const std::map<Outcome, long>& counts() const { return m_counts; }
  long failures() const { return m_failures; }
  std::string summary(long total) const {
    std::string s = std::to_string(total) + " templates:";
    for (auto o : {Outcome::identical, Outcome::both_error, Outcome::kjit_unsupported, Outcome::different,
                   Outcome::kjit_only_error, Outcome::kjit_renders_jinja_rejects, Outcome::crash, Outcome::jinja_timeout}) {
      auto it = m_counts.find(o);
      s += std::string(" ") + outcome_name(o) + "=" + std::to_string(it == m_counts.end() ? 0 : it->second);
    }
    return s;
  }
  // The unsupported features met, most frequent first.
  std::string unsupported_report() const {
    std::vector<std::pair<long, std::string>> v;
    for (const auto& [what, n] : m_unsupported) v.emplace_back(n, what);
    std::sort(v.rbegin(), v.rend());
    std::string s;
    for (const auto& [n, what] : v) s += "  " + std::to_string(n) + "x " + what + "\n";
    return s;
  }

 private:
  void run_batch(const std::vector<Case>& cases, std::size_t b, std::size_t e) {
    nlohmann::json batch = {{"dir", m_dir.string()}, {"cases", nlohmann::json::array()}};
    for (std::size_t i = b; i < e; ++i) {
      std::string name = "t" + std::to_string(i) + ".j2";
      std::ofstream(m_dir / name, std::ios::binary) << cases[i].c.source;
      batch["cases"].push_back({{"template", name}, {"context", cases[i].c.context_json}});
    }
    std::ofstream(m_dir / "batch.json") << batch.dump();
    std::string cmd = "python3 '" + std::string(KJIT_SOURCE_DIR) + "/tools/dev/jinja_diff.py' '" + (m_dir / "batch.json").string() +
                      "' '" + (m_dir / "results.jsonl").string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream results(m_dir / "results.jsonl");
    Environment env({m_dir});
    std::vector<KjitResult> got = m_isolated ? render_batch_isolated(env, cases, b, e) : std::vector<KjitResult>{};
    std::string line;
    for (std::size_t i = b; i < e; ++i) {
      ASSERT_TRUE(std::getline(results, line)) << "jinja_diff.py returned too few results";
      nlohmann::json want = nlohmann::json::parse(line);
      KjitResult r = m_isolated ? std::move(got[i - b]) : render_kjit(env, file_of(i), cases[i].c.context_json);
      Outcome o = classify(want, r);
      ++m_counts[o];
      if (o == Outcome::kjit_unsupported) {
        std::string what = r.text.substr(r.text.find("unsupported: ") + 13);
        ++m_unsupported[what.substr(0, what.find_first_of("(\n"))];
      }
      if (is_failure(o)) record(cases[i], o, want, r);
      fs::remove(file_of(i));
    }
  }

  fs::path file_of(std::size_t i) const { return m_dir / ("t" + std::to_string(i) + ".j2"); }

  // Renders a whole batch in one forked child (fast); if that child dies,
  // renders each case in its own child to find the crash or hang.
  std::vector<KjitResult> render_batch_isolated(const Environment& env, const std::vector<Case>& cases, std::size_t b,
                                                std::size_t e) {
    fs::path out = m_dir / "kjit_results.jsonl";
    pid_t pid = fork();
    if (pid == 0) {
      std::ofstream f(out, std::ios::binary);
      for (std::size_t i = b; i < e; ++i) {
        alarm(20);
        KjitResult r = render_kjit(env, file_of(i), cases[i].c.context_json);
        f << nlohmann::json{{"ok", r.ok}, {"text", r.text}}.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace)
          << "\n";
      }
      f.close();
      _exit(f ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::vector<KjitResult> results;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      std::ifstream in(out);
      std::string line;
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        results.push_back({j["ok"].get<bool>(), j["text"].get<std::string>()});
      }
      if (results.size() == e - b) return results;
      results.clear();
    }
    for (std::size_t i = b; i < e; ++i) results.push_back(render_isolated(env, file_of(i), cases[i].c.context_json));
    return results;
  }

  static Outcome classify(const nlohmann::json& want, const KjitResult& got) {
    if (got.crashed) return Outcome::crash;
    if (want.value("timeout", false)) return Outcome::jinja_timeout;
    bool jinja_ok = want["ok"].get<bool>();
    if (jinja_ok && got.ok) return got.text == want["text"].get<std::string>() ? Outcome::identical : Outcome::different;
    if (!jinja_ok && !got.ok) return Outcome::both_error;
    if (!jinja_ok) return Outcome::kjit_renders_jinja_rejects;
    return got.text.find("unsupported: ") != std::string::npos ? Outcome::kjit_unsupported : Outcome::kjit_only_error;
  }

  void record(const Case& c, Outcome o, const nlohmann::json& want, const KjitResult& got) {
    ++m_failures;
    std::string jinja = want["ok"].get<bool>() ? want["text"].get<std::string>() : "ERROR " + want["error"].get<std::string>();
    std::string kjit = got.ok ? got.text : "ERROR " + got.text;
    if (m_failures <= 25)
      ADD_FAILURE() << outcome_name(o) << " in " << c.name << ":\n" << c.c.source << "\n--- context: " << c.c.context_json
                    << "\n--- jinja2: " << jinja << "\n--- kjit:   " << kjit;
    if (!m_out.empty()) {
      std::ofstream f(m_out / (c.name + "." + outcome_name(o) + ".txt"), std::ios::binary);
      f << c.c.source << "\n--- context: " << c.c.context_json << "\n--- jinja2: " << jinja << "\n--- kjit:   " << kjit << "\n";
    }
  }

  bool m_isolated;
  fs::path m_dir, m_out;
  std::map<Outcome, long> m_counts;
  std::map<std::string, long> m_unsupported;
  long m_failures = 0;
};

// Edge cases: "#### name [context JSON]" headers, each followed by the
// template (its last newline is not part of it).
std::vector<Case> load_edge_cases(const fs::path& file) {
  std::vector<Case> out;
  std::istringstream in(slurp(file));
  std::string line;
  Case* cur = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("#### ", 0) == 0) {
      if (cur && !cur->c.source.empty()) cur->c.source.pop_back();
      out.emplace_back();
      cur = &out.back();
      std::string head = line.substr(5);
      std::size_t sp = head.find(' ');
      cur->name = "edge_" + head.substr(0, sp);
      cur->c.context_json = sp == std::string::npos ? "{}" : head.substr(sp + 1);
      continue;
    }
    if (cur) cur->c.source += line + "\n";
  }
  if (cur && !cur->c.source.empty()) cur->c.source.pop_back();
  return out;
}

void require_jinja2() {
  if (have_jinja2()) return;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true") FAIL() << "python3 with jinja2 is required in CI (tools/setup.sh installs it)";
  GTEST_SKIP() << "python3 with jinja2 is not available (apt-get install python3-jinja2)";
}

TEST(DifferentialTest, MatchesJinja2OnGeneratedTemplates) {
  require_jinja2();
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  std::uint64_t total = env_u64("KJIT_DIFF_TEMPLATES", k_ci_templates);
  std::uint64_t seed = env_u64("KJIT_DIFF_SEED", k_ci_seed);
  bool campaign = std::getenv("KJIT_DIFF_TEMPLATES") != nullptr;
  DiffGenerator gen(seed);
  Campaign run(campaign);
  std::vector<Case> cases;
  for (std::uint64_t i = 0; i < total; ++i) {
    cases.push_back({"seed" + std::to_string(seed) + "_" + std::to_string(i), gen.next()});
    if (cases.size() == static_cast<std::size_t>(k_batch) || i + 1 == total) {
      run.run(cases);
      if (::testing::Test::HasFatalFailure()) return;
      cases.clear();
      if (campaign) std::fprintf(stderr, "[differential] seed %llu: %s\n", static_cast<unsigned long long>(seed), run.summary(static_cast<long>(i + 1)).c_str());
    }
  }
  std::printf("[differential] seed %llu: %s\n", static_cast<unsigned long long>(seed), run.summary(static_cast<long>(total)).c_str());
  std::printf("[differential] unsupported features met:\n%s", run.unsupported_report().c_str());
  EXPECT_EQ(run.failures(), 0);
  // The generator must mostly produce templates both engines render, or the
  // test is weak.
  auto identical = run.counts().count(Outcome::identical) ? run.counts().at(Outcome::identical) : 0;
  EXPECT_GT(identical, static_cast<long>(total) / 2) << "too few templates render identically";
}

TEST(DifferentialTest, MatchesJinja2OnEdgeCases) {
  require_jinja2();
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  auto cases = load_edge_cases(fs::path(KJIT_SOURCE_DIR) / "tests/template/edge_cases.txt");
  ASSERT_GE(cases.size(), 100u);
  Campaign run(std::getenv("KJIT_DIFF_TEMPLATES") != nullptr);
  run.run(cases);
  std::printf("[differential] edge cases: %s\n", run.summary(static_cast<long>(cases.size())).c_str());
  std::printf("[differential] unsupported features met:\n%s", run.unsupported_report().c_str());
  EXPECT_EQ(run.failures(), 0);
}

}  // namespace
}  // namespace kjit::jit
