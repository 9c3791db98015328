// Trace: flashinfer-bench Trace records (see trace.h).
//
// Thread safety: pure functions (gmtime_r).
#include "runtime/trace.h"

#include <chrono>
#include <cmath>
#include <ctime>

namespace kjit::runtime {

std::string_view to_string(EvalStatus status) {
  switch (status) {
    case EvalStatus::passed: return "PASSED";
    case EvalStatus::skipped: return "SKIPPED";
    case EvalStatus::incorrect_numerical: return "INCORRECT_NUMERICAL";
    case EvalStatus::incorrect_dtype: return "INCORRECT_DTYPE";
    case EvalStatus::incorrect_shape: return "INCORRECT_SHAPE";
    case EvalStatus::compile_error: return "COMPILE_ERROR";
    case EvalStatus::runtime_error: return "RUNTIME_ERROR";
  }
  return "RUNTIME_ERROR";
}

bool is_mismatch(EvalStatus status) {
  return status == EvalStatus::incorrect_numerical || status == EvalStatus::incorrect_dtype ||
         status == EvalStatus::incorrect_shape;
}

nlohmann::ordered_json json_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

nlohmann::ordered_json to_trace_json(const TraceRecord& r) {
  nlohmann::ordered_json evaluation;
  evaluation["status"] = to_string(r.status);
  nlohmann::ordered_json libs = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.libs) libs[k] = v;
  evaluation["environment"] = {{"hardware", r.hardware.empty() ? "unknown" : r.hardware}, {"libs", libs}};
  evaluation["timestamp"] = r.timestamp;
  evaluation["log"] = r.log;
  const bool has_correctness = r.status == EvalStatus::passed || r.status == EvalStatus::incorrect_numerical;
  if (has_correctness) {
    nlohmann::ordered_json c{{"max_relative_error", json_number(r.max_relative_error)},
                             {"max_absolute_error", json_number(r.max_absolute_error)}};
    if (!r.correctness_extra.is_null()) c["extra"] = r.correctness_extra;
    evaluation["correctness"] = c;
  } else {
    evaluation["correctness"] = nullptr;
  }
  if (r.status == EvalStatus::passed && r.latency_ms) {
    double speedup = *r.latency_ms > 0 ? r.reference_latency_ms / *r.latency_ms : 0.0;
    evaluation["performance"] = {{"latency_ms", *r.latency_ms},
                                 {"reference_latency_ms", r.reference_latency_ms},
                                 {"speedup_factor", speedup}};
  } else {
    evaluation["performance"] = nullptr;
  }
  nlohmann::ordered_json out;
  out["definition"] = r.definition;
  out["workload"] = {{"uuid", r.uuid}, {"axes", r.axes}, {"inputs", r.inputs}};
  out["solution"] = r.solution;
  out["evaluation"] = evaluation;
  return out;
}

std::string iso_timestamp_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms));
  return out;
}

}  // namespace kjit::runtime
