// LaunchPlan JSON round trip, the integer expression evaluator, and plan
// resolution for one axis binding. See launch_plan.h.
#include "jit/codegen/launch_plan.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "jit/codegen/expr_scanner.h"

namespace kjit::jit {
namespace {

// Recursive-descent evaluator over a string_view. Grammar:
//   expr   := term (('+'|'-') term)*
//   term   := unary (('*'|'/'|'%') unary)*
//   unary  := '-' unary | atom
//   atom   := INT | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
// Plans come from rendered templates and expressions are evaluated with axis
// values from workloads and clients, so everything is bounded: an expression
// is at most 4096 characters and 64 levels deep (the recursion), and every
// operation is checked: a result outside int64 is an error, not undefined
// behaviour.
constexpr std::size_t k_max_expr_length = 4096;
constexpr int k_max_expr_depth = 64;

class ExprParser {
 public:
  ExprParser(std::string_view text, const Bindings& vars) : m_in(text), m_vars(vars) {}

  Result<std::int64_t> parse() {
    if (m_in.text().size() > k_max_expr_length)
      return fail(ErrorCode::invalid_argument, "launch plan expression of " + std::to_string(m_in.text().size()) +
                                                   " characters is over the limit of " +
                                                   std::to_string(k_max_expr_length));
    auto v = expr();
    if (!v) return v;
    m_in.skip_ws();
    if (!m_in.at_end()) return error("unexpected '" + std::string(1, m_in.peek()) + "'");
    return v;
  }

 private:
  std::unexpected<Error> error(const std::string& what) const {
    return fail(ErrorCode::invalid_argument,
                "launch plan expression '" + std::string(m_in.text()) + "' at column " +
                    std::to_string(m_in.pos() + 1) + ": " + what);
  }
  // Counts one level of recursion while alive.
  struct Nest {
    explicit Nest(int& depth) : m_depth(depth) { ++m_depth; }
    ~Nest() { --m_depth; }
    int& m_depth;
  };
  std::unexpected<Error> overflow() const { return error("the result overflows a 64-bit integer"); }

  Result<std::int64_t> expr() {
    Nest nest(m_depth);
    if (m_depth > k_max_expr_depth) return error("nested more than " + std::to_string(k_max_expr_depth) + " levels deep");
    auto lhs = KJIT_TRY(term());
    for (;;) {
      std::int64_t out = 0;
      if (m_in.eat('+')) {
        if (__builtin_add_overflow(lhs, KJIT_TRY(term()), &out)) return overflow();
      } else if (m_in.eat('-')) {
        if (__builtin_sub_overflow(lhs, KJIT_TRY(term()), &out)) return overflow();
      } else {
        return lhs;
      }
      lhs = out;
    }
  }
  Result<std::int64_t> term() {
    auto lhs = KJIT_TRY(unary());
    for (;;) {
      char op = 0;
      if (m_in.eat('*')) op = '*';
      else if (m_in.eat('/')) op = '/';
      else if (m_in.eat('%')) op = '%';
      else return lhs;
      auto rhs = KJIT_TRY(unary());
      if (op == '*') {
        if (__builtin_mul_overflow(lhs, rhs, &lhs)) return overflow();
      } else {
        if (rhs == 0) return error("division by zero");
        if (rhs == -1) {  // INT64_MIN / -1 overflows (and INT64_MIN % -1 is undefined)
          if (op == '%') lhs = 0;
          else if (__builtin_sub_overflow(std::int64_t{0}, lhs, &lhs)) return overflow();
        } else {
          lhs = op == '/' ? lhs / rhs : lhs % rhs;
        }
      }
    }
  }
  Result<std::int64_t> unary() {
    Nest nest(m_depth);
    if (m_depth > k_max_expr_depth) return error("nested more than " + std::to_string(k_max_expr_depth) + " levels deep");
    if (m_in.eat('-')) {
      std::int64_t v = KJIT_TRY(unary());
      if (v == std::numeric_limits<std::int64_t>::min()) return overflow();
      return -v;
    }
    return atom();
  }
  Result<std::int64_t> atom() {
    m_in.skip_ws();
    if (m_in.at_end()) return error("unexpected end");
    if (m_in.eat('(')) {
      auto v = KJIT_TRY(expr());
      if (!m_in.eat(')')) return error("expected ')'");
      return v;
    }
    if (m_in.at_integer()) {
      std::int64_t v = 0;
      if (!m_in.integer(v)) return error("integer too large");
      return v;
    }
    if (m_in.at_name()) {
      std::string_view name = m_in.name();
      if (m_in.eat('(')) return call(name);
      auto it = m_vars.find(name);
      if (it == m_vars.end()) return error("unknown name '" + std::string(name) + "'");
      return it->second;
    }
    return error("unexpected '" + std::string(1, m_in.peek()) + "'");
  }
  Result<std::int64_t> call(std::string_view fn) {
    std::vector<std::int64_t> args;
    if (!m_in.eat(')')) {
      do args.push_back(KJIT_TRY(expr()));
      while (m_in.eat(','));
      if (!m_in.eat(')')) return error("expected ')' after arguments of " + std::string(fn));
    }
    if (args.size() != 2) return error(std::string(fn) + " takes 2 arguments");
    if (fn == "min") return std::min(args[0], args[1]);
    if (fn == "max") return std::max(args[0], args[1]);
    if (fn == "ceil_div") {
      if (args[1] <= 0) return error("ceil_div needs a positive divisor");
      std::int64_t sum = 0;
      if (__builtin_add_overflow(args[0], args[1] - 1, &sum)) return overflow();
      return sum / args[1];
    }
    return error("unknown function '" + std::string(fn) + "' (known: min, max, ceil_div)");
  }

  ExprScanner m_in;
  const Bindings& m_vars;
  int m_depth = 0;
};

// Plan fields may be JSON integers or expression strings.
Result<std::string> expr_field(const nlohmann::json& j, const std::string& pointer) {
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());  // > INT64_MAX: the evaluator refuses it
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  if (j.is_string()) return j.get<std::string>();
  return fail(ErrorCode::invalid_argument,
              "launch plan " + pointer + ": expected an integer or an expression string, got " + j.dump());
}

Result<std::array<std::string, 3>> dim3_field(const nlohmann::json& j, const std::string& pointer) {
  std::array<std::string, 3> out{"1", "1", "1"};
  if (!j.is_array() || j.empty() || j.size() > 3)
    return fail(ErrorCode::invalid_argument, "launch plan " + pointer + ": expected an array of 1 to 3 dimensions");
  for (std::size_t i = 0; i < j.size(); ++i) out[i] = KJIT_TRY(expr_field(j[i], pointer + "/" + std::to_string(i)));
  return out;
}

Result<std::uint32_t> to_u32(std::int64_t v, const std::string& what) {
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max())
    return fail(ErrorCode::invalid_argument, "launch plan: " + what + " = " + std::to_string(v) + " is out of range");
  return static_cast<std::uint32_t>(v);
}

// A C identifier (launch parameter names become kernel arguments and plan names).
bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

Result<std::int64_t> eval_expr(std::string_view expr, const Bindings& vars) {
  return ExprParser(expr, vars).parse();
}

nlohmann::ordered_json LaunchPlan::to_json() const {
  nlohmann::ordered_json j;
  if (!params.empty()) {
    j["params"] = nlohmann::ordered_json::array();
    for (const auto& p : params) {
      j["params"].push_back({{"name", p.name}, {"default", p.default_value}});
      if (!p.advance.empty()) j["params"].back()["advance"] = p.advance;
    }
  }
  j["lets"] = nlohmann::ordered_json::array();
  for (const auto& l : lets) j["lets"].push_back({{"name", l.name}, {"expr", l.expr}});
  j["workspace"] = nlohmann::ordered_json::array();
  for (const auto& w : workspace) j["workspace"].push_back({{"name", w.name}, {"bytes", w.bytes}, {"zero", w.zero}});
  j["launches"] = nlohmann::ordered_json::array();
  for (const auto& l : launches) {
    j["launches"].push_back({{"entry", l.entry},
                             {"grid", l.grid},
                             {"block", l.block},
                             {"shared_bytes", l.shared_bytes},
                             {"args", l.args}});
    if (l.pdl) j["launches"].back()["pdl"] = true;
  }
  return j;
}

Result<LaunchPlan> LaunchPlan::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return fail(ErrorCode::invalid_argument, "launch plan: expected a JSON object");
  LaunchPlan plan;
  if (j.contains("params")) {
    if (!j["params"].is_array()) return fail(ErrorCode::invalid_argument, "launch plan /params: expected an array");
    for (std::size_t i = 0; i < j["params"].size(); ++i) {
      const auto& p = j["params"][i];
      std::string ptr = "/params/" + std::to_string(i);
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || !is_identifier(p["name"]))
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": expected {\"name\": IDENTIFIER, \"default\", \"advance\"}");
      PlanParam param;
      param.name = p["name"];
      if (param.name == "num_sms")
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": 'num_sms' is reserved");
      for (const auto& other : plan.params)
        if (other.name == param.name)
          return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": parameter '" + param.name + "' declared twice");
      if (p.contains("default")) param.default_value = KJIT_TRY(expr_field(p["default"], ptr + "/default"));
      if (p.contains("advance")) param.advance = KJIT_TRY(expr_field(p["advance"], ptr + "/advance"));
      for (const auto& [key, value] : p.items()) {
        if (key != "name" && key != "default" && key != "advance")
          return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": unknown field '" + key + "' (known: name, default, advance)");
      }
      plan.params.push_back(std::move(param));
    }
  }
  if (j.contains("lets")) {
    if (!j["lets"].is_array()) return fail(ErrorCode::invalid_argument, "launch plan /lets: expected an array");
    for (std::size_t i = 0; i < j["lets"].size(); ++i) {
      const auto& l = j["lets"][i];
      std::string ptr = "/lets/" + std::to_string(i);
      if (!l.is_object() || !l.contains("name") || !l["name"].is_string() || !l.contains("expr"))
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": expected {\"name\", \"expr\"}");
      plan.lets.push_back({l["name"], KJIT_TRY(expr_field(l["expr"], ptr + "/expr"))});
    }
  }
  if (j.contains("workspace")) {
    if (!j["workspace"].is_array())
      return fail(ErrorCode::invalid_argument, "launch plan /workspace: expected an array");
    for (std::size_t i = 0; i < j["workspace"].size(); ++i) {
      const auto& w = j["workspace"][i];
      std::string ptr = "/workspace/" + std::to_string(i);
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("bytes"))
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + ": expected {\"name\", \"bytes\"}");
      if (w.contains("zero") && !w["zero"].is_boolean())
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/zero: expected true or false");
      plan.workspace.push_back({w["name"], KJIT_TRY(expr_field(w["bytes"], ptr + "/bytes")),
                                w.value("zero", false)});
    }
  }
  if (!j.contains("launches") || !j["launches"].is_array() || j["launches"].empty())
    return fail(ErrorCode::invalid_argument, "launch plan /launches: expected a non-empty array");
  for (std::size_t i = 0; i < j["launches"].size(); ++i) {
    const auto& l = j["launches"][i];
    std::string ptr = "/launches/" + std::to_string(i);
    if (!l.is_object() || !l.contains("entry") || !l["entry"].is_string())
      return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/entry: expected a kernel name");
    PlanLaunch launch;
    launch.entry = l["entry"];
    launch.grid = KJIT_TRY(dim3_field(l.value("grid", nlohmann::json::array({1})), ptr + "/grid"));
    launch.block = KJIT_TRY(dim3_field(l.value("block", nlohmann::json::array({1})), ptr + "/block"));
    if (l.contains("shared_bytes")) launch.shared_bytes = KJIT_TRY(expr_field(l["shared_bytes"], ptr + "/shared_bytes"));
    if (l.contains("pdl")) {
      if (!l["pdl"].is_boolean()) return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/pdl: expected true or false");
      launch.pdl = l["pdl"].get<bool>();
      if (launch.pdl && i == 0)
        return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/pdl: the first launch has no earlier launch to overlap");
    }
    if (l.contains("args")) {
      if (!l["args"].is_array()) return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/args: expected an array");
      for (const auto& a : l["args"]) {
        if (!a.is_string()) return fail(ErrorCode::invalid_argument, "launch plan " + ptr + "/args: expected names");
        launch.args.push_back(a);
      }
    }
    plan.launches.push_back(std::move(launch));
  }
  return plan;
}

Result<ResolvedPlan> resolve_plan(const LaunchPlan& plan, const Bindings& axes, std::int64_t num_sms,
                                  const Bindings& params) {
  ResolvedPlan out;
  out.values = axes;
  out.values["num_sms"] = num_sms;
  for (const auto& param : params) {
    const std::string& name = param.first;  // not a structured binding: clang-14 (fuzz builds) cannot capture one
    if (std::none_of(plan.params.begin(), plan.params.end(), [&](const PlanParam& p) { return p.name == name; })) {
      std::string declared;
      for (const auto& p : plan.params) declared += (declared.empty() ? "" : ", ") + p.name;
      return fail(ErrorCode::invalid_argument, "launch parameter '" + name + "' is not one the kernel's plan declares (" +
                                                   (declared.empty() ? std::string("it declares none") : "declared: " + declared) +
                                                   ")");
    }
  }
  // Parameters see the axes and num_sms (not each other), then join the names lets may use.
  const Bindings base = out.values;
  for (const auto& p : plan.params) {
    if (base.contains(p.name))
      return fail(ErrorCode::invalid_argument, "launch plan: parameter '" + p.name + "' has the name of an axis");
    ResolvedParam r;
    r.name = p.name;
    if (auto it = params.find(p.name); it != params.end()) {
      r.value = it->second;
      r.given = true;
    } else {
      r.value = KJIT_TRY(eval_expr(p.default_value, base));
    }
    if (!p.advance.empty()) r.advance = KJIT_TRY(eval_expr(p.advance, base));
    out.values[p.name] = r.value;
    out.params.push_back(std::move(r));
  }
  for (const auto& l : plan.lets) out.values[l.name] = KJIT_TRY(eval_expr(l.expr, out.values));
  for (const auto& w : plan.workspace) {
    auto bytes = KJIT_TRY(eval_expr(w.bytes, out.values));
    if (bytes < 0) return fail(ErrorCode::invalid_argument, "launch plan: workspace '" + w.name + "' has negative size");
    out.workspace_bytes.emplace_back(w.name, static_cast<std::uint64_t>(bytes));
    out.workspace_zero.push_back(w.zero);
  }
  for (const auto& l : plan.launches) {
    ResolvedLaunch r;
    r.entry = l.entry;
    r.args = l.args;
    r.pdl = l.pdl;
    for (int d = 0; d < 3; ++d) {
      r.grid[d] = KJIT_TRY(to_u32(KJIT_TRY(eval_expr(l.grid[d], out.values)), l.entry + " grid"));
      r.block[d] = KJIT_TRY(to_u32(KJIT_TRY(eval_expr(l.block[d], out.values)), l.entry + " block"));
    }
    r.shared_bytes = KJIT_TRY(to_u32(KJIT_TRY(eval_expr(l.shared_bytes, out.values)), l.entry + " shared_bytes"));
    out.launches.push_back(std::move(r));
  }
  return out;
}

}  // namespace kjit::jit
