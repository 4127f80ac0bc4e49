#include "patch_sites.hpp"

#include <array>

namespace pokebench::bench::patch_sites {

// Defined in the generated patch_sites_<N>.cpp (bench/CMakeLists.txt keeps
// the same list).
extern const SiteSet set_1, set_4, set_16, set_64, set_256, set_1024;

std::span<const SiteSet> all() {
  static const std::array<SiteSet, 6> sets{set_1, set_4, set_16, set_64, set_256, set_1024};
  return sets;
}

const SiteSet* find(std::size_t sites) {
  for (const auto& s : all())
    if (s.sites == sites) return &s;
  return nullptr;
}

}  // namespace pokebench::bench::patch_sites
