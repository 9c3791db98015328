// The served_by hook; see served_by.h.
//
// Thread safety: the function pointer is a std::atomic.
#include "jit/definition/served_by.h"

#include <atomic>

namespace kjit::jit {
namespace {

std::atomic<ServedByFn> g_served_by{nullptr};

}  // namespace

void set_served_by(ServedByFn fn) { g_served_by.store(fn, std::memory_order_release); }

std::string served_by(const Definition& definition) {
  ServedByFn fn = g_served_by.load(std::memory_order_acquire);
  return fn ? fn(definition) : std::string();
}

}  // namespace kjit::jit
