// JSON -> Value conversion for template contexts, and the context JSON
// parser (see context_json.h and environment.h). The parser is nlohmann's
// iterative SAX parser behind a callback that stops at the nesting limit, so
// a 100k-deep document is rejected without recursion.
//
// Thread safety: pure functions.
#include "jit/template/context_json.h"
#include "jit/util/json_limits.h"

#include <fstream>
#include <sstream>

#include "jit/template/environment.h"
#include "jit/template/template_error.h"

namespace kjit::jit {
namespace detail {

namespace {

template <class J>
Value from_json(const J& j) {
  NestingGuard guard;
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value::none();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX))
        throw_unsupported("context integers beyond 64 bits (" + std::to_string(u) + ")");
      return Value::integer(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return Value::floating(j.template get<double>());
    case nlohmann::json::value_t::string: return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      d->items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d->items.emplace_back(Value::string(it.key()), from_json(it.value()));
      return Value::dict(std::move(d));
    }
    default: throw_unsupported("binary JSON values in a context");
  }
}

template <class J>
std::shared_ptr<Scope> make_scope(const J& context) {
  auto scope = std::make_shared<Scope>();
  if (context.is_object()) {
    scope->vars.reserve(context.size());
    for (auto it = context.begin(); it != context.end(); ++it) {
      // A repeated key (possible in ordered_json) keeps its last value, as
      // Python's json.load does.
      scope->set(it.key(), from_json(it.value()));
    }
  }
  return scope;
}

}  // namespace

std::shared_ptr<Scope> context_scope(const nlohmann::json& context) { return make_scope(context); }
std::shared_ptr<Scope> context_scope(const nlohmann::ordered_json& context) { return make_scope(context); }

}  // namespace detail

namespace {

struct TooDeep {};

}  // namespace

Result<nlohmann::ordered_json> parse_context_json(std::string_view text, std::string_view name) {
  std::string where(name);
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(
        text.begin(), text.end(), [](int depth, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json&) {
          if ((event == nlohmann::ordered_json::parse_event_t::object_start ||
               event == nlohmann::ordered_json::parse_event_t::array_start) &&
              depth >= k_max_context_depth)
            throw TooDeep{};
          return true;
        });
  } catch (const TooDeep&) {
    return fail(ErrorCode::invalid_argument, where + ": unsupported: context JSON nested deeper than " +
                                                 std::to_string(k_max_context_depth) + " levels");
  } catch (const nlohmann::ordered_json::out_of_range& e) {
    return fail(ErrorCode::invalid_argument,
                where + ": a number in the context JSON is out of range (" + std::string(e.what()) + ")");
  } catch (const nlohmann::ordered_json::exception& e) {
    return fail(ErrorCode::invalid_argument, where + ": malformed JSON: " + e.what());
  }
  if (!j.is_object())
    return fail(ErrorCode::invalid_argument,
                where + ": the template context must be a JSON object, got " + std::string(j.type_name()));
  return j;
}

Result<nlohmann::ordered_json> load_context_file(const std::filesystem::path& file) {
  // Outside input: read with the size bound every JSON document gets.
  auto text = read_file_bounded(file);
  if (!text) {
    if (text.error().code == ErrorCode::not_found) return fail(ErrorCode::not_found, "context file not found: " + file.string());
    return std::unexpected(text.error());
  }
  return parse_context_json(*text, file.string());
}

}  // namespace kjit::jit
