// Tests for workload records, --axes text, and loading every workload file
// of the public dataset.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/workload.h"

namespace kjit::runtime {
namespace {

const std::filesystem::path k_trace = KJIT_SHARED_DIR "/flashinfer-trace";

TEST(WorkloadTest, ParsesAllInputKinds) {
  const char* line =
      R"({"definition": "d", "solution": null, "workload": {"uuid": "u1", "axes": {"batch_size": 3},)"
      R"( "inputs": {"q": {"type": "random"}, "sm_scale": {"type": "scalar", "value": 0.125},)"
      R"( "kv_indptr": {"type": "safetensors", "path": "./blob/x.safetensors", "tensor_key": "kv_indptr"}}}})";
  auto w = parse_workload_line(line, "f.jsonl", 7);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->definition, "d");
  EXPECT_EQ(w->uuid, "u1");
  EXPECT_EQ(w->axes.at("batch_size"), 3);
  EXPECT_EQ(w->inputs.at("q").kind, WorkloadInput::Kind::random);
  EXPECT_EQ(w->inputs.at("sm_scale").value, 0.125);
  EXPECT_EQ(w->inputs.at("kv_indptr").tensor_key, "kv_indptr");
  EXPECT_EQ(resolve_blob_path(w->inputs.at("kv_indptr"), "/root"), "/root/blob/x.safetensors");
  EXPECT_EQ(w->origin(), "f.jsonl:7");
}

TEST(WorkloadTest, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* part;
  } cases[] = {
      {"{", "not valid JSON"},
      {R"({"workload": {}})", "'definition'"},
      {R"({"definition": "d"})", "'workload'"},
      {R"({"definition": "d", "workload": {"axes": {"M": -1}}})", "axis 'M'"},
      {R"({"definition": "d", "workload": {"axes": {"M": 1.5}}})", "axis 'M'"},
      {R"({"definition": "d", "workload": {"inputs": {"x": {"type": "blob"}}}})", "unknown type 'blob'"},
      {R"({"definition": "d", "workload": {"inputs": {"x": {"type": "scalar"}}}})", "numeric 'value'"},
      {R"({"definition": "d", "workload": {"inputs": {"x": {"type": "safetensors"}}}})", "'path'"},
  };
  for (const auto& c : cases) {
    auto w = parse_workload_line(c.text, "w.jsonl", 12);
    ASSERT_FALSE(w.has_value()) << c.text;
    EXPECT_EQ(w.error().message.rfind("w.jsonl:12: ", 0), 0u) << w.error().message;
    EXPECT_NE(w.error().message.find(c.part), std::string::npos) << w.error().message;
  }
}

TEST(WorkloadTest, LoadReportsTheFailingLine) {
  const auto path = std::filesystem::temp_directory_path() / ("kjit-wl-" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    out << R"({"definition": "d", "workload": {"axes": {"M": 1}}})" << "\n\n"
        << R"({"definition": "d", "workload": {"axes": {"M": "x"}}})" << "\n";
  }
  auto w = load_workloads(path);
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message.find(path.string() + ":3:"), std::string::npos) << w.error().message;
  std::filesystem::remove(path);
  EXPECT_EQ(load_workloads(path).error().code, ErrorCode::not_found);
}

TEST(WorkloadTest, AxesText) {
  auto a = parse_axes_text("batch_size=4, total_q = 33,num_pages=100");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->at("batch_size"), 4);
  EXPECT_EQ(a->at("total_q"), 33);
  EXPECT_EQ(a->at("num_pages"), 100);
  EXPECT_TRUE(parse_axes_text("").value().empty());
  const char* bad[] = {"batch_size", "=3", "a=1,,b=2", "a=x", "a=-1", "a=1,a=2", "a=1.5", "a=1,"};
  for (const char* b : bad) {
    auto r = parse_axes_text(b);
    ASSERT_FALSE(r.has_value()) << b;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find("--axes"), std::string::npos);
  }
}

TEST(WorkloadTest, LoadsEveryDatasetWorkload) {
  if (!std::filesystem::exists(k_trace / "workloads")) GTEST_SKIP() << "no dataset at " << k_trace;
  int files = 0, records = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(k_trace / "workloads")) {
    if (e.path().extension() != ".jsonl") continue;
    auto w = load_workloads(e.path());
    ASSERT_TRUE(w.has_value()) << w.error().message;
    ++files;
    records += static_cast<int>(w->size());
    for (const auto& r : *w) EXPECT_EQ(r.definition, e.path().stem().string());
  }
  EXPECT_EQ(files, 26);
  EXPECT_EQ(records, 663);
}

}  // namespace
}  // namespace kjit::runtime
