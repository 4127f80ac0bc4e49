// The sink: every severity's prefix, capture and restore, the default sink
// and the raw path really reach file descriptor 2.
#include <pokebench/support/diagnostics.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace ps = pokebench::support;

namespace {

// Runs `fn` with file descriptor 2 pointing at a temporary file; returns what
// was written there.
template <class Fn>
std::string stderr_of(Fn fn) {
  char path[] = "/tmp/pokebench-support-stderr-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  const int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string out;
  char buf[8192];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  unlink(path);
  return out;
}

TEST(Diagnostics, EverySeverityHasItsPrefix) {
  EXPECT_EQ(ps::format_line(ps::Severity::note, "n"), "pokebench: note: n");
  EXPECT_EQ(ps::format_line(ps::Severity::warning, "w"), "pokebench: warning: w");
  EXPECT_EQ(ps::format_line(ps::Severity::error, "e"), "pokebench: error: e");
  EXPECT_EQ(ps::format_line(ps::Severity::fatal, "f"), "pokebench: fatal: f");
}

TEST(Diagnostics, CaptureReceivesEveryMessageAndNothingReachesStderr) {
  std::string text;
  const std::string leaked = stderr_of([&] {
    ps::CapturedDiagnostics captured;
    ps::warning("{} of {} rows", 1, 2);
    ps::error("cannot {}", "write");
    ps::report(ps::Severity::note, "plain");
    const auto m = captured.messages();
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0].severity, ps::Severity::warning);
    EXPECT_EQ(m[0].text, "1 of 2 rows");
    EXPECT_EQ(m[1].severity, ps::Severity::error);
    EXPECT_EQ(m[2].severity, ps::Severity::note);
    text = captured.text();
  });
  EXPECT_EQ(text, "pokebench: warning: 1 of 2 rows\npokebench: error: cannot write\npokebench: note: plain\n");
  EXPECT_EQ(leaked, "");
}

TEST(Diagnostics, NestedCapturesRestoreTheOuterOneThenTheDefault) {
  const std::string leaked = stderr_of([] {
    ps::CapturedDiagnostics outer;
    {
      ps::CapturedDiagnostics inner;
      ps::warning("inner");
      EXPECT_EQ(inner.messages().size(), 1u);
    }
    ps::warning("outer");
    ASSERT_EQ(outer.messages().size(), 1u);
    EXPECT_EQ(outer.messages()[0].text, "outer");
  });
  EXPECT_EQ(leaked, "");
  // With no capture left, the default sink writes to standard error again.
  EXPECT_EQ(stderr_of([] { ps::warning("after"); }), "pokebench: warning: after\n");
}

TEST(Diagnostics, DefaultSinkWritesWholeLinesFromManyThreads) {
  const std::string out = stderr_of([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([t] {
        for (int i = 0; i < 200; ++i) ps::warning("thread {} line {} {}", t, i, std::string(100, 'x'));
      });
    for (auto& th : threads) th.join();
  });
  std::size_t lines = 0, pos = 0;
  for (std::size_t nl; (nl = out.find('\n', pos)) != std::string::npos; pos = nl + 1, ++lines)
    ASSERT_EQ(out.compare(pos, 20, "pokebench: warning: "), 0) << "line " << lines << " torn: " << out.substr(pos, 80);
  EXPECT_EQ(lines, 800u);
  EXPECT_EQ(pos, out.size());
}

TEST(Diagnostics, RawReportBypassesTheSinkAndCutsLongLines) {
  std::size_t captured_count = 1;
  const std::string out = stderr_of([&] {
    ps::CapturedDiagnostics captured;
    ps::raw_report(ps::Severity::error, {"trial child: ", "boom"});
    ps::raw_report(ps::Severity::fatal, {std::string(10000, 'y')});
    captured_count = captured.messages().size();
  });
  EXPECT_EQ(captured_count, 0u);
  EXPECT_EQ(out.rfind("pokebench: error: trial child: boom\npokebench: fatal: yyy", 0), 0u) << out.substr(0, 80);
  EXPECT_LE(out.size(), 36u + 4096u);
  EXPECT_EQ(out.substr(out.size() - 4), "...\n");
}

}  // namespace
