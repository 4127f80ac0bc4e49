// SPDX-License-Identifier: GPL-2.0
/*
 * The read side of cpusets as v4.4..v4.12 had it (include/linux/cpuset.h:
 * read_mems_allowed_begin/retry skip the seqcount while cpusets_enabled_key
 * is off), four of the allocator paths that loop on it with interrupts
 * masked (mm/slub.c get_any_partial, mm/slab.c fallback_alloc, mm/hugetlb.c
 * dequeue_huge_page_vma, mm/page_alloc.c __alloc_pages_slowpath), the
 * set_mems_allowed() writer and cpuset_inc/dec. Written for pokebench in the
 * kernel's style, as a kernel developer would write a suspect; declared as
 * the scenario "cpuset-v4.12" at the end (pokebench/kernel/scenario.h).
 *
 * The hang it reproduces (docs/kernel.md, the 2017 bug): the first cpuset
 * enables the key, and v4.x patches its sites one at a time. A reader whose
 * retry site already jumps while its begin site does not gets 0 from begin
 * and then compares 0 with a nonzero sequence, forever, with interrupts
 * off, so it never answers the patcher's sync IPI.
 */
#include <asm/barrier.h>
#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/seqlock.h>
#include <pokebench/kernel/scenario.h>

#define MAX_NUMNODES 256
#define BITS_PER_LONG 64
typedef struct {
  unsigned long bits[MAX_NUMNODES / BITS_PER_LONG];
} nodemask_t;

/* The one task every reader allocates for: its cpuset fields. */
struct task_struct {
  seqcount_t mems_allowed_seq;
  nodemask_t mems_allowed;
};
static struct task_struct init_task;
#define current (&init_task)

DEFINE_STATIC_KEY_FALSE(cpusets_enabled_key);

/*
 * In v4.12 this is a static inline function, which both helpers below call.
 * Here it is a macro, so that each helper's static branch is expanded inside
 * that helper, under its own POKEBENCH_SITE_TAG: an inline function's asm
 * is fixed where the function is defined, so its tag would be the same in
 * both. The code generated is the same either way.
 */
#define cpusets_enabled() static_branch_unlikely(&cpusets_enabled_key)

static inline void cpuset_inc(void) { static_branch_inc(&cpusets_enabled_key); }

static inline void cpuset_dec(void) { static_branch_dec(&cpusets_enabled_key); }

#undef POKEBENCH_SITE_TAG
#define POKEBENCH_SITE_TAG "begin"
/* No cpusets, no updates to wait for: the sequence is not even read. */
static inline unsigned int read_mems_allowed_begin(void) {
  if (!cpusets_enabled()) return 0;
  return read_seqcount_begin(&current->mems_allowed_seq);
}

#undef POKEBENCH_SITE_TAG
#define POKEBENCH_SITE_TAG "retry"
/* True when mems_allowed changed since the begin that returned @seq. */
static inline bool read_mems_allowed_retry(unsigned int seq) {
  if (!cpusets_enabled()) return false;
  return read_seqcount_retry(&current->mems_allowed_seq, seq);
}
#undef POKEBENCH_SITE_TAG
#define POKEBENCH_SITE_TAG ""

static void set_mems_allowed(nodemask_t nodemask) {
  unsigned long flags;
  int i;

  local_irq_save(flags);
  write_seqcount_begin(&current->mems_allowed_seq);
  for (i = 0; i < MAX_NUMNODES / BITS_PER_LONG; i++) WRITE_ONCE(current->mems_allowed.bits[i], nodemask.bits[i]);
  write_seqcount_end(&current->mems_allowed_seq);
  local_irq_restore(flags);
}

/* Look at each allowed node's word, with some work per node. */
static void walk_zonelist(nodemask_t* snapshot) {
  int i, k;

  for (i = 0; i < MAX_NUMNODES / BITS_PER_LONG; i++) {
    snapshot->bits[i] = READ_ONCE(current->mems_allowed.bits[i]);
    for (k = 0; k < 16; k++) cpu_relax();
  }
}

/*
 * The allocator paths. noinline: each is one function with its own begin
 * and retry sites, as the kernel's are (the helpers above are inlined).
 */
static noinline void get_any_partial(void) {
  unsigned int cpuset_mems_cookie;
  nodemask_t nodes;

  do {
    cpuset_mems_cookie = read_mems_allowed_begin();
    walk_zonelist(&nodes);
  } while (read_mems_allowed_retry(cpuset_mems_cookie));
}

static noinline void fallback_alloc(void) {
  unsigned int cpuset_mems_cookie;
  nodemask_t nodes;

  do {
    cpuset_mems_cookie = read_mems_allowed_begin();
    walk_zonelist(&nodes);
  } while (read_mems_allowed_retry(cpuset_mems_cookie));
}

static noinline void dequeue_huge_page_vma(void) {
  unsigned int cpuset_mems_cookie;
  nodemask_t nodes;

  do {
    cpuset_mems_cookie = read_mems_allowed_begin();
    walk_zonelist(&nodes);
  } while (read_mems_allowed_retry(cpuset_mems_cookie));
}

static noinline void __alloc_pages_slowpath(void) {
  unsigned int cpuset_mems_cookie;
  nodemask_t nodes;

  do {
    cpuset_mems_cookie = read_mems_allowed_begin();
    walk_zonelist(&nodes);
  } while (read_mems_allowed_retry(cpuset_mems_cookie));
}

/* cpuset_change_task_nodemask(): every word gets the next value. */
static void cpuset_update_task_nodemask(void) {
  static unsigned long value;
  nodemask_t nodes;
  int i;

  value++;
  for (i = 0; i < MAX_NUMNODES / BITS_PER_LONG; i++) nodes.bits[i] = value;
  set_mems_allowed(nodes);
}

/* A booted kernel's sequence is nonzero: boot updated mems_allowed once. */
static void cpuset_boot(void) { cpuset_update_task_nodemask(); }

POKEBENCH_SCENARIO(cpuset_v4_12, .name = "cpuset-v4.12",
                   .summary =
                       "v4.12 cpuset.h in kernel C: get_any_partial() and three siblings loop on "
                       "read_mems_allowed_begin/retry with IRQs masked while cpuset_inc() patches cpusets_enabled_key",
                   .readers = {POKEBENCH_READER(get_any_partial), POKEBENCH_READER(fallback_alloc),
                               POKEBENCH_READER(dequeue_huge_page_vma), POKEBENCH_READER(__alloc_pages_slowpath)},
                   .keys = {POKEBENCH_KEY(cpusets_enabled_key)}, .site_tags = {"begin", "retry"}, .init = cpuset_boot,
                   .writer = cpuset_update_task_nodemask, .enable = cpuset_inc, .disable = cpuset_dec,
                   .per_site_is_fix = 0, .batched_is_fix = 1,
                   .known_bug = {"per-site", "enable", "retry-first", "skip"});
