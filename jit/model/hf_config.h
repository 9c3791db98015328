// HfConfig: typed access to a Hugging Face `config.json`, with errors that
// name the file, the field and what was expected.
//
// Multimodal checkpoints (Gemma 3, Llama 4) keep the language model's fields
// under `text_config`; text() returns that part (or the top level when there
// is none), and its errors name the field as `text_config.hidden_size`.
// Every accessor that reads a field the architecture needs fails when it is
// missing; the few values an architecture defines from others (head_dim =
// hidden_size / num_attention_heads) are computed by the architecture
// readers, which record them (ModelSpec::derived), never guessed here.
//
// Thread safety: immutable after load(); const accessors may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"

namespace kjit::jit {

class HfConfig {
 public:
  // Reads and parses `file` (malformed JSON: parse_error with line:column;
  // not an object: invalid_argument).
  static Result<HfConfig> load(const std::filesystem::path& file);
  // A config from a parsed document; `source` names it in errors.
  static Result<HfConfig> from_json(nlohmann::json doc, std::string source);

  // `model_type` of the top level (`invalid_argument` when missing).
  Result<std::string> model_type() const;
  // The language-model part: `text_config` when present, else this.
  HfConfig text() const;

  bool has(std::string_view field) const;  // present and not null
  // A positive integer (an integral float such as 128.0 is accepted).
  Result<std::int64_t> positive(std::string_view field) const;
  // A non-negative integer.
  Result<std::int64_t> count(std::string_view field) const;
  Result<double> number(std::string_view field) const;
  Result<bool> boolean(std::string_view field) const;
  Result<std::string> string(std::string_view field) const;
  // A list of integers (e.g. `mlp_only_layers`).
  Result<std::vector<std::int64_t>> integers(std::string_view field) const;
  // A list of strings (e.g. `layer_types`).
  Result<std::vector<std::string>> strings(std::string_view field) const;
  // The value at `field` (nullptr when missing), for fields with several forms.
  const nlohmann::json* find(std::string_view field) const;

  // `file: field 'x'` (with the text_config prefix where it applies), for
  // errors raised by the architecture readers.
  std::string where(std::string_view field) const;
  // `invalid_argument`: "<where>: <message>".
  std::unexpected<Error> error(std::string_view field, std::string_view message) const;

  const std::string& source() const { return m_source; }

 private:
  HfConfig(std::shared_ptr<const nlohmann::json> doc, const nlohmann::json* node, std::string source,
           std::string prefix, std::string model_type)
      : m_doc(std::move(doc)), m_node(node), m_source(std::move(source)), m_prefix(std::move(prefix)),
        m_model_type(std::move(model_type)) {}
  Result<const nlohmann::json*> required(std::string_view field) const;

  std::shared_ptr<const nlohmann::json> m_doc;  // owns the document; m_node points into it
  const nlohmann::json* m_node = nullptr;
  std::string m_source;      // file name, for messages
  std::string m_prefix;      // "" or "text_config."
  std::string m_model_type;  // of the top level, for "missing" messages
};

}  // namespace kjit::jit
