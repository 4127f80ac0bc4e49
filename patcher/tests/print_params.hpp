// gtest prints the patcher's enums by name ("mprotect", "emulate-new",
// "batched") in test names' parameters and failure messages, instead of
// "4-byte object <00-00 00-00>". Found by argument-dependent lookup.
#pragma once

#include <pokebench/patcher/patcher.hpp>

#include <ostream>

namespace pokebench::patcher {

inline void PrintTo(Backend v, std::ostream* os) { *os << to_string(v); }
inline void PrintTo(Int3Policy v, std::ostream* os) { *os << to_string(v); }
inline void PrintTo(ApplyMode v, std::ostream* os) { *os << to_string(v); }

}  // namespace pokebench::patcher
