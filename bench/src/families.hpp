// Registration of each benchmark family (one file per family). Names are a
// public contract: nightly history keys on them (bench/README.md).
#pragma once

namespace pokebench::bench::detail {

void register_loop_benchmarks();       // loop/<variant>/<off|on|flipping>
void register_writer_benchmarks();     // loop/<variant>/writer:<period>[/separate-lines]
void register_neighbour_benchmarks();  // loop/<seqlock|latch|rwlock>/writer:<period>
void register_write_benchmarks();      // write/seqcount[/reader], write/<seqlock|latch|rwlock>
void register_patch_benchmarks();      // patch/<per-site|batched>/<mprotect|procmem>/sites:<N>
void register_sync_benchmarks();       // sync/<membarrier|ipi|signal>

}  // namespace pokebench::bench::detail
