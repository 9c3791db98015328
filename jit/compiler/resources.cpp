// ptxas -v report parsing (grammar in resources.h).
// Thread safety: pure function.
#include "jit/compiler/resources.h"

#include <algorithm>
#include <charconv>

namespace kjit::jit {
namespace {

// The integer ending right before `pos` in `text`; -1 when there is none.
int digits_before(std::string_view text, std::size_t pos) {
  auto start = pos;
  while (start > 0 && text[start - 1] >= '0' && text[start - 1] <= '9') --start;
  if (start == pos) return -1;
  int value = 0;
  std::from_chars(text.data() + start, text.data() + pos, value);
  return value;
}

// The integer right before the first `unit` in `text` (e.g. 512 in "512 bytes
// stack frame" for unit " bytes stack frame"); -1 when absent.
int number_before(std::string_view text, std::string_view unit) {
  auto pos = text.find(unit);
  return pos == std::string_view::npos ? -1 : digits_before(text, pos);
}

// Sum of every "<N> bytes cmem[" occurrence.
int sum_cmem(std::string_view text) {
  int total = 0;
  for (auto pos = text.find(" bytes cmem["); pos != std::string_view::npos; pos = text.find(" bytes cmem[", pos + 1)) {
    total += std::max(0, digits_before(text, pos));
  }
  return total;
}

std::string_view quoted(std::string_view text) {
  auto open = text.find('\'');
  if (open == std::string_view::npos) return {};
  auto close = text.find('\'', open + 1);
  if (close == std::string_view::npos) return {};
  return text.substr(open + 1, close - open - 1);
}

}  // namespace

std::vector<KernelResources> parse_ptxas_resources(std::string_view log) {
  std::vector<KernelResources> out;
  KernelResources* current = nullptr;   // the entry whose block we are in (out.back())
  bool in_entry_properties = false;     // inside "Function properties for <current>"
  while (!log.empty()) {
    auto nl = log.find('\n');
    std::string_view line = log.substr(0, nl);
    log.remove_prefix(nl == std::string_view::npos ? log.size() : nl + 1);
    if (!line.starts_with("ptxas")) continue;

    if (line.find("Compiling entry function '") != std::string_view::npos) {
      out.push_back(KernelResources{.function = std::string(quoted(line))});
      current = &out.back();  // valid until the next push_back, which resets it
      in_entry_properties = false;
    } else if (auto p = line.find("Function properties for "); p != std::string_view::npos) {
      std::string_view name = line.substr(p + 24);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.remove_suffix(1);
      in_entry_properties = current != nullptr && name == current->function;
    } else if (line.find(" bytes stack frame") != std::string_view::npos) {
      if (in_entry_properties) {
        current->stack_bytes = std::max(current->stack_bytes, number_before(line, " bytes stack frame"));
        current->spill_store_bytes = std::max(0, number_before(line, " bytes spill stores"));
        current->spill_load_bytes = std::max(0, number_before(line, " bytes spill loads"));
      }
    } else if (line.find(": Used ") != std::string_view::npos && current != nullptr) {
      current->registers = std::max(0, number_before(line, " registers"));
      current->stack_bytes = std::max(current->stack_bytes, number_before(line, " bytes cumulative stack size"));
      current->shared_bytes = std::max(0, number_before(line, " bytes smem"));
      current->constant_bytes = sum_cmem(line);
      in_entry_properties = false;
    }
  }
  return out;
}

}  // namespace kjit::jit
