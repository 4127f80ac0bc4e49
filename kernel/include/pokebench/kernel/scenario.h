/* Your own kernel code as a pokebench scenario (C, gnu11).
 *
 * A scenario is the kernel code under suspicion, written against the kernel
 * headers of this directory: reader functions (the IRQ-off loops that test
 * a static key, as get_any_partial() does), a writer (one update of the data
 * the readers protect) and the toggler (the key transition, as cpuset_inc()
 * and cpuset_dec()). POKEBENCH_SCENARIO declares them; the harness then runs
 * them like its built-in scenarios: `pokebench --load LIB.so repro|torture|
 * compare --scenario NAME`, every order, int3 policy and apply mode,
 * deterministic and stress (README.md, "Bring your own code").
 *
 *   POKEBENCH_SCENARIO(mine,
 *           .name = "mine",
 *           .summary = "what the readers do",
 *           .readers = { POKEBENCH_READER(reader_a), POKEBENCH_READER(reader_b) },
 *           .keys = { POKEBENCH_KEY(my_key) },
 *           .site_tags = { "begin", "retry" },
 *           .writer = my_update,
 *           .enable = my_inc,
 *           .disable = my_dec);
 *
 * Readers run on reader vCPUs with interrupts masked, each once per pass, in
 * the order listed; the hang report names them and the sites inside them. A
 * reader's loop needs no instrumentation: a loop that cannot terminate keeps
 * its vCPU from answering the patcher's sync IPI, which is the hang. The
 * writer runs every --writer-period-us on its own vCPU with interrupts on (it
 * masks them itself, as write_seqlock_irqsave does). enable/disable run on the
 * patching thread; every key they change must be listed in .keys (the keys
 * the hang report shows), or the run is an error. `init`, if given, runs
 * once in each trial child before any vCPU starts (a booted kernel's state:
 * a nonzero sequence, a populated list).
 *
 * Site tags name sites for the patch orders "<tag>-first": define
 * POKEBENCH_SITE_TAG to a string literal around the code whose static
 * branches get that tag, then back to "" (linux/jump_label.h):
 *
 *   #undef POKEBENCH_SITE_TAG
 *   #define POKEBENCH_SITE_TAG "begin"
 *   static inline unsigned int read_mems_allowed_begin(void) { ... }
 *   #undef POKEBENCH_SITE_TAG
 *   #define POKEBENCH_SITE_TAG ""
 *
 * Strategies: "per-site" (the toggler's key changes patch site by site, as
 * v4.x did) and "batched" (one batch per key, v5.3+); .per_site_is_fix and
 * .batched_is_fix say which must never hang (torture fails if one does).
 * .known_bug names the cell that must hang, if the code has a known bug.
 *
 * Build it with one CMake line, pokebench_add_scenario(NAME SOURCES a.c ...)
 * (kernel/cmake/PokebenchKernel.cmake), which makes NAME.so for --load. */
#ifndef POKEBENCH_KERNEL_SCENARIO_H
#define POKEBENCH_KERNEL_SCENARIO_H

#include <linux/jump_label.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever struct pokebench_scenario changes: a library built against
 * another layout is refused at --load. */
#define POKEBENCH_SCENARIO_ABI 1
/* Readers, keys and site tags a scenario may list. */
#define POKEBENCH_SCENARIO_MAX 8

struct pokebench_scenario_fn {
  void (*fn)(void);
  const char* name;
};

struct pokebench_scenario_key {
  struct static_key* key;
  const char* name;
};

/* One cell of the matrix, spelled as the CLI spells it. */
struct pokebench_scenario_cell {
  const char* strategy;  /* "per-site" or "batched" */
  const char* direction; /* "enable" or "disable" */
  const char* order;     /* "table", "address", "reverse", "random" or "<tag>-first" */
  const char* int3;      /* "skip" or "emulate-new" */
};

struct pokebench_scenario {
  int abi; /* POKEBENCH_SCENARIO_ABI (set by the macro) */
  const char* name;
  const char* summary;
  struct pokebench_scenario_fn readers[POKEBENCH_SCENARIO_MAX];
  struct pokebench_scenario_key keys[POKEBENCH_SCENARIO_MAX];
  const char* site_tags[POKEBENCH_SCENARIO_MAX];
  void (*init)(void);
  void (*writer)(void);
  void (*enable)(void);
  void (*disable)(void);
  int per_site_is_fix;
  int batched_is_fix;
  struct pokebench_scenario_cell known_bug; /* all NULL: no known bug */
  const char* file;                         /* where it was declared (set by the macro) */
  int line;
};

/* Called by POKEBENCH_SCENARIO from a constructor; the harness adopts every
 * registered scenario when it lists them. */
void pokebench_scenario_register(const struct pokebench_scenario* s);
unsigned pokebench_scenario_count(void);
const struct pokebench_scenario* pokebench_scenario_at(unsigned i);

/* Oracles a scenario may feed: a read the reader validated (its seqcount
 * retry passed) that still saw inconsistent data. Counted per process; the
 * run's verdict is TORN when any was reported. */
void pokebench_report_torn_read(void);
unsigned long pokebench_torn_reads(void);

#ifdef __cplusplus
}
#endif

#define POKEBENCH_READER(fn) \
  { (fn), #fn }
#define POKEBENCH_KEY(k) \
  { &(k).key, #k }

#define POKEBENCH_SCENARIO(ident, ...)                                                 \
  static const struct pokebench_scenario pokebench_scenario_##ident = {                \
      .abi = POKEBENCH_SCENARIO_ABI, .file = __FILE__, .line = __LINE__, __VA_ARGS__}; \
  __attribute__((constructor)) static void pokebench_scenario_register_##ident(void) { \
    pokebench_scenario_register(&pokebench_scenario_##ident);                          \
  }

#endif /* POKEBENCH_KERNEL_SCENARIO_H */
