// Storage for the `kjit render NAME` hook (see render_hook.h).
//
// Thread safety: an atomic pointer.
#include "jit/template/render_hook.h"

#include <atomic>

namespace kjit::jit {
namespace {
std::atomic<RenderByNameFn> g_render_by_name{nullptr};
}

void set_render_by_name(RenderByNameFn fn) { g_render_by_name.store(fn, std::memory_order_release); }

RenderByNameFn render_by_name() { return g_render_by_name.load(std::memory_order_acquire); }

}  // namespace kjit::jit
