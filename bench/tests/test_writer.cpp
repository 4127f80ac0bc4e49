// The writer benchmarks' correctness (bench/src/bench_writer.cpp and
// bench_neighbours.cpp): under
// every writer period a fix's validated reads are never torn, and the
// oracle that says so fires on the broken seqcount reader. Bounded in time;
// what is asserted does not depend on timing: "0 torn for every checked
// read", "> 0 torn at back to back within the bound". The reads run the
// benchmarks' own code (run_checked) against their own writer.
#include <pokebench/bench/loops.hpp>
#include <pokebench/bench/neighbours.hpp>
#include <pokebench/bench/writer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace pb = pokebench::bench;
using std::chrono::nanoseconds;

namespace {

// Pins the test thread to one CPU and gives it back on exit.
class Pin {
 public:
  explicit Pin(int cpu) {
    pthread_getaffinity_np(pthread_self(), sizeof old_, &old_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
  }
  ~Pin() { pthread_setaffinity_np(pthread_self(), sizeof old_, &old_); }

 private:
  cpu_set_t old_{};
};

int other_cpu(int busy) {
  cpu_set_t set;
  sched_getaffinity(0, sizeof set, &set);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set) && c != busy) return c;
  return busy;
}

struct Bound {
  std::uint64_t min_reads;
  std::uint64_t min_writes;
  std::chrono::milliseconds max_time;
  bool stop_at_torn = false;
};

struct Outcome {
  pb::ReadTally tally;
  std::uint64_t writes = 0;
};

// Reads with the variant's key enabled while a writer updates the data every
// `period`, until both minimums are reached (or a torn read, if asked), or
// the time bound.
Outcome read_under_writer(const pb::LoopVariant& v, nanoseconds period, Bound b) {
  pb::MemsAllowedOneLine data;
  v.set_checked_enabled(true);
  Outcome o;
  {
    pb::MemsAllowedWriter writer(data.ref(), period);
    Pin pin(other_cpu(writer.host_cpu()));
    const std::uint64_t w0 = writer.writes();
    const auto end = std::chrono::steady_clock::now() + b.max_time;
    while (std::chrono::steady_clock::now() < end) {
      v.run_checked(data.ref(), 4096, o.tally);
      o.writes = writer.writes() - w0;
      if (b.stop_at_torn && o.tally.torn_checked > 0) break;
      if (o.tally.reads >= b.min_reads && o.writes >= b.min_writes) break;
    }
  }
  v.set_checked_enabled(false);
  return o;
}

bool two_cpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 2;
}

const std::vector<std::pair<const char*, nanoseconds>> kPeriods = {
    {"1ms", nanoseconds(1'000'000)}, {"100us", nanoseconds(100'000)}, {"10us", nanoseconds(10'000)},
    {"1us", nanoseconds(1'000)},     {"0", nanoseconds(0)},
};

}  // namespace

// Every variant that reads the sequence: per-site (its bug is the hang, not
// tearing), the four fixes and load-test, at each period, at least 20 writes
// and 100k reads.
TEST(WriterCorrectness, CheckedReadsAreNeverTornUnderAnyPeriod) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  for (const auto& v : pb::loop_variants()) {
    if (std::string(v.name) == "plain") continue;  // reads no sequence: nothing to validate
    for (const auto& [pname, period] : kPeriods) {
      const Outcome o = read_under_writer(v, period, {100'000, 20, std::chrono::milliseconds(2000)});
      const std::string where = std::string(v.name) + " writer:" + pname;
      EXPECT_GT(o.writes, 0u) << where << ": the writer never wrote";
      EXPECT_EQ(o.tally.checked, o.tally.reads) << where << ": the key is enabled, every read is validated";
      EXPECT_EQ(o.tally.torn_checked, 0u) << where << " (" << o.tally.reads << " reads, " << o.writes << " writes)";
      EXPECT_GE(o.tally.retries, o.tally.retried) << where;
    }
  }
}

// Without this the test above could pass by never overlapping a write.
TEST(WriterCorrectness, BackToBackWriterMakesReadersRetry) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  for (const auto& v : pb::loop_variants()) {
    if (std::string(v.name) == "plain") continue;
    const Outcome o = read_under_writer(v, nanoseconds(0), {1'000'000, 1000, std::chrono::milliseconds(3000)});
    EXPECT_GT(o.tally.retried, 0u) << v.name << ": " << o.tally.reads << " reads, " << o.writes << " writes";
  }
}

// The negative control: the same oracle on a reader that takes an odd
// sequence. Torn reads at back to back within 3 s; the rate at each period
// is printed (it rises with the writer's rate, but how much is timing).
TEST(WriterCorrectness, BrokenSeqcountTearsUnderABackToBackWriter) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  const pb::LoopVariant& broken = pb::broken_seqcount_variant();
  const Outcome o = read_under_writer(broken, nanoseconds(0), {~0ull, ~0ull, std::chrono::milliseconds(3000), true});
  EXPECT_GT(o.tally.torn_checked, 0u) << o.tally.reads << " reads, " << o.writes << " writes";
  for (const auto& [pname, period] : kPeriods) {
    const Outcome r = read_under_writer(broken, period, {2'000'000, 20, std::chrono::milliseconds(300)});
    std::printf("broken-seqcount writer:%-5s  %9llu reads %8llu writes  torn %6llu  (%.2f per million reads)\n", pname,
                static_cast<unsigned long long>(r.tally.reads), static_cast<unsigned long long>(r.writes),
                static_cast<unsigned long long>(r.tally.torn_checked),
                1e6 * static_cast<double>(r.tally.torn_checked) / static_cast<double>(r.tally.reads));
  }
}

namespace {

// As read_under_writer(), for the kernel's neighbours (neighbours.hpp).
Outcome neighbour_under_writer(const pb::Neighbour& n, nanoseconds period, Bound b) {
  Outcome o;
  pb::MemsAllowedWriter writer(n.write, period);
  Pin pin(other_cpu(writer.host_cpu()));
  const std::uint64_t w0 = writer.writes();
  const auto end = std::chrono::steady_clock::now() + b.max_time;
  while (std::chrono::steady_clock::now() < end) {
    n.read(4096, o.tally);
    o.writes = writer.writes() - w0;
    if (b.stop_at_torn && o.tally.torn_checked > 0) break;
    if (o.tally.reads >= b.min_reads && o.writes >= b.min_writes) break;
  }
  return o;
}

}  // namespace

// seqlock_t, seqcount_latch_t and the queued rwlock: no accepted read torn
// at any period.
TEST(WriterCorrectness, NeighboursReadsAreNeverTornUnderAnyPeriod) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  for (const auto& n : pb::neighbours())
    for (const auto& [pname, period] : kPeriods) {
      const Outcome o = neighbour_under_writer(n, period, {100'000, 20, std::chrono::milliseconds(2000)});
      const std::string where = std::string(n.name) + " writer:" + pname;
      EXPECT_GT(o.writes, 0u) << where << ": the writer never wrote";
      EXPECT_EQ(o.tally.checked, o.tally.reads) << where;
      EXPECT_EQ(o.tally.torn_checked, 0u) << where << " (" << o.tally.reads << " reads, " << o.writes << " writes)";
      if (!n.retries) {
        EXPECT_EQ(o.tally.retries, 0u) << where << ": an rwlock reader never retries";
      }
    }
}

// Without this the test above could pass by never overlapping a write: at
// back to back the seqlock's and the latch's readers retry, the rwlock's
// wait.
TEST(WriterCorrectness, NeighboursMeetABackToBackWriter) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  for (const auto& n : pb::neighbours()) {
    const Outcome o = neighbour_under_writer(n, nanoseconds(0), {1'000'000, 1000, std::chrono::milliseconds(3000)});
    if (n.retries)
      EXPECT_GT(o.tally.retried, 0u) << n.name << ": " << o.tally.reads << " reads, " << o.writes << " writes";
    else
      EXPECT_GT(o.tally.waited, 0u) << n.name << ": " << o.tally.reads << " reads, " << o.writes << " writes";
  }
}

// The latch's negative control: a reader of the copy being written (not the
// one seq & 1 picks) is torn within 3 s, with the same oracle.
TEST(WriterCorrectness, LatchReaderOfTheWrongCopyTears) {
  if (!two_cpus()) GTEST_SKIP() << "only one CPU is allowed: the writer needs a CPU of its own";
  const Outcome o = neighbour_under_writer(pb::broken_latch_neighbour(), nanoseconds(0),
                                           {~0ull, ~0ull, std::chrono::milliseconds(3000), true});
  EXPECT_GT(o.tally.torn_checked, 0u) << o.tally.reads << " reads, " << o.writes << " writes";
}
