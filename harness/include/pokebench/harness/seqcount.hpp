// The harness's seqcount is the kernel's (<linux/seqlock.h>, through
// pokebench/kernel/seqcount.h: the same functions, without the kernel
// headers' macros that would hide the harness's own cpu_relax() and
// local_irq_save()). Semantics and memory ordering are documented there;
// the background is in docs/kernel.md (seqcount).
#pragma once

#include <pokebench/kernel/seqcount.h>

namespace pokebench::harness {

using ::raw_read_seqcount;
using ::read_seqcount_begin;
using ::read_seqcount_retry;
using ::seqcount_t;
using ::write_seqcount_begin;
using ::write_seqcount_end;

// The sequence itself, for setting a scenario's initial value and for the
// hang report (relaxed: neither orders anything).
inline unsigned seqcount_value(const seqcount_t* s) noexcept { return __atomic_load_n(&s->sequence, __ATOMIC_RELAXED); }
inline void seqcount_set(seqcount_t* s, unsigned v) noexcept { __atomic_store_n(&s->sequence, v, __ATOMIC_RELAXED); }

}  // namespace pokebench::harness
