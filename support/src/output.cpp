#include <pokebench/support/output.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace pokebench::support {
namespace {

namespace fs = std::filesystem;

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// "<what> '<path>': <the system's reason>; <fix>"
[[noreturn]] void fail(std::string_view what, const std::string& path, int err, std::string_view fix) {
  throw OutputError(fmt::format("{} '{}': {}; {}", what, path, std::strerror(err), fix));
}

// The file to replace: `path`, or what its symbolic link names. Refuses an
// existing target that is not a regular file.
fs::path resolve_target(const std::string& path) {
  if (path.empty()) throw OutputError("an empty output path; name the file to write");
  fs::path target(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return target;
    fail("cannot inspect the output", path, errno, "choose another path");
  }
  if (S_ISLNK(st.st_mode)) {
    if (::stat(path.c_str(), &st) != 0)
      fail("the output is a symbolic link to nothing usable", path, errno, "remove the link or choose another path");
    std::error_code ec;
    target = fs::canonical(target, ec);
    if (ec) fail("cannot resolve the symbolic link", path, ec.value(), "choose another path");
  }
  if (!S_ISREG(st.st_mode))
    throw OutputError(
        fmt::format("refusing to write '{}': it is {}, and only a regular file is replaced; write to "
                    "a regular file's path instead",
                    path, kind_of(st.st_mode)));
  return target;
}

fs::path directory_of(const fs::path& target) {
  fs::path dir = target.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// A new, empty temporary file next to `target` (mode 0600 until chmod).
int make_temp(const fs::path& target, std::string& temp) {
  temp = (directory_of(target) / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0)
    fail("cannot create a temporary file next to", target.string(), errno,
         "check that the directory exists and is writable");
  return fd;
}

void write_all(int fd, std::string_view content, const std::string& path, const std::string& temp) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write the new content of", path, errno,
           fmt::format("free space there or write elsewhere (the previous file is untouched; the partial one, {}, "
                       "is removed)",
                       temp));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void check_output_path(const std::string& path) {
  const fs::path target = resolve_target(path);
  std::string temp;
  const int fd = make_temp(target, temp);
  ::close(fd);
  ::unlink(temp.c_str());
}

void write_file_atomically(const std::string& path, std::string_view content) {
  const fs::path target = resolve_target(path);
  std::string temp;
  const int fd = make_temp(target, temp);
  try {
    write_all(fd, content, path, temp);
    // mkstemp creates 0600; an output is meant to be shared like any other file.
    if (::fchmod(fd, 0644) != 0) fail("cannot chmod", temp, errno, "check the filesystem");
    // Data blocks can be allocated (and fail) as late as fsync or close.
    if (::fsync(fd) != 0) fail("cannot fsync the new content of", path, errno, "free space there or write elsewhere");
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    fail("cannot close the new content of", path, saved, "free space there or write elsewhere");
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    fail("cannot rename the temporary file onto", path, saved, "check the directory's permissions");
  }
  // The rename itself survives a crash once the directory is on disk.
  const int dfd = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: some filesystems refuse fsync on a directory
    ::close(dfd);
  }
}

void write_stdout(std::string_view content) {
  if (!content.empty() && std::fwrite(content.data(), 1, content.size(), stdout) != content.size()) {
    const int err = errno;
    std::clearerr(stdout);
    throw OutputError(
        fmt::format("cannot write standard output: {}; free space where it goes or redirect it", std::strerror(err)));
  }
  flush_stdout();
}

void flush_stdout() {
  // C stdio first: std::cout (synchronised with stdio) writes through it, and
  // a failed fflush discards the buffer, so only the first one knows why.
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int err = errno;
  std::cout.flush();
  if (flushed && !std::ferror(stdout) && std::cout.good()) return;
  std::clearerr(stdout);
  std::cout.clear();
  throw OutputError(fmt::format("cannot write standard output: {}; free space where it goes or redirect it",
                                err != 0 ? std::strerror(err) : "an earlier write failed, the output is incomplete"));
}

}  // namespace pokebench::support
