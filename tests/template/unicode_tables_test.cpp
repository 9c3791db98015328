// The Unicode tables (unicode_tables.cpp, compact text decoded at compile
// time by unicode_decode.h) checked against the running Python's unicodedata
// for every code point: the str predicates kjit derives from them, decimal
// digit values and the full upper/lower/title case mappings. Python writes
// what it knows (tools/dev/gen_unicode_tables.py's definitions) and this test
// asks kjit about all 0x110000 code points. Skips without python3 (fails in
// CI, where CI=true); also skips when Python's Unicode version is not the one
// the tables were generated from.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

#include "jit/template/unicode.h"

namespace kjit::jit::detail {
namespace {

namespace fs = std::filesystem;

// Prints the Unicode version, then one line per property: its name and the
// code points that have it, as stride-1 ranges "first-last" (hex); then one
// line per differing case mapping: "upper|lower|title cp out..." (hex); then
// "decimal cp value" for every decimal digit.
constexpr const char* k_script = R"PY(
import sys, unicodedata
sys.path.insert(0, sys.argv[1])
import gen_unicode_tables as g
N = 0x110000
surrogate = lambda cp: 0xD800 <= cp < 0xE000
chars = [chr(cp) for cp in range(N)]
props = {
    "cased": lambda cp, c: g.is_cased(c),
    "case_ignorable": lambda cp, c: not surrogate(cp) and g.is_case_ignorable(c),
    "is_lower": lambda cp, c: c.islower(),
    "is_upper": lambda cp, c: c.isupper(),
    "is_title": lambda cp, c: c.istitle() and not c.isupper(),
    "alnum": lambda cp, c: c.isalnum(),
    "printable": lambda cp, c: c.isprintable(),
}
out = [unicodedata.unidata_version]
for name, has in props.items():
    runs, start = [], None
    for cp in range(N + 1):
        inside = cp < N and has(cp, chars[cp])
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            runs.append("%X-%X" % (start, cp - 1))
            start = None
    out.append(name + " " + " ".join(runs))
for cp, c in enumerate(chars):
    if surrogate(cp):
        continue
    for kind in ("upper", "lower", "title"):
        m = getattr(c, kind)()
        if m != c:
            out.append("%s %X %s" % (kind, cp, " ".join("%X" % ord(x) for x in m)))
    if c.isdecimal():
        out.append("decimal %X %d" % (cp, unicodedata.decimal(c)))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
)PY";

std::string utf8(std::uint32_t cp) {
  std::string s;
  put_utf8(s, cp);
  return s;
}

class UnicodeTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("python3 -c 'import unicodedata' >/dev/null 2>&1") != 0) {
      const char* ci = std::getenv("CI");
      if (ci && std::string(ci) == "true") FAIL() << "python3 is required in CI";
      GTEST_SKIP() << "python3 is not available";
    }
    m_dir = fs::temp_directory_path() / ("kjit_unicode_" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
    std::ofstream(m_dir / "dump.py") << k_script;
    std::string cmd = "python3 '" + (m_dir / "dump.py").string() + "' '" + std::string(KJIT_SOURCE_DIR) +
                      "/tools/dev' '" + (m_dir / "dump.txt").string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(m_dir / "dump.txt");
    std::string line;
    ASSERT_TRUE(std::getline(in, m_version));
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      if (name == "upper" || name == "lower" || name == "title" || name == "decimal") {
        std::string cp, x;
        words >> cp;
        std::vector<std::uint32_t>& out = m_maps[name][std::stoul(cp, nullptr, 16)];
        while (words >> x) out.push_back(static_cast<std::uint32_t>(std::stoul(x, nullptr, name == "decimal" ? 10 : 16)));
        continue;
      }
      std::string run;
      while (words >> run) {
        auto dash = run.find('-');
        m_props[name].emplace_back(std::stoul(run.substr(0, dash), nullptr, 16),
                                   std::stoul(run.substr(dash + 1), nullptr, 16));
      }
    }
  }
  void TearDown() override {
    std::error_code ec;
    if (!m_dir.empty()) fs::remove_all(m_dir, ec);
  }

  // Checks `kjit(cp)` against Python's property `name` for every code point
  // (skipping surrogates where `skip_surrogates`).
  template <class Fn>
  void check_property(const std::string& name, Fn kjit, bool skip_surrogates = false) {
    ASSERT_TRUE(m_props.count(name)) << name;
    const auto& runs = m_props[name];
    std::size_t r = 0, mismatches = 0;
    for (std::uint32_t cp = 0; cp < 0x110000; ++cp) {
      while (r < runs.size() && runs[r].second < cp) ++r;
      bool python = r < runs.size() && runs[r].first <= cp;
      if (skip_surrogates && cp >= 0xD800 && cp < 0xE000) continue;
      if (kjit(cp) != python && ++mismatches <= 5)
        ADD_FAILURE() << name << " of U+" << std::hex << cp << ": kjit " << !python << ", Python " << python;
    }
    EXPECT_EQ(mismatches, 0u) << name;
  }

  fs::path m_dir;
  std::string m_version;
  std::map<std::string, std::vector<std::pair<std::uint32_t, std::uint32_t>>> m_props;
  std::map<std::string, std::map<std::uint32_t, std::vector<std::uint32_t>>> m_maps;
};

TEST_F(UnicodeTablesTest, PredicatesMatchPythonForEveryCodePoint) {
  if (m_version != unicode_data::k_unicode_version)
    GTEST_SKIP() << "Python has Unicode " << m_version << ", the tables " << unicode_data::k_unicode_version;
  check_property("cased", is_cased);
  check_property("case_ignorable", is_case_ignorable, true);
  check_property("is_lower", is_lower_cp);
  check_property("is_upper", is_upper_cp);
  check_property("is_title", is_title_cp);
  check_property("alnum", is_alnum_cp);
  check_property("printable", is_printable_cp);
}

TEST_F(UnicodeTablesTest, CaseMappingsAndDigitsMatchPythonForEveryCodePoint) {
  if (m_version != unicode_data::k_unicode_version)
    GTEST_SKIP() << "Python has Unicode " << m_version << ", the tables " << unicode_data::k_unicode_version;
  const std::pair<const char*, std::string (*)(std::string_view)> kinds[] = {
      {"upper", py_upper}, {"lower", py_lower}, {"title", py_title}};
  std::size_t mismatches = 0;
  for (std::uint32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    std::string c = utf8(cp);
    for (const auto& [kind, fn] : kinds) {
      auto it = m_maps[kind].find(cp);
      std::string want;
      if (it == m_maps[kind].end()) want = c;
      else
        for (std::uint32_t o : it->second) put_utf8(want, o);
      if (fn(c) != want && ++mismatches <= 5) ADD_FAILURE() << kind << " of U+" << std::hex << cp;
    }
    auto d = m_maps["decimal"].find(cp);
    int want_digit = d == m_maps["decimal"].end() ? -1 : static_cast<int>(d->second.at(0));
    if (decimal_value(cp) != want_digit && ++mismatches <= 5)
      ADD_FAILURE() << "decimal value of U+" << std::hex << cp << ": kjit " << std::dec << decimal_value(cp)
                    << ", Python " << want_digit;
  }
  EXPECT_EQ(mismatches, 0u);
}

}  // namespace
}  // namespace kjit::jit::detail
