// Reading a file whole, the one way every component does it.
#pragma once

#include <filesystem>
#include <string>

namespace pokebench::support {

// The bytes of the file at `path`; "" when it cannot be opened.
std::string read_file(const std::filesystem::path& path);

}  // namespace pokebench::support
