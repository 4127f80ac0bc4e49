// Atomic replacement of a file: write a sibling temp file, fsync it, rename it
// over the target, fsync the directory so the rename itself survives a crash.
#include <pokebench/results/document_io.hpp>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pokebench::results {

namespace {

[[noreturn]] void fail_io(const std::string& what, const std::string& path) {
  throw EnvironmentError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

void write_all(int fd, const std::string& content, const std::string& path) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("cannot write", path);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

} // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string temp = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail_io("cannot create a temporary file next to", path);
  try {
    write_all(fd, content, temp);
    // mkstemp creates 0600; a result file is meant to be shared like any other output.
    if (::fchmod(fd, 0644) != 0) fail_io("cannot chmod", temp);
    if (::fsync(fd) != 0) fail_io("cannot fsync", temp);
    if (::close(fd) != 0) {
      ::unlink(temp.c_str());
      fail_io("cannot close", temp);
    }
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail_io("cannot rename the temporary file onto", path);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: some filesystems refuse fsync on directories
    ::close(dfd);
  }
}

} // namespace pokebench::results
