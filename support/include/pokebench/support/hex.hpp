// Bytes as the kernel prints code bytes: "0f 1f 44 00 00".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pokebench::support {

std::string hex_bytes(const std::uint8_t* bytes, std::size_t n);

}  // namespace pokebench::support
