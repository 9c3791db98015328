// kjit_build_identity: see build_identity.h.
#include "jit/api/build_identity.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>

#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {

struct Search {
  std::uintptr_t address = 0;  // an address inside this object's code
  std::string build_id;        // hex, when found
};

int visit(dl_phdr_info* info, std::size_t, void* data) {
  auto* search = static_cast<Search*>(data);
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (search->address >= start && search->address < start + ph.p_memsz) contains = true;
  }
  if (!contains) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const auto* p = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
    const auto* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const auto* name = p + sizeof(ElfW(Nhdr));
      const auto* desc = name + ((note->n_namesz + 3) & ~3u);
      if (desc + note->n_descsz > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        static const char* k_hex = "0123456789abcdef";
        for (std::uint32_t b = 0; b < note->n_descsz; ++b) {
          search->build_id += k_hex[desc[b] >> 4];
          search->build_id += k_hex[desc[b] & 15];
        }
        return 1;
      }
      p = desc + ((note->n_descsz + 3) & ~3u);
    }
  }
  return 1;  // the object, without a build ID
}

std::string compute() {
  Search search;
  search.address = reinterpret_cast<std::uintptr_t>(&compute);
  dl_iterate_phdr(&visit, &search);
  if (!search.build_id.empty()) return "build-id " + search.build_id;
  Dl_info info{};
  struct stat st {};
  if (dladdr(reinterpret_cast<void*>(&compute), &info) == 0 || !info.dli_fname) return {};
  const char* file = info.dli_fname;
  if (*file == '\0') file = "/proc/self/exe";
  if (::stat(file, &st) != 0) return {};
  return str_cat("file ", file, " ", st.st_size, " ", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, " ", st.st_ctim.tv_sec,
                 ".", st.st_ctim.tv_nsec, " ", st.st_ino);
}

}  // namespace

const std::string& kjit_build_identity() {
  static const std::string identity = compute();
  return identity;
}

std::string kjit_build_short() {
  const std::string& id = kjit_build_identity();
  if (id.starts_with("build-id ")) return id.substr(9, 12);
  return "unknown";
}

}  // namespace kjit::jit
