// `kjit export NAME --out DIR [--arch A]`: writes DIR/NAME.json, a
// self-contained kernel artifact in the flashinfer-bench solution shape:
//   {"name": NAME, "kernel": {"kernel_type": "cuda",
//     "source_code": <the rendered translation unit (device code only)>,
//     "invocation_example": <host C++ (Driver API + NVRTC) that builds
//       realistic inputs, evaluates the launch plan, launches, checks>}}
// Axes come from the first workload of the definition in its dataset
// (<root>/workloads/<op_type>/<name>.jsonl next to <root>/definitions/)
// when there is one, else kjit's defaults (runtime/inputs.h). The file is
// written atomically, read back and parsed, then one line is printed:
//   WROTE DIR/NAME.json size=<bytes> sha256=<hex>
// Exit: 0 ok, 2 a name that is not a valid definition name (names.h), 3
// unknown name / no template, 4 template error, 1 I/O.
//
// NAME becomes a file name: it is checked against the definition-name rule
// before anything else, and the target is checked to lie directly in DIR,
// so `../../escaped` can never write outside DIR. The workload lookup below
// builds a path from the definition's op_type and name, both checked at load.
//
// Thread safety: single-threaded CLI command.
#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jit/definition/names.h"
#include "runtime/inputs.h"
#include "runtime/workload.h"
#include "tools/cli/atomic_write.h"
#include "tools/cli/host_example.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

namespace fs = std::filesystem;

struct Args {
  std::string name;
  std::string out_dir;
  std::string arch;
};

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += k_hex[md[i] >> 4];
    out += k_hex[md[i] & 15];
  }
  return out;
}

// The first workload of `def` in its dataset, if any (and the dataset root).
std::optional<runtime::Workload> first_workload(const jit::Definition& def, fs::path* root) {
  if (def.path.empty()) return std::nullopt;
  *root = def.path.parent_path().parent_path().parent_path();
  if (!jit::is_valid_definition_name(def.op_type) || !jit::is_valid_definition_name(def.name)) return std::nullopt;
  fs::path file = *root / "workloads" / def.op_type / (def.name + ".jsonl");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  auto loaded = runtime::load_workloads(file);
  if (!loaded || loaded->empty()) return std::nullopt;
  return loaded->front();
}

Result<std::string> build_artifact(jit::Jit& jit, const std::string& name, const std::string& arch) {
  const jit::Definition* def = jit.find(name);
  if (!def) return fail(ErrorCode::not_found, "unknown definition '" + name + "': see `kjit list`");
  auto rendered = KJIT_TRY(jit.render(name, arch));
  fs::path root;
  auto workload = first_workload(*def, &root);
  runtime::InputOptions options;
  options.blob_root = root;
  options.float_tensors = runtime::FloatTensors::skip;  // the example draws float data itself
  auto inputs = KJIT_TRY(runtime::make_inputs(*def, workload ? &*workload : nullptr, {}, options));
  HostExampleSpec spec;
  spec.definition = def;
  spec.plan = &rendered.plan;
  spec.arch = arch;
  spec.source = rendered.source;
  spec.inputs = &inputs;
  spec.axes_origin = workload ? "from workload " + (workload->uuid.empty() ? workload->origin() : workload->uuid)
                              : std::string("kjit defaults (no workload found)");
  std::string host = KJIT_TRY(generate_host_example(spec));
  nlohmann::ordered_json doc{
      {"name", name},
      {"kernel", {{"kernel_type", "cuda"}, {"source_code", rendered.source}, {"invocation_example", host}}}};
  return doc.dump(2) + "\n";
}

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.name, "definition name")->required();
  sub.add_option("--out", a.out_dir, "output folder (created if missing)")->required();
  sub.add_option("--arch", a.arch, "target arch for the example, e.g. sm_90a (env KJIT_ARCH)");
}

int run(const Globals& globals, const Args& a) {
  if (auto ok = jit::check_definition_name(a.name); !ok) return report(ok.error());
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::string arch = resolve_arch(globals, a.arch);
  auto text = build_artifact(*jit, a.name, arch);
  if (!text) return report(text.error());
  fs::path target = fs::path(a.out_dir) / (a.name + ".json");
  if (target.filename() != a.name + ".json" || target.filename().string().find('/') != std::string::npos)
    return report(Error{ErrorCode::invalid_argument, "export: '" + jit::printable_name(a.name) +
                                                         "' would not be written directly in " + a.out_dir, ""});
  if (auto w = write_file_atomic(target, *text); !w) return report(w.error());
  // Read back and parse: what we print is what is on disk.
  std::ifstream in(target, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string back = ss.str();
  auto parsed = nlohmann::json::parse(back, nullptr, false);
  if (!in || parsed.is_discarded() || back != *text || parsed.value("name", "") != a.name)
    return report(Error{ErrorCode::io_error, "exported " + target.string() + " does not read back as written", ""});
  std::printf("WROTE %s size=%zu sha256=%s\n", target.string().c_str(), back.size(), sha256_hex(back).c_str());
  return 0;
}

const CommandRegistrar registrar{{"export", "write a self-contained kernel JSON (source + host invocation example)",
                                  args_command(add_options, run), 50}};

}  // namespace
}  // namespace kjit::tools
