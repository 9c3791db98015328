// libFuzzer target over the whole template pipeline (lexer, parser,
// renderer, filters): any input must render or fail with a kjit::Error, never
// crash, hang or trip ASan/UBSan. Includes resolve against a small fixed set
// of files in a temp folder (including a self-include) to exercise loading.
// Build and run: tools/fuzz_template.sh
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "jit/template/environment.h"

namespace {

const kjit::jit::Environment& env() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / "kjit_template_fuzz";
    std::filesystem::create_directories(d);
    std::ofstream(d / "a.j2") << "A{{ x }}{% macro m(v) %}{{ v * 2 }}{% endmacro %}{{ m(3) }}";
    std::ofstream(d / "self.j2") << "{% include 'self.j2' %}";
    return d;
  }();
  static const kjit::jit::Environment e({dir});
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nlohmann::json context = {
      {"x", 1}, {"f", 2.5}, {"s", "str"}, {"l", {1, 2, 3}}, {"d", {{"a", 1}, {"b", {1, 2}}}}, {"n", nullptr}};
  std::string_view src(reinterpret_cast<const char*>(data), size);
  auto r = env().render_string(src, "fuzz.j2", context);
  if (!r && r.error().message.empty()) __builtin_trap();
  return 0;
}
