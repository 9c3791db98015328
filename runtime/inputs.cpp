// Axis binding, constraint evaluation and input generation; see inputs.h.
#include "runtime/inputs.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "runtime/inputs_moe.h"
#include "runtime/input_profiles.h"
#include "runtime/recurrent_inputs.h"
#include "runtime/safetensors.h"

namespace kjit::runtime {
namespace {

// Recursive-descent evaluator for integer axis expressions.
class ExprParser {
 public:
  ExprParser(std::string_view text, const AxisValues& axes) : m_text(text), m_axes(axes) {}

  std::optional<std::int64_t> parse() {
    auto v = comparison();
    skip();
    if (!v || m_pos != m_text.size()) return std::nullopt;
    return v;
  }
  const std::set<std::string>& unbound() const { return m_unbound; }

 private:
  void skip() {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  }
  bool eat(std::string_view op) {
    skip();
    if (m_text.substr(m_pos, op.size()) != op) return false;
    m_pos += op.size();
    return true;
  }
  std::optional<std::int64_t> comparison() {
    auto l = additive();
    if (!l) return std::nullopt;
    static constexpr std::string_view ops[] = {"==", "!=", ">=", "<=", ">", "<"};
    for (auto op : ops) {
      if (eat(op)) {
        auto r = additive();
        if (!r) return std::nullopt;
        if (op == "==") return *l == *r;
        if (op == "!=") return *l != *r;
        if (op == ">=") return *l >= *r;
        if (op == "<=") return *l <= *r;
        if (op == ">") return *l > *r;
        return *l < *r;
      }
    }
    return l;
  }
  std::optional<std::int64_t> additive() {
    auto l = multiplicative();
    while (l) {
      if (eat("+")) {
        auto r = multiplicative();
        if (!r) return std::nullopt;
        *l += *r;
      } else if (eat("-")) {
        auto r = multiplicative();
        if (!r) return std::nullopt;
        *l -= *r;
      } else {
        break;
      }
    }
    return l;
  }
  std::optional<std::int64_t> multiplicative() {
    auto l = unary();
    while (l) {
      skip();
      if (m_text.substr(m_pos, 2) == "**") return std::nullopt;
      char op = m_pos < m_text.size() ? m_text[m_pos] : '\0';
      if (m_text.substr(m_pos, 2) == "//") {
        m_pos += 2;
        op = '/';
      } else if (op == '*' || op == '/' || op == '%') {
        ++m_pos;
      } else {
        break;
      }
      auto r = unary();
      if (!r) return std::nullopt;
      if (op == '*') {
        *l *= *r;
      } else {
        if (*r == 0) return std::nullopt;
        *l = op == '/' ? *l / *r : *l % *r;
      }
    }
    return l;
  }
  std::optional<std::int64_t> unary() {
    if (eat("-")) {
      auto v = unary();
      if (!v) return std::nullopt;
      return -*v;
    }
    return primary();
  }
  std::optional<std::int64_t> primary() {
    skip();
    if (m_pos >= m_text.size()) return std::nullopt;
    if (eat("(")) {
      auto v = comparison();
      if (!v || !eat(")")) return std::nullopt;
      return v;
    }
    const char c = m_text[m_pos];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::int64_t v = 0;
      while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
        v = v * 10 + (m_text[m_pos++] - '0');
      }
      if (m_pos < m_text.size() && m_text[m_pos] == '.') return std::nullopt;  // a float
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t b = m_pos;
      while (m_pos < m_text.size() &&
             (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_')) {
        ++m_pos;
      }
      const std::string name(m_text.substr(b, m_pos - b));
      if (m_pos < m_text.size() && (m_text[m_pos] == '.' || m_text[m_pos] == '[' || m_text[m_pos] == '(')) {
        m_structural = true;
        return std::nullopt;
      }
      const auto it = m_axes.find(name);
      if (it == m_axes.end()) {
        m_unbound.insert(name);
        return std::nullopt;
      }
      return it->second;
    }
    return std::nullopt;
  }

  std::string_view m_text;
  const AxisValues& m_axes;
  std::size_t m_pos = 0;
  std::set<std::string> m_unbound;
  bool m_structural = false;
};

// Solves `constraint` (an equality) for the single unbound identifier when the
// relation is linear in it; empty when it cannot.
std::optional<std::pair<std::string, std::int64_t>> solve_equality(std::string_view constraint,
                                                                   const AxisValues& axes) {
  const auto eq = constraint.find("==");
  if (eq == std::string_view::npos || constraint.find("==", eq + 2) != std::string_view::npos) return std::nullopt;
  const std::string lhs(constraint.substr(0, eq)), rhs(constraint.substr(eq + 2));
  const std::string diff = "(" + lhs + ") - (" + rhs + ")";
  ExprParser probe(diff, axes);
  if (probe.parse() || probe.unbound().size() != 1) return std::nullopt;
  const std::string x = *probe.unbound().begin();
  AxisValues trial = axes;
  trial[x] = 0;
  const auto f0 = ExprParser(diff, trial).parse();
  trial[x] = 1;
  const auto f1 = ExprParser(diff, trial).parse();
  if (!f0 || !f1 || *f1 == *f0 || *f0 % (*f1 - *f0) != 0) return std::nullopt;
  const std::int64_t value = -*f0 / (*f1 - *f0);
  trial[x] = value;
  if (ExprParser(diff, trial).parse() != 0 || value < 0) return std::nullopt;
  return std::make_pair(x, value);
}

std::uint64_t stream_seed(std::uint64_t seed, std::size_t index) {
  return seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull * (index + 1);
}

bool is_index_name(std::string_view name) {
  return name == "qo_indptr" || name == "kv_indptr" || name == "kv_indices" || name == "kv_last_page_len";
}

void softmax_last_dim(HostTensor& t) {
  if (t.shape.empty()) return;
  const std::int64_t cols = t.shape.back();
  if (cols <= 0) return;
  const std::int64_t rows = t.numel() / cols;
  std::vector<double> row(static_cast<std::size_t>(cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, sum = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) mx = std::max(mx, row[static_cast<std::size_t>(c)] = t.get(r * cols + c));
    for (auto& v : row) sum += (v = std::exp(v - mx));
    for (std::int64_t c = 0; c < cols; ++c) t.set(r * cols + c, row[static_cast<std::size_t>(c)] / sum);
  }
}

}  // namespace

const HostTensor* InputSet::find(std::string_view name) const {
  for (const auto& [n, t] : inputs) {
    if (n == name) return &t;
  }
  return nullptr;
}

std::optional<std::int64_t> default_axis_value(std::string_view name) {
  if (name == "batch_size") return k_default_batch_size;
  if (name == "M") return 64;
  if (name == "seq_len") return 16;
  if (name == "num_tokens") return 16;
  if (name == "num_seqs") return 4;
  if (name == "num_qo_heads") return 32;
  if (name == "num_kv_heads") return 8;
  if (name == "max_seq_len") return 4096;
  return std::nullopt;
}

std::optional<std::int64_t> evaluate_axis_expression(std::string_view expr, const AxisValues& axes) {
  return ExprParser(expr, axes).parse();
}

Result<AxisBinding> bind_axes(const jit::Definition& def, const Workload* workload,
                              const AxisValues& cli_axes, const InputOptions& options) {
  AxisBinding binding;
  AxisValues& axes = binding.values;
  for (const auto& a : def.axes) {
    if (a.kind == jit::AxisKind::const_) axes[a.name] = a.value;
  }
  auto apply = [&](const AxisValues& given, const std::string& source) -> Result<void> {
    for (const auto& [name, value] : given) {
      const jit::Axis* axis = def.find_axis(name);
      if (!axis) {
        std::string vars;
        for (const auto& a : def.axes) {
          if (a.kind == jit::AxisKind::var) vars += (vars.empty() ? "" : ", ") + a.name;
        }
        return fail(ErrorCode::invalid_argument, source + ": definition " + def.name + " has no axis '" +
                                                     name + "' (var axes: " + vars + ")");
      }
      if (axis->kind == jit::AxisKind::const_ && axis->value != value) {
        return fail(ErrorCode::invalid_argument,
                    source + ": axis '" + name + "' of " + def.name + " is const " +
                        std::to_string(axis->value) + ", not " + std::to_string(value));
      }
      axes[name] = value;
    }
    return {};
  };
  if (workload) KJIT_TRY_VOID(apply(workload->axes, workload->origin()));
  KJIT_TRY_VOID(apply(cli_axes, "--axes"));

  if (const auto layout = detect_index_layout(def)) {
    Rng rng(stream_seed(options.seed, 1000003));
    binding.plan = KJIT_TRY(plan_sequences(def, *layout, axes, options.sequences, rng));
    binding.notes.insert(binding.notes.end(), binding.plan->notes.begin(), binding.plan->notes.end());
    if (binding.plan->causal_shortfall > 0) {
      binding.notes.push_back(std::to_string(binding.plan->causal_shortfall) +
                              " sequence(s) have fewer kv tokens than queries: the bound axes allow no more");
    }
  }

  if (const auto kind = detect_dsa_kind(def)) {
    Rng rng(stream_seed(options.seed, 1000003));
    binding.dsa = KJIT_TRY(plan_dsa(def, *kind, axes, options.sequences, rng));
    binding.notes.insert(binding.notes.end(), binding.dsa->notes.begin(), binding.dsa->notes.end());
  }
  if (has_cu_seqlens(def)) {
    Rng rng(stream_seed(options.seed, 1000003));
    binding.seq_lens = KJIT_TRY(plan_cu_seqlens(def, axes, options.sequences, rng, binding.notes));
  }

  auto var_unbound = [&] {
    std::vector<std::string> out;
    for (const auto& a : def.axes) {
      if (!axes.contains(a.name)) out.push_back(a.name);
    }
    return out;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (const auto& c : def.constraints) {
      if (auto solved = solve_equality(c, axes); solved && def.find_axis(solved->first)) {
        axes[solved->first] = solved->second;
        binding.notes.push_back("axis " + solved->first + "=" + std::to_string(solved->second) +
                                " derived from constraint '" + c + "'");
        progress = true;
      }
    }
    if (!progress) {
      for (const auto& name : var_unbound()) {
        if (const auto d = default_axis_value(name).or_else([&] { return state_pool_default(name, axes); })) {
          axes[name] = *d;
          binding.notes.push_back("axis " + name + "=" + std::to_string(*d) + " (default)");
          progress = true;
          break;  // re-run the constraints with this value first
        }
      }
    }
  }
  if (const auto left = var_unbound(); !left.empty()) {
    std::string names;
    for (const auto& n : left) names += (names.empty() ? "" : ", ") + n;
    return fail(ErrorCode::invalid_argument,
                def.name + ": no value for axis " + names + "; give it with --axes " + left.front() + "=N");
  }
  for (const auto& c : def.constraints) {
    const auto v = evaluate_axis_expression(c, axes);
    if (!v) {
      binding.notes.push_back("constraint '" + c + "' not evaluated over axes (it refers to tensors)");
    } else if (*v == 0) {
      return fail(ErrorCode::invalid_argument, def.name + ": constraint '" + c + "' does not hold for the bound axes");
    }
  }
  return binding;
}

Result<std::vector<std::int64_t>> resolve_shape(const jit::TensorSpec& spec, const AxisValues& axes,
                                                std::string_view definition_name) {
  std::vector<std::int64_t> shape;
  if (!spec.shape) return shape;
  for (const auto& dim : *spec.shape) {
    const auto v = evaluate_axis_expression(dim, axes);
    if (!v || *v < 0) {
      return fail(ErrorCode::invalid_argument, std::string(definition_name) + ": input '" + spec.name +
                                                   "' dimension '" + dim + "' has no non-negative value");
    }
    shape.push_back(*v);
  }
  return shape;
}

HostTensor random_tensor(Dtype dtype, std::vector<std::int64_t> shape, Rng& rng) {
  HostTensor t = HostTensor::zeros(dtype, std::move(shape));
  const std::int64_t n = t.numel();
  switch (dtype) {
    case Dtype::float32:
    case Dtype::float16:
    case Dtype::bfloat16:
      for (std::int64_t i = 0; i < n; ++i) t.set(i, rng.normal());
      break;
    case Dtype::float8_e4m3fn:
    case Dtype::float8_e5m2:
    case Dtype::float4_e2m1:
      for (std::int64_t i = 0; i < n; ++i) t.set(i, std::clamp(static_cast<double>(static_cast<float>(rng.normal())), -2.0, 2.0));
      break;
    case Dtype::boolean:
      for (std::int64_t i = 0; i < n; ++i) t.set_int(i, rng.uniform_int(0, 1));
      break;
    case Dtype::int8:
      for (std::int64_t i = 0; i < n; ++i) t.set_int(i, rng.uniform_int(-128, 127));
      break;
    case Dtype::int16:
    case Dtype::int32:
    case Dtype::int64:
      for (std::int64_t i = 0; i < n; ++i) t.set_int(i, rng.uniform_int(-1024, 1023));
      break;
  }
  return t;
}

double default_scalar(const jit::Definition& def, const jit::TensorSpec& spec, const AxisValues& axes,
                      Rng& rng, std::string& note) {
  const std::string& name = spec.name;
  if (name == "sm_scale" || name == "scale") {
    const std::string& d = spec.description;
    for (std::size_t pos = d.find("1/sqrt("); pos != std::string::npos; pos = d.find("1/sqrt(", pos + 1)) {
      const std::size_t open = pos + 6;
      int depth = 0;
      std::size_t close = open;
      for (; close < d.size(); ++close) {
        if (d[close] == '(') ++depth;
        if (d[close] == ')' && --depth == 0) break;
      }
      if (close >= d.size()) break;
      const std::string inner = d.substr(open + 1, close - open - 1);
      if (const auto v = evaluate_axis_expression(inner, axes); v && *v > 0) {
        note = name + " = 1/sqrt(" + inner + ") = 1/sqrt(" + std::to_string(*v) + ") (from its description)";
        return 1.0 / std::sqrt(static_cast<double>(*v));
      }
    }
    if (const auto hd = def.const_value("head_dim")) {
      note = name + " = 1/sqrt(head_dim)";
      return 1.0 / std::sqrt(static_cast<double>(*hd));
    }
  }
  if (name == "eps") {
    note = "eps = 1e-6 (default)";
    return 1e-6;
  }
  if (name == "local_expert_offset") {
    note = "local_expert_offset = 0 (default)";
    return 0.0;
  }
  if (name == "routed_scaling_factor") {
    note = "routed_scaling_factor = 1.0 (default)";
    return 1.0;
  }
  const HostTensor r = random_tensor(spec.dtype, {}, rng);
  note = name + " = random draw (no default known)";
  return r.get(0);
}

Result<InputSet> make_inputs(const jit::Definition& def, const Workload* workload,
                             const AxisValues& cli_axes, const InputOptions& options) {
  InputSet set;
  set.binding = KJIT_TRY(bind_axes(def, workload, cli_axes, options));
  set.notes = set.binding.notes;
  const AxisValues& axes = set.binding.values;
  for (std::size_t k = 0; k < def.inputs.size(); ++k) {
    const jit::TensorSpec& spec = def.inputs[k];
    Rng rng(stream_seed(options.seed, k));
    const WorkloadInput* given = nullptr;
    if (workload) {
      if (const auto it = workload->inputs.find(spec.name); it != workload->inputs.end()) given = &it->second;
    }
    if (spec.is_scalar()) {
      double value;
      if (given && given->kind == WorkloadInput::Kind::scalar) {
        value = given->value;
      } else {
        std::string note;
        value = default_scalar(def, spec, axes, rng, note);
        set.notes.push_back(note);
      }
      set.inputs.emplace_back(spec.name, HostTensor::make_scalar(spec.dtype, value));
      continue;
    }
    if (options.float_tensors == FloatTensors::skip && jit::dtype_is_float(spec.dtype)) continue;
    const auto shape = KJIT_TRY(resolve_shape(spec, axes, def.name));
    if (given && given->kind == WorkloadInput::Kind::safetensors) {
      const auto path = resolve_blob_path(*given, options.blob_root);
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) {
        HostTensor t = KJIT_TRY(read_safetensors_tensor(path, given->tensor_key));
        if (t.shape != shape || t.dtype != spec.dtype) {
          return fail(ErrorCode::invalid_argument,
                      path.string() + ": tensor '" + given->tensor_key + "' is " + t.describe() + " but input '" +
                          spec.name + "' of " + def.name + " needs " + std::string(jit::dtype_name(spec.dtype)) +
                          shape_to_string(shape));
        }
        set.notes.push_back(spec.name + ": loaded from " + path.string());
        set.inputs.emplace_back(spec.name, std::move(t));
        continue;
      }
      set.notes.push_back(spec.name + ": blob " + path.string() + " absent; " +
                          (set.binding.plan && is_index_name(spec.name) ? "built from the axes"
                                                                         : "random instead"));
    }
    if (set.binding.dsa) {
      if (auto t = build_dsa_tensor(*set.binding.dsa, spec.name, spec.dtype, shape, rng)) {
        set.inputs.emplace_back(spec.name, std::move(*t));
        continue;
      }
    }
    if (set.binding.plan && is_index_name(spec.name)) {
      set.inputs.emplace_back(spec.name, *build_index_tensor(*set.binding.plan, spec.name, spec.dtype, shape));
      continue;
    }
    std::string moe_note;
    if (auto made = make_moe_input(def, spec, shape, stream_seed(options.seed, k), moe_note)) {
      set.notes.push_back(moe_note);
      set.inputs.emplace_back(spec.name, std::move(*made));
      continue;
    }
    if (auto made = KJIT_TRY(make_recurrent_input(def, spec, shape, axes, set.binding.seq_lens, options.sequences, rng))) {
      set.inputs.emplace_back(spec.name, std::move(*made));
      continue;
    }
    HostTensor t = random_tensor(spec.dtype, shape, rng);
    if (def.op_type == "sampling" && spec.name == "probs") softmax_last_dim(t);
    if (def.op_type == "rope" && spec.name == "positions") {
      const auto seq = axes.find("max_seq_len");
      const std::int64_t rows = seq != axes.end() ? seq->second : 0;
      for (std::int64_t i = 0; i < t.numel(); ++i) t.set_int(i, rows > 0 ? rng.uniform_int(0, rows - 1) : 0);
    }
    set.inputs.emplace_back(spec.name, std::move(t));
  }
  if (!options.profile.empty()) {
    Rng rng(stream_seed(options.seed, 2000003));
    KJIT_TRY_VOID(apply_input_profile(def, options.profile, set, rng));
  }
  return set;
}

}  // namespace kjit::runtime
