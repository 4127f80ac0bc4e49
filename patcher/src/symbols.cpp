// Names code addresses by the function that contains them, read from the ELF
// symbol table of the module (executable or shared object) the address lies
// in. dladdr() sees only .dynsym, where static and anonymous-namespace
// functions never appear and the executable's functions only with
// -rdynamic; .symtab has them all, so sites are named without relying on
// inlining (a nearest-symbol guess) or on exported symbols. A module whose
// file has no .symtab (stripped) falls back to its .dynsym, then to
// "module+offset".
//
// The module is the one whose PT_LOAD segments hold the address
// (dl_iterate_phdr); its file is /proc/self/exe for the executable (the very
// file that was started, even if it has since been replaced) and the loader's
// path for a shared object. A file whose GNU build-id differs from the loaded
// module's is not the one in memory, and is not used.
#include "internal.hpp"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace pokebench::patcher::detail {
namespace {

// A whole file mapped read-only, with bounds-checked reads.
class MappedFile {
 public:
  explicit MappedFile(const char* path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void* p = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const unsigned char*>(p);
        size_ = static_cast<std::size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<unsigned char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The bytes [off, off + len) when the file has them, else nullptr.
  const unsigned char* at(std::uint64_t off, std::uint64_t len) const {
    return data_ != nullptr && off <= size_ && len <= size_ - off ? data_ + off : nullptr;
  }
  // A copy of the T at `off` (memcpy: the file gives no alignment promise).
  template <class T>
  bool read(std::uint64_t off, T& out) const {
    const unsigned char* p = at(off, sizeof(T));
    if (p != nullptr) std::memcpy(&out, p, sizeof(T));
    return p != nullptr;
  }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

struct FunctionEntry {
  std::uintptr_t start;
  std::size_t size;
  const char* name;  // mangled, inside the mapping
};

// One module's functions, sorted by start; the mapping keeps the names alive.
struct ModuleSymbols {
  std::unique_ptr<MappedFile> file;
  std::vector<FunctionEntry> functions;
};

// The loaded module holding an address.
struct Module {
  std::string name;  // "" for the executable
  std::uintptr_t bias = 0;
  std::string_view build_id;  // from the loaded notes; empty if it has none
};

// The GNU build-id in a block of ELF notes (in memory or in the file).
std::string_view find_build_id(const unsigned char* p, std::size_t len) {
  std::size_t off = 0;
  while (off + sizeof(Elf64_Nhdr) <= len) {
    Elf64_Nhdr n;
    std::memcpy(&n, p + off, sizeof n);
    const std::size_t name_at = off + sizeof n;
    const std::size_t desc_at = name_at + ((n.n_namesz + 3) & ~3u);
    const std::size_t next = desc_at + ((n.n_descsz + 3) & ~3u);
    if (next > len || next <= off) break;
    if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(p + name_at, "GNU", 4) == 0)
      return {reinterpret_cast<const char*>(p + desc_at), n.n_descsz};
    off = next;
  }
  return {};
}

std::optional<Module> module_of(std::uintptr_t addr) {
  struct Search {
    std::uintptr_t addr;
    std::optional<Module> found;
  } search{addr, std::nullopt};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto& s = *static_cast<Search*>(data);
        bool holds = false;
        for (int i = 0; i < info->dlpi_phnum && !holds; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          holds = ph.p_type == PT_LOAD && s.addr >= lo && s.addr - lo < ph.p_memsz;
        }
        if (!holds) return 0;
        Module m;
        m.name = info->dlpi_name != nullptr ? info->dlpi_name : "";
        m.bias = info->dlpi_addr;
        for (int i = 0; i < info->dlpi_phnum && m.build_id.empty(); ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type == PT_NOTE)
            m.build_id =
                find_build_id(reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr), ph.p_memsz);
        }
        s.found = std::move(m);
        return 1;
      },
      &search);
  return search.found;
}

const char* file_of(const Module& m) { return m.name.empty() ? "/proc/self/exe" : m.name.c_str(); }

// True when the file's build-id (if both have one) is the loaded module's.
bool same_build(const MappedFile& f, const Elf64_Ehdr& eh, const Module& m) {
  if (m.build_id.empty()) return true;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!f.read(eh.e_phoff + std::uint64_t{i} * sizeof ph, ph) || ph.p_type != PT_NOTE) continue;
    const unsigned char* notes = f.at(ph.p_offset, ph.p_filesz);
    if (notes == nullptr) continue;
    const std::string_view id = find_build_id(notes, ph.p_filesz);
    if (!id.empty()) return id == m.build_id;
  }
  return true;  // the file has no build-id to compare
}

// The functions of one symbol table section (SHT_SYMTAB or SHT_DYNSYM).
void read_functions(const MappedFile& f, const Elf64_Ehdr& eh, const Elf64_Shdr& tab, std::uintptr_t bias,
                    std::vector<FunctionEntry>& out) {
  Elf64_Shdr strtab;
  if (tab.sh_entsize != sizeof(Elf64_Sym) || tab.sh_link >= eh.e_shnum ||
      !f.read(eh.e_shoff + std::uint64_t{tab.sh_link} * sizeof strtab, strtab) || strtab.sh_type != SHT_STRTAB)
    return;
  const unsigned char* strings = f.at(strtab.sh_offset, strtab.sh_size);
  if (strings == nullptr) return;
  for (std::uint64_t off = 0; off + sizeof(Elf64_Sym) <= tab.sh_size; off += sizeof(Elf64_Sym)) {
    Elf64_Sym sym;
    if (!f.read(tab.sh_offset + off, sym)) return;
    const unsigned type = ELF64_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || sym.st_size == 0) continue;
    if (sym.st_name >= strtab.sh_size) continue;
    const char* name = reinterpret_cast<const char*>(strings + sym.st_name);
    if (std::memchr(name, 0, strtab.sh_size - sym.st_name) == nullptr) continue;  // unterminated
    out.push_back({bias + sym.st_value, sym.st_size, name});
  }
}

std::shared_ptr<const ModuleSymbols> load_symbols(const Module& m) {
  auto syms = std::make_shared<ModuleSymbols>();
  syms->file = std::make_unique<MappedFile>(file_of(m));
  const MappedFile& f = *syms->file;
  Elf64_Ehdr eh;
  if (!f.read(0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || !same_build(f, eh, m))
    return syms;
  // .symtab when there is one: it is a superset of .dynsym.
  std::optional<Elf64_Shdr> symtab, dynsym;
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    if (!f.read(eh.e_shoff + std::uint64_t{i} * sizeof sh, sh)) break;
    if (sh.sh_type == SHT_SYMTAB && !symtab) symtab = sh;
    if (sh.sh_type == SHT_DYNSYM && !dynsym) dynsym = sh;
  }
  if (symtab || dynsym) read_functions(f, eh, symtab ? *symtab : *dynsym, m.bias, syms->functions);
  std::sort(syms->functions.begin(), syms->functions.end(),
            [](const FunctionEntry& a, const FunctionEntry& b) { return a.start < b.start; });
  return syms;
}

// Each module's table, read on first use and kept (modules are never
// unloaded: see the README's limits).
std::shared_ptr<const ModuleSymbols> symbols_of(const Module& m) {
  static std::mutex mutex;
  static auto* cache = new std::map<std::pair<std::uintptr_t, std::string>, std::shared_ptr<const ModuleSymbols>>;
  std::lock_guard lock(mutex);
  auto& slot = (*cache)[{m.bias, m.name}];
  if (!slot) slot = load_symbols(m);
  return slot;
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return out;
}

std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

CodeSymbol symbol_at(std::uintptr_t addr) {
  CodeSymbol s;
  s.addr = addr;
  const std::optional<Module> m = module_of(addr);
  if (!m) return s;
  s.module_offset = addr - m->bias;
  if (m->name.empty()) {
    char path[4096] = {};
    if (readlink("/proc/self/exe", path, sizeof path - 1) > 0) s.module = std::string(basename_of(path));
  } else {
    s.module = std::string(basename_of(m->name));
  }
  const auto syms = symbols_of(*m);
  const auto& fns = syms->functions;
  auto it = std::upper_bound(fns.begin(), fns.end(), addr,
                             [](std::uintptr_t a, const FunctionEntry& e) { return a < e.start; });
  // Aliases share a start; functions do not otherwise overlap.
  while (it != fns.begin()) {
    --it;
    if (addr - it->start < it->size) {
      s.function = it->start;
      s.size = it->size;
      s.name = demangle(it->name);
      break;
    }
    if (it != fns.begin() && std::prev(it)->start != it->start) break;
  }
  return s;
}

std::string symbolize(const CodeSymbol& s) {
  if (s.function != 0) return fmt::format("{}+{:#x}/{:#x}", s.name, s.addr - s.function, s.size);
  if (!s.module.empty()) return fmt::format("{}+{:#x}", s.module, s.module_offset);
  return "?";
}

std::string symbolize(std::uintptr_t addr) { return symbolize(symbol_at(addr)); }

}  // namespace pokebench::patcher::detail
