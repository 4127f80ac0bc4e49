// One output writer for every file pokebench writes, and for its standard
// output. Every write error is checked; a failure throws OutputError (the
// CLI turns it into exit 2 with the message), never a silent exit 0.
//
// Files are replaced atomically: the content goes into a temporary file
// next to the target, which is fsynced and renamed over it, then the
// directory is fsynced. A writer killed or failing at any point leaves the
// old file or the new one whole, never part of one. Only regular files are
// replaced: a device node, directory, FIFO or socket at the path is refused
// (renaming over /dev/full would replace the device with a file). A symbolic
// link is followed and the file it names is replaced.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace pokebench::support {

// What could not be written, why (the system's reason) and what to do.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws OutputError unless write_file_atomically(path, ...) can succeed as
// far as can be known now: the target is absent or a regular file, and its
// directory accepts a new file (one is created and removed). For commands
// that measure for minutes before writing: a bad path is said first.
void check_output_path(const std::string& path);

void write_file_atomically(const std::string& path, std::string_view content);

// Writes `content` to standard output through C stdio and flushes it.
void write_stdout(std::string_view content);

// Flushes standard output (C stdio and std::cout) and throws OutputError if
// any write to it failed since the start (a full disk, a closed pipe). The
// reason (errno) is known when this flush fails; a write that failed earlier
// (inside a library that flushes on its own) is reported without it. The CLI
// calls it before it exits.
void flush_stdout();

}  // namespace pokebench::support
