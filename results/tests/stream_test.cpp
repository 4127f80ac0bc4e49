// Reading a huge document streams (document_stream.cpp): peak memory follows
// the samples kept, not the text. Each reader runs in a child process of its
// own, so ru_maxrss is that reader's peak; the bound is checked against a
// child doing nothing (the parent's pages it inherits), and the negative
// control reads the same file the old way (the text, then a parse tree) to
// show that the bound is one an all-in-memory parse exceeds.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pokebench::results {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRows = 15'000;
constexpr std::size_t kLabelBytes = 1000;  // dropped by the reader: a label is no counter

// A Google Benchmark-shaped document written a row at a time (never whole in
// memory here either): kRows rows of ~1.2 kB, 18 MB.
fs::path write_huge_document(std::size_t rows) {
  const fs::path path = fs::temp_directory_path() / ("pokebench-huge-" + std::to_string(::getpid()) + ".json");
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return {};
  const std::string label(kLabelBytes, 'x');
  std::fputs("{\"context\": {\"date\": \"2026-12-02T03:00:00+00:00\"}, \"benchmarks\": [\n", f);
  for (std::size_t i = 0; i < rows; ++i)
    std::fprintf(f,
                 "%s{\"name\": \"loop/v%zu/on\", \"run_name\": \"loop/v%zu/on\", \"run_type\": \"iteration\", "
                 "\"repetition_index\": 0, \"iterations\": 1000, \"real_time\": %zu.5, \"cpu_time\": 1.0, "
                 "\"time_unit\": \"ns\", \"cycles_per_iter\": 3.25, \"max_retries\": NaN, \"label\": \"%s\"}\n",
                 i ? "," : "", i % 100'000, i % 100'000, i, label.c_str());
  std::fputs("]}\n", f);
  std::fclose(f);
  return path;
}

struct ChildRun {
  long maxrss_kb = -1;
  long result = -1;  // what the child's work returned
};

// Runs `work` in a child process; its peak RSS and result come back by pipe.
ChildRun in_child(const std::function<long()>& work) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    long out[2] = {-1, -1};
    try {
      out[1] = work();
    } catch (...) {
      out[1] = -2;
    }
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    out[0] = u.ru_maxrss;
    (void)!::write(fds[1], out, sizeof out);
    ::_exit(0);
  }
  ::close(fds[1]);
  long in[2] = {-1, -1};
  (void)!::read(fds[0], in, sizeof in);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {in[0], in[1]};
}

// Peak RSS a streamed read of an 18 MB document may add to the process: the
// 15,000 samples and their names are about 5 MB. The whole text alone is
// 18 MB, twice over once its NaNs are replaced.
constexpr long kBoundKb = 16 * 1024;
// What storing may add on top: SQLite's page cache (2 MB by default), its
// statements, one row's text at a time.
constexpr long kStoreBoundKb = 6 * 1024;

// Peak RSS says nothing under AddressSanitizer: its shadow memory and the
// quarantine that keeps freed blocks from reuse grow with every allocation.
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() GTEST_SKIP() << "peak RSS is not the program's own under AddressSanitizer (dev build runs it)"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif

TEST(StreamedRead, HugeDocumentIsReadInBoundedMemory) {
  SKIP_UNDER_ASAN();
  const fs::path path = write_huge_document(kRows);
  ASSERT_FALSE(path.empty());
  const auto size_mb = static_cast<double>(fs::file_size(path)) / 1e6;
  const ChildRun idle = in_child([] { return 0L; });
  const ChildRun streamed =
      in_child([&] { return static_cast<long>(read_result_file(path.string(), ReadLimits{}).samples.size()); });
  // The old way: the whole text, then the whole parse tree.
  const ChildRun whole = in_child([&] {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    for (std::size_t p; (p = s.find("NaN")) != std::string::npos;) s.replace(p, 3, "null");
    return static_cast<long>(nlohmann::json::parse(s)["benchmarks"].size());
  });
  fs::remove(path);
  ASSERT_GT(idle.maxrss_kb, 0);
  EXPECT_EQ(streamed.result, static_cast<long>(kRows)) << "every row read";
  EXPECT_EQ(whole.result, static_cast<long>(kRows));
  const long streamed_kb = streamed.maxrss_kb - idle.maxrss_kb;
  const long whole_kb = whole.maxrss_kb - idle.maxrss_kb;
  std::printf("%.0f MB document, %zu rows: streamed read +%ld kB peak RSS, whole-text parse +%ld kB (bound %ld kB)\n",
              size_mb, kRows, streamed_kb, whole_kb, kBoundKb);
  EXPECT_LT(streamed_kb, kBoundKb);
  EXPECT_GT(whole_kb, kBoundKb) << "negative control: the bound must be one an all-in-memory parse exceeds";
}

// Storing a run adds little to the read: its identity (content_id) hashes the
// compact text a row at a time, and its context is written alone. The
// negative control is what storing did before: the whole run as a JSON tree
// and as one string.
TEST(StreamedRead, StoringAHugeRunAddsLittleToTheRead) {
  SKIP_UNDER_ASAN();
  const fs::path path = write_huge_document(kRows);
  ASSERT_FALSE(path.empty());
  const fs::path db = fs::temp_directory_path() / ("pokebench-huge-" + std::to_string(::getpid()) + ".db");
  const ChildRun read = in_child([&] { return static_cast<long>(read_result_file(path.string()).samples.size()); });
  const ChildRun stored = in_child([&] {
    const ResultDocument doc = read_result_file(path.string());
    History h(db.string(), History::Mode::create);
    return static_cast<long>(h.add(doc, path.string()));
  });
  const ChildRun whole = in_child([&] {
    const ResultDocument doc = read_result_file(path.string());
    return static_cast<long>(to_json(doc).dump().size() + to_json(doc)["context"].dump().size());
  });
  long samples_stored = -1;
  {
    const History h(db.string(), History::Mode::read_only);
    if (const auto s = h.summary(1)) samples_stored = s->samples;
  }
  fs::remove(path);
  fs::remove(db);
  EXPECT_EQ(read.result, static_cast<long>(kRows));
  EXPECT_EQ(stored.result, 1) << "run 1 stored";
  EXPECT_EQ(samples_stored, static_cast<long>(kRows));
  EXPECT_GT(whole.result, 0);
  const long added_kb = stored.maxrss_kb - read.maxrss_kb;
  const long whole_kb = whole.maxrss_kb - read.maxrss_kb;
  std::printf("%zu rows: storing adds +%ld kB peak RSS to the read, the whole tree and text +%ld kB (bound %ld kB)\n",
              kRows, added_kb, whole_kb, kStoreBoundKb);
  EXPECT_LT(added_kb, kStoreBoundKb);
  EXPECT_GT(whole_kb, kStoreBoundKb) << "negative control: the bound must be one the whole tree exceeds";
}

TEST(StreamedRead, DocumentOverTheRowLimitIsRefusedSayingHowToRaiseIt) {
  const fs::path path = write_huge_document(11);
  ASSERT_FALSE(path.empty());
  ReadLimits limits;
  limits.max_rows = 10;
  try {
    (void)read_result_file(path.string(), limits);
    ADD_FAILURE() << "11 rows read under a limit of 10";
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "/benchmarks/10");
    EXPECT_NE(e.problem().find("more than 10 benchmark rows"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("POKEBENCH_MAX_DOCUMENT_ROWS=N"), std::string::npos) << e.what();
  }
  limits.max_rows = 11;
  EXPECT_EQ(read_result_file(path.string(), limits).samples.size(), 11u);
  limits.max_string_bytes = kLabelBytes - 1;
  EXPECT_THROW((void)read_result_file(path.string(), limits), InputError);
  fs::remove(path);
}

// The streamed parse keeps the whole-text parse's messages.
TEST(StreamedRead, ErrorsNameTheOriginalLineAndColumn) {
  // Rows are read as the parse reaches them: the first is whole and valid.
  const std::string text =
      "{\"context\": {}, \"benchmarks\": [\n {\"name\": \"a\", \"time_unit\": \"ns\", \"real_time\": 1, "
      "\"cpu_time\": 1, \"c\": NaN, \"d\": -Infinity},\n {\"x\": ]}";
  try {
    (void)parse_result_json(text, "t.json");
    ADD_FAILURE() << "malformed JSON read";
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "line 3, column 8") << e.what();
    EXPECT_NE(e.problem().find("malformed JSON: syntax error"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)parse_result_json("[1, 2]", "t.json"), InputError);
  try {
    (void)parse_result_json("{\"benchmarks\": {}}", "t.json");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "/benchmarks") << e.what();
  }
}

}  // namespace
}  // namespace pokebench::results
