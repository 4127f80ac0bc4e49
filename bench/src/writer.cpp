#include <pokebench/bench/tsc.hpp>
#include <pokebench/bench/writer.hpp>

#include <sched.h>
#include <x86intrin.h>

namespace pokebench::bench {

template <class Update>
void MemsAllowedWriter::start(Update update, std::chrono::nanoseconds period, bool yield) {
  const auto period_ticks = static_cast<std::uint64_t>(static_cast<double>(period.count()) * tsc_calibration().ghz);
  const harness::Vcpu& v = machine_.start_vcpu("writer", [this, update, period_ticks, yield](harness::Vcpu& cpu) {
    std::uint64_t value = 0;
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
      update(++value);
      writes_.fetch_add(1, std::memory_order_relaxed);
    }
  });
  host_cpu_ = v.host_cpu;
}

MemsAllowedWriter::MemsAllowedWriter(MemsAllowedRef data, std::chrono::nanoseconds period, unsigned work, bool yield) {
  const std::uint64_t first = data.mask->bits[0].load(std::memory_order_relaxed);
  start([data, work, first](std::uint64_t k) { harness::set_mems_allowed(data.seq, data.mask, first + k, work); },
        period, yield);
}

MemsAllowedWriter::MemsAllowedWriter(void (*update)(std::uint64_t value), std::chrono::nanoseconds period, bool yield) {
  start(
      [update](std::uint64_t k) {
        const unsigned long flags = harness::local_irq_save();
        update(k);
        harness::local_irq_restore(flags);
      },
      period, yield);
}

MemsAllowedWriter::~MemsAllowedWriter() {
  machine_.request_stop();
  machine_.join_all();
}

}  // namespace pokebench::bench
