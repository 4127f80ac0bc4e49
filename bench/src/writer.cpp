#include <pokebench/bench/tsc.hpp>
#include <pokebench/bench/writer.hpp>

#include <sched.h>
#include <x86intrin.h>

namespace pokebench::bench {

MemsAllowedWriter::MemsAllowedWriter(MemsAllowedRef data, std::chrono::nanoseconds period, unsigned work, bool yield) {
  const auto period_ticks = static_cast<std::uint64_t>(static_cast<double>(period.count()) * tsc_calibration().ghz);
  const harness::Vcpu& v = machine_.start_vcpu("writer", [this, data, period_ticks, work, yield](harness::Vcpu& cpu) {
    std::uint64_t value = data.mask->bits[0].load(std::memory_order_relaxed);
    std::uint64_t next = __rdtsc();
    while (!cpu.machine->stop_requested()) {
      if (period_ticks != 0) {
        // A fixed schedule: a late write is not made up for by a burst.
        while (__rdtsc() < next)
          if (yield)
            sched_yield();
          else
            harness::cpu_relax();
        next += period_ticks;
        if (const std::uint64_t now = __rdtsc(); next < now) next = now;
      }
      harness::set_mems_allowed(data.seq, data.mask, ++value, work);
      writes_.fetch_add(1, std::memory_order_relaxed);
    }
  });
  host_cpu_ = v.host_cpu;
}

MemsAllowedWriter::~MemsAllowedWriter() {
  machine_.request_stop();
  machine_.join_all();
}

}  // namespace pokebench::bench
