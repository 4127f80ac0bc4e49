// Keys with a known number of sites, one translation unit per size, generated
// at build time from patch_sites.cpp.in (see bench/CMakeLists.txt).
#pragma once

#include <pokebench/patcher/static_key.hpp>

#include <cstddef>
#include <span>

namespace pokebench::bench::patch_sites {

struct SiteSet {
  static_key* key;
  std::size_t sites;
  // Executes every site once; returns how many jumped (0 when the key is off).
  unsigned (*run)();
};

// The sets for 1, 4, 16, 64, 256 and 1024 sites, in that order.
std::span<const SiteSet> all();
const SiteSet* find(std::size_t sites);

}  // namespace pokebench::bench::patch_sites
