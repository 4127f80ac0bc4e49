// The writer: whole files or nothing, even under SIGKILL; device nodes and
// other non-regular targets refused and left alone; a full filesystem and a
// full standard output are errors, never a silent success.
#include <pokebench/support/input.hpp>
#include <pokebench/support/output.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace ps = pokebench::support;

namespace {

class Output : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "pokebench-output-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ps::OutputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(Output, ReplacesARegularFileWholeAndLeavesNoTemporaryFile) {
  const std::string f = path("out.json");
  ps::write_file_atomically(f, "old\n");
  ps::write_file_atomically(f, "new content\n");
  EXPECT_EQ(ps::read_file(f), "new content\n");
  struct stat st {};
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(Output, RefusesADeviceNodeAndLeavesItADevice) {
  struct stat st {};
  if (stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode)) GTEST_SKIP() << "no /dev/full character device here";
  const std::string m = message_of([] { ps::write_file_atomically("/dev/full", "x"); });
  EXPECT_NE(m.find("refusing to write '/dev/full': it is a character device"), std::string::npos) << m;
  EXPECT_NE(message_of([] { ps::check_output_path("/dev/full"); }), "");
  ASSERT_EQ(stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced";
}

TEST_F(Output, RefusesADirectoryAndAFifo) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(message_of([&] { ps::write_file_atomically(fifo, "x"); }).find("it is a FIFO"), std::string::npos);
  EXPECT_NE(message_of([&] { ps::write_file_atomically(dir_.string(), "x"); }).find("it is a directory"),
            std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(Output, FollowsASymbolicLinkAndKeepsIt) {
  const std::string real = path("real.txt"), link = path("link.txt");
  ps::write_file_atomically(real, "old");
  fs::create_symlink(real, link);
  ps::write_file_atomically(link, "new");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(ps::read_file(real), "new");
}

TEST_F(Output, CheckOutputPathRefusesAMissingDirectoryAndTouchesNothing) {
  const std::string m = message_of([&] { ps::check_output_path(path("no/such/dir/out.json")); });
  EXPECT_NE(m.find("cannot create a temporary file next to"), std::string::npos) << m;
  const std::string f = path("keep.txt");
  ps::write_file_atomically(f, "keep");
  ps::check_output_path(f);
  ps::check_output_path(path("absent.txt"));
  EXPECT_EQ(ps::read_file(f), "keep");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(Output, AFullFilesystemIsAnErrorAndThePreviousFileSurvives) {
  const fs::path mnt = dir_ / "mnt";
  fs::create_directory(mnt);
  if (mount("pokebench-test", mnt.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                 << "): needs root with CAP_SYS_ADMIN outside a restricted container";
  const std::string f = (mnt / "result.json").string();
  ps::write_file_atomically(f, "previous\n");
  const std::string m = message_of([&] { ps::write_file_atomically(f, std::string(1 << 20, 'z')); });
  EXPECT_NE(m.find("No space left on device"), std::string::npos) << m;
  EXPECT_EQ(ps::read_file(f), "previous\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(mnt), fs::directory_iterator()), 1) << "temporary file left";
  umount2(mnt.c_str(), MNT_DETACH);
}

// Kills a child that writes `f` over and over with `write_one` at random
// moments within one write's duration; returns how many kills left `f`
// neither the old nor a new content, whole.
template <class Writer>
int torn_after_kills(const std::string& f, const std::string& a, const std::string& b, Writer write_one, int rounds) {
  ps::write_file_atomically(f, a);
  const auto t0 = std::chrono::steady_clock::now();
  write_one(f, b);
  const auto once = std::chrono::steady_clock::now() - t0;
  ps::write_file_atomically(f, a);
  std::mt19937 rng(42);
  int torn = 0;
  for (int r = 0; r < rounds; ++r) {
    const pid_t pid = fork();
    if (pid == 0) {
      for (;;) {
        write_one(f, b);
        write_one(f, a);
      }
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(once).count();
    usleep(static_cast<useconds_t>(std::uniform_int_distribution<long>(0, us)(rng) + 200));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    const std::string now = ps::read_file(f);
    if (now != a && now != b) ++torn;
  }
  return torn;
}

TEST_F(Output, AKilledWriterLeavesTheOldFileOrTheNewOneWhole) {
  const std::string a(2 << 20, 'a'), b(2 << 20, 'b');
  const int torn = torn_after_kills(
      path("victim.bin"), a, b, [](const std::string& f, const std::string& c) { ps::write_file_atomically(f, c); },
      20);
  EXPECT_EQ(torn, 0);
}

// Negative control: the same kills on a write in place (truncate, then
// write in pieces) do leave torn files, so the check above can fail.
TEST_F(Output, AKilledInPlaceWriterLeavesATornFile) {
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  const auto in_place = [](const std::string& f, const std::string& c) {
    const int fd = open(f.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
    for (std::size_t off = 0; off < c.size(); off += 64 << 10) {
      if (write(fd, c.data() + off, 64 << 10) < 0) break;
      usleep(500);
    }
    close(fd);
  };
  EXPECT_GT(torn_after_kills(path("victim.bin"), a, b, in_place, 10), 0);
}

// In a child: standard output on `device`, a line printed, flush_stdout().
// Exit 0 when it succeeded, 3 when it threw naming the reason, 1 otherwise.
int flush_to(const char* device) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(device, O_WRONLY);
    if (fd < 0) _exit(1);
    dup2(fd, STDOUT_FILENO);
    std::printf("a line that cannot be written\n");
    try {
      ps::flush_stdout();
    } catch (const ps::OutputError& e) {
      _exit(std::strstr(e.what(), "cannot write standard output: No space left on device") ? 3 : 1);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(StandardOutput, AFullDeviceIsAnErrorAndNullIsNot) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full here";
  EXPECT_EQ(flush_to("/dev/full"), 3);
  EXPECT_EQ(flush_to("/dev/null"), 0);
}

}  // namespace
