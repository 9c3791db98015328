// Codegen: definition + arch → the specialized translation unit and its
// launch plan, rendered from the template that serves the definition; and
// the mapping of NVRTC diagnostics back onto template lines.
//
// Thread safety: render_kernel is safe to call concurrently (the registry is
// immutable, the Environment thread-safe).
#pragma once

#include <string>
#include <vector>

#include "jit/codegen/launch_plan.h"
#include "jit/codegen/template_registry.h"
#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "jit/template/environment.h"

namespace kjit::jit {

struct RenderedKernel {
  const TemplateManifest* manifest = nullptr;
  std::string source_name;                    // "<definition>.cu", the name NVRTC reports
  std::string source;                         // the whole NVRTC input
  std::vector<SourceLocation> line_map;       // rendered line i+1 → template file:line
  std::vector<TemplateDependency> dependencies;  // source, plan and every include
  LaunchPlan plan;
  std::vector<std::string> entries;           // distinct launch entries (NVRTC name expressions)
};

// Renders `def` for `arch`. Errors: no_template (exit 3), render_error /
// parse_error at template file:line:col (exit 4), invalid_argument for a
// plan that is not valid JSON or not a valid plan.
Result<RenderedKernel> render_kernel(const Definition& def, const std::string& arch, const TemplateRegistry& registry,
                                     const Environment& env);

// Rewrites NVRTC diagnostics `<source_name>(N): error: msg` as
// `<template file>:<line>: error: msg (rendered line N)`, keeping NVRTC's
// source line and caret below each. Lines that are not diagnostics pass through.
std::string map_compile_log(const std::string& log, const RenderedKernel& kernel);

// The first mapped diagnostic line of `log` (for one-line error messages),
// or "" when there is none.
std::string first_mapped_error(const std::string& log, const RenderedKernel& kernel);

}  // namespace kjit::jit
