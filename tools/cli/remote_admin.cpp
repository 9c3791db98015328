// `kjit cache remote ...`; see remote_admin.h.
#include "tools/cli/remote_admin.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "cache/remote/remote_value.h"
#include "tools/cli/command.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

using cache::remote::RedisServer;
using cache::remote::Reply;
using cache::remote::UseBreaker;
using nlohmann::ordered_json;

constexpr std::size_t k_max_listed = 1000000;  // keys per server, bounding ls / stats on a shared Redis

cache::remote::RedisResult<Reply> admin(RedisServer& s, const std::vector<std::string_view>& args) {
  return s.run(args, UseBreaker::no, false);
}

std::string failure_text(const cache::remote::RedisFailure& f) {
  return std::string(cache::remote::failure_kind_name(f.kind)) + " (" + f.message + ")";
}

// "field:value" lines of INFO into a map.
std::map<std::string, std::string> parse_info(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (auto colon = line.find(':'); colon != std::string::npos && !line.starts_with("#"))
      out[line.substr(0, colon)] = line.substr(colon + 1);
    pos = end + 1;
  }
  return out;
}

// Every kjit value name on `s` (SCAN, bounded).
cache::remote::RedisResult<std::vector<std::string>> scan_values(RedisServer& s) {
  std::vector<std::string> names;
  std::string cursor = "0";
  const std::string match = std::string(cache::remote::k_value_prefix) + "*";
  do {
    auto r = admin(s, {"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!r) return std::unexpected(r.error());
    if (r->type != Reply::Type::array || r->elements.size() != 2 || r->elements[1].type != Reply::Type::array)
      return std::unexpected(cache::remote::RedisFailure{cache::remote::FailureKind::protocol, "unexpected SCAN reply", false});
    cursor = r->elements[0].str;
    for (const auto& e : r->elements[1].elements)
      if (e.type == Reply::Type::string) names.push_back(e.str);
  } while (cursor != "0" && names.size() < k_max_listed);
  return names;
}

long long integer_of(const cache::remote::RedisResult<Reply>& r) {
  return r && r->type == Reply::Type::integer ? r->integer : -1;
}

}  // namespace

int remote_ping(cache::remote::RedisTier& tier, bool json) {
  ordered_json arr = ordered_json::array();
  bool all_ok = true;
  for (const auto& s : tier.servers()) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = admin(*s, {"PING"});
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ordered_json j{{"server", s->spec().display()}, {"ok", bool(r)}, {"ms", ms}};
    if (r) {
      auto role = admin(*s, {"ROLE"});
      if (role && role->type == Reply::Type::array && !role->elements.empty()) j["role"] = role->elements[0].str;
      j["read_only"] = s->spec().read_only;
    } else {
      j["error"] = failure_text(r.error());
      all_ok = false;
    }
    arr.push_back(j);
  }
  if (json) {
    std::printf("%s\n", arr.dump().c_str());
  } else {
    for (const auto& j : arr) {
      if (j["ok"].get<bool>())
        std::printf("%-48s ok  %7.2f ms  %s%s\n", j["server"].get<std::string>().c_str(), j["ms"].get<double>(),
                    j.value("role", std::string("?")).c_str(), j["read_only"].get<bool>() ? " (read-only here)" : "");
      else
        std::printf("%-48s FAILED  %s\n", j["server"].get<std::string>().c_str(), j["error"].get<std::string>().c_str());
    }
  }
  return all_ok ? 0 : 1;
}

int remote_stats(cache::remote::RedisTier& tier, cache::Cache& cache, bool json) {
  ordered_json servers = ordered_json::array();
  bool all_ok = true;
  for (const auto& s : tier.servers()) {
    ordered_json j{{"server", s->spec().display()}};
    auto info = admin(*s, {"INFO"});
    if (!info) {
      j["error"] = failure_text(info.error());
      all_ok = false;
      servers.push_back(j);
      continue;
    }
    auto f = parse_info(info->str);
    auto num = [&](const char* k) -> long long { return f.count(k) ? std::atoll(f[k].c_str()) : 0; };
    j["version"] = f["redis_version"];
    j["used_memory"] = num("used_memory");
    j["maxmemory"] = num("maxmemory");
    j["maxmemory_policy"] = f["maxmemory_policy"];
    j["evicted_keys"] = num("evicted_keys");
    j["expired_keys"] = num("expired_keys");
    j["keyspace_hits"] = num("keyspace_hits");
    j["keyspace_misses"] = num("keyspace_misses");
    auto names = scan_values(*s);
    if (names) {
      long long bytes = 0;
      for (const auto& n : *names) bytes += std::max(0ll, integer_of(admin(*s, {"STRLEN", n})));
      j["values"] = names->size();
      j["value_bytes"] = bytes;
    } else {
      j["error"] = failure_text(names.error());
      all_ok = false;
    }
    servers.push_back(j);
  }
  ordered_json local;
  if (auto st = cache.stats()) {
    for (const cache::CounterInfo& c : cache::k_counters)
      if (std::string_view(c.name).starts_with("remote_")) local[c.name] = (*st)[c.id];
  }
  ordered_json out{{"servers", servers}, {"local", local}};
  if (json) {
    std::printf("%s\n", out.dump().c_str());
    return all_ok ? 0 : 1;
  }
  for (const auto& j : servers) {
    std::printf("%s\n", j["server"].get<std::string>().c_str());
    for (const auto& [k, v] : j.items())
      if (k != "server") std::printf("  %-18s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
  std::printf("this cache (%s)\n", cache.paths().root().string().c_str());
  for (const auto& [k, v] : local.items()) std::printf("  %-22s %s\n", k.c_str(), v.dump().c_str());
  return all_ok ? 0 : 1;
}

int remote_ls(cache::remote::RedisTier& tier, bool json) {
  ordered_json arr = ordered_json::array();
  bool all_ok = true;
  for (const auto& s : tier.servers()) {
    auto names = scan_values(*s);
    if (!names) {
      std::fprintf(stderr, "kjit: remote cache %s: %s\n", s->spec().display().c_str(), failure_text(names.error()).c_str());
      all_ok = false;
      continue;
    }
    for (const auto& n : *names) {
      ordered_json j{{"key", n.substr(cache::remote::k_value_prefix.size())}};
      auto head = admin(*s, {"GETRANGE", n, "0", "4095"});
      std::string definition, arch;
      if (head && head->type == Reply::Type::string) {
        std::size_t need = 0;
        std::string meta = cache::remote::value_metadata(head->str, &need);
        if (meta.empty() && need > head->str.size() && need < (1u << 24)) {
          auto more = admin(*s, {"GETRANGE", n, "0", std::to_string(need - 1)});
          if (more && more->type == Reply::Type::string) meta = cache::remote::value_metadata(more->str, &need);
        }
        auto m = nlohmann::json::parse(meta, nullptr, false);
        if (m.is_object()) {
          definition = m.value("definition", "");
          arch = m.value("arch", "");
        }
      }
      j["definition"] = definition.empty() ? "?" : definition;
      j["arch"] = arch.empty() ? "?" : arch;
      j["bytes"] = integer_of(admin(*s, {"STRLEN", n}));
      long long pttl = integer_of(admin(*s, {"PTTL", n}));
      j["ttl_s"] = pttl < 0 ? pttl : pttl / 1000;
      j["server"] = s->spec().display();
      arr.push_back(j);
    }
  }
  if (json) {
    std::printf("%s\n", arr.dump().c_str());
    return all_ok ? 0 : 1;
  }
  std::printf("%-32s  %-36s %-8s %10s %10s  %s\n", "KEY", "DEFINITION", "ARCH", "BYTES", "TTL (s)", "SERVER");
  for (const auto& j : arr)
    std::printf("%-32s  %-36s %-8s %10lld %10lld  %s\n", j["key"].get<std::string>().c_str(),
                j["definition"].get<std::string>().c_str(), j["arch"].get<std::string>().c_str(),
                j["bytes"].get<long long>(), j["ttl_s"].get<long long>(), j["server"].get<std::string>().c_str());
  std::printf("%zu values\n", arr.size());
  return all_ok ? 0 : 1;
}

}  // namespace kjit::tools
