// Trace: evaluation statuses and flashinfer-bench Trace JSON records
// (flashinfer_bench/data/trace.py): one line per (definition, workload):
//   {"definition", "workload": {"uuid", "axes", "inputs"}, "solution",
//    "evaluation": {"status", "environment": {"hardware", "libs"},
//                   "timestamp", "log", "correctness", "performance"}}
// flashinfer-bench's Evaluation validator requires `correctness` and
// `performance` for PASSED, `correctness` only for INCORRECT_NUMERICAL, and
// neither for the other statuses; `to_trace_json` follows that. Non-finite
// errors serialize as the strings "NaN", "Infinity", "-Infinity" (pydantic's
// ser_json_inf_nan="strings", which the Correctness model sets).
//
// Thread safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kjit::runtime {

// Ordered from best to worst for summaries.
enum class EvalStatus {
  passed,
  skipped,  // kjit only (no template / no reference); never written to a trace
  incorrect_numerical,
  incorrect_dtype,
  incorrect_shape,
  compile_error,
  runtime_error,
};

// flashinfer-bench names: "PASSED", "INCORRECT_NUMERICAL", ...; "SKIPPED".
std::string_view to_string(EvalStatus status);
bool is_mismatch(EvalStatus status);

struct TraceRecord {
  std::string definition;
  std::string uuid;
  nlohmann::ordered_json axes = nlohmann::ordered_json::object();    // var axes
  nlohmann::ordered_json inputs = nlohmann::ordered_json::object();  // input specs
  std::string solution;                                              // "kjit:<template>"
  EvalStatus status = EvalStatus::passed;
  double max_absolute_error = 0;
  double max_relative_error = 0;
  nlohmann::ordered_json correctness_extra;  // worst index, mismatches (null: none)
  std::optional<double> latency_ms;
  double reference_latency_ms = 0;
  std::string hardware;
  std::map<std::string, std::string> libs;
  std::string timestamp;  // ISO-8601 UTC
  std::string log;
};

nlohmann::ordered_json to_trace_json(const TraceRecord& record);

// A finite double as a number, a non-finite one as "NaN"/"Infinity"/"-Infinity".
nlohmann::ordered_json json_number(double value);

// Now, as "2026-11-21T23:20:00.123Z".
std::string iso_timestamp_now();

}  // namespace kjit::runtime
