// Definition → template context; see context.h and docs/templates.md.
#include "jit/codegen/context.h"

#include <cctype>

#include "jit/codegen/reference_constants.h"

namespace kjit::jit {
namespace {

using Json = nlohmann::ordered_json;

Json tensor_json(const TensorSpec& t, const Definition& def, bool is_input) {
  Json j;
  j["name"] = t.name;
  j["dtype"] = std::string(dtype_name(t.dtype));
  j["ctype"] = std::string(dtype_cuda_type(t.dtype));
  j["bits"] = dtype_bits(t.dtype);
  j["is_float"] = dtype_is_float(t.dtype);
  j["scalar"] = t.is_scalar();
  j["is_input"] = is_input;
  if (t.is_scalar()) {
    j["rank"] = 0;
    j["shape"] = nullptr;
    j["dims"] = nullptr;
  } else {
    j["rank"] = t.shape->size();
    j["shape"] = *t.shape;
    Json dims = Json::array();
    for (const auto& axis : *t.shape) {
      auto v = def.const_value(axis);
      dims.push_back(v ? Json(*v) : Json(nullptr));
    }
    j["dims"] = dims;
  }
  return j;
}

}  // namespace

Result<ArchInfo> parse_arch_name(const std::string& arch) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument,
                "invalid arch '" + arch + "': expected sm_XX, sm_XXa or sm_XXf (e.g. sm_90a, sm_100a)");
  };
  if (arch.size() < 5 || arch.compare(0, 3, "sm_") != 0) return bad();
  std::size_t i = 3;
  int sm = 0;
  while (i < arch.size() && std::isdigit(static_cast<unsigned char>(arch[i]))) sm = sm * 10 + (arch[i++] - '0');
  if (i == 3 || sm < 50 || sm > 999) return bad();
  std::string suffix = arch.substr(i);
  if (!(suffix.empty() || suffix == "a" || suffix == "f")) return bad();
  return ArchInfo{sm, suffix};
}

std::string entry_prefix(const std::string& definition_name) {
  std::string out = "kjit_";
  for (char c : definition_name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

Result<nlohmann::ordered_json> build_ordered_context(const Definition& def, const std::string& arch) {
  ArchInfo info = KJIT_TRY(parse_arch_name(arch));
  Json c;
  c["name"] = def.name;
  c["op_type"] = def.op_type;
  c["description"] = def.description;
  c["tags"] = def.tags;
  c["arch"] = arch;
  c["sm"] = info.sm;
  c["arch_suffix"] = info.suffix;
  Json consts_axes = Json::object();
  Json var = Json::array();
  Json axes = Json::object();
  for (const auto& a : def.axes) {
    if (a.kind == AxisKind::const_) {
      consts_axes[a.name] = a.value;
      axes[a.name] = {{"kind", "const"}, {"value", a.value}};
    } else {
      var.push_back(a.name);
      axes[a.name] = {{"kind", "var"}};
    }
  }
  c["const"] = consts_axes;
  c["var"] = var;
  c["axes"] = axes;
  Json inputs = Json::array(), outputs = Json::array();
  Json tensors = Json::object();
  for (const auto& t : def.inputs) {
    inputs.push_back(tensor_json(t, def, true));
    tensors[t.name] = inputs.back();
  }
  for (const auto& t : def.outputs) {
    outputs.push_back(tensor_json(t, def, false));
    tensors[t.name] = outputs.back();
  }
  c["inputs"] = inputs;
  c["outputs"] = outputs;
  c["tensors"] = tensors;
  Json consts = Json::object();
  for (const auto& [name, value] : reference_constants(def.reference))
    std::visit([&](auto v) { consts[name] = v; }, value);
  c["consts"] = consts;
  c["entry_prefix"] = entry_prefix(def.name);
  return c;
}

Result<nlohmann::json> build_context(const Definition& def, const std::string& arch) {
  return nlohmann::json(KJIT_TRY(build_ordered_context(def, arch)));
}

}  // namespace kjit::jit
