// Workload record parsing and --axes text parsing; see workload.h.
#include "runtime/workload.h"

#include <charconv>
#include <fstream>

#include <nlohmann/json.hpp>

#include "jit/util/json_limits.h"

namespace kjit::runtime {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string Workload::origin() const {
  if (file.empty()) return "workload";
  return file.string() + ":" + std::to_string(line);
}

Result<Workload> parse_workload_line(std::string_view text, const std::filesystem::path& file,
                                     int line) {
  Workload w;
  w.file = file;
  w.line = line;
  const std::string where = w.origin();
  auto bad = [&](const std::string& what) {
    return fail(ErrorCode::parse_error, where + ": " + what);
  };
  // Workload files are outside input: bounded JSON (json_limits.h).
  auto parsed = parse_json(text, "record");
  if (!parsed) return bad("not valid JSON: " + parsed.error().message);
  nlohmann::json j = std::move(*parsed);
  if (!j.is_object()) return bad("a workload record must be a JSON object");
  if (!j.contains("definition") || !j["definition"].is_string()) {
    return bad("missing string field 'definition'");
  }
  w.definition = j["definition"].get<std::string>();
  if (!j.contains("workload") || !j["workload"].is_object()) {
    return bad("missing object field 'workload'");
  }
  const auto& wl = j["workload"];
  if (wl.contains("uuid")) {
    if (!wl["uuid"].is_string()) return bad("'workload.uuid' must be a string");
    w.uuid = wl["uuid"].get<std::string>();
  }
  if (wl.contains("axes")) {
    if (!wl["axes"].is_object()) return bad("'workload.axes' must be an object");
    for (auto it = wl["axes"].begin(); it != wl["axes"].end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<std::int64_t>() < 0) {
        return bad("axis '" + it.key() + "' must be a non-negative integer");
      }
      w.axes[it.key()] = it.value().get<std::int64_t>();
    }
  }
  if (wl.contains("inputs")) {
    if (!wl["inputs"].is_object()) return bad("'workload.inputs' must be an object");
    for (auto it = wl["inputs"].begin(); it != wl["inputs"].end(); ++it) {
      const std::string name = it.key();
      const auto& spec = it.value();
      if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string()) {
        return bad("input '" + name + "' needs a string 'type'");
      }
      const std::string type = spec["type"].get<std::string>();
      WorkloadInput in;
      if (type == "random") {
        in.kind = WorkloadInput::Kind::random;
      } else if (type == "scalar") {
        in.kind = WorkloadInput::Kind::scalar;
        if (!spec.contains("value") || !(spec["value"].is_number() || spec["value"].is_boolean())) {
          return bad("scalar input '" + name + "' needs a numeric 'value'");
        }
        in.value = spec["value"].is_boolean() ? (spec["value"].get<bool>() ? 1.0 : 0.0)
                                              : spec["value"].get<double>();
      } else if (type == "safetensors") {
        in.kind = WorkloadInput::Kind::safetensors;
        if (!spec.contains("path") || !spec["path"].is_string()) {
          return bad("safetensors input '" + name + "' needs a string 'path'");
        }
        in.path = spec["path"].get<std::string>();
        in.tensor_key = spec.contains("tensor_key") && spec["tensor_key"].is_string()
                            ? spec["tensor_key"].get<std::string>()
                            : name;
      } else {
        return bad("input '" + name + "' has unknown type '" + type +
                   "' (expected random, scalar or safetensors)");
      }
      w.inputs[name] = std::move(in);
    }
  }
  return w;
}

Result<std::vector<Workload>> load_workloads(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::not_found, file.string() + ": cannot open workloads file");
  std::vector<Workload> out;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (trim(text).empty()) continue;
    out.push_back(KJIT_TRY(parse_workload_line(text, file, line)));
  }
  return out;
}

Result<AxisValues> parse_axes_text(std::string_view text) {
  AxisValues out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    const std::string item = trim(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) {
      if (text.empty()) break;
      return fail(ErrorCode::invalid_argument, "--axes '" + std::string(text) +
                                                   "': empty item; expected name=value[,name=value...]");
    }
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return fail(ErrorCode::invalid_argument,
                  "--axes: item '" + item + "' has no '='; expected name=value, e.g. batch_size=16");
    }
    const std::string name = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (name.empty()) return fail(ErrorCode::invalid_argument, "--axes: item '" + item + "' has no axis name");
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() || v < 0) {
      return fail(ErrorCode::invalid_argument,
                  "--axes: value '" + value + "' of axis '" + name + "' is not a non-negative integer");
    }
    if (!out.emplace(name, v).second) {
      return fail(ErrorCode::invalid_argument, "--axes: axis '" + name + "' is given twice");
    }
  }
  return out;
}

std::filesystem::path resolve_blob_path(const WorkloadInput& input, const std::filesystem::path& root) {
  const std::filesystem::path p(input.path);
  if (p.is_absolute() || root.empty()) return p;
  return (root / p).lexically_normal();
}

}  // namespace kjit::runtime
