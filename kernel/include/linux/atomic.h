/* atomic_t and the operations kernel code applies to static keys' counts
 * (include/linux/atomic.h). Ordering as the kernel's memory model defines it
 * (Documentation/atomic_t.txt): plain read/set and void RMW ops are relaxed,
 * value-returning RMW ops are fully ordered, _acquire/_release as named. */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <pokebench/patcher/static_key.h>

typedef pokebench_atomic_t atomic_t;
#define ATOMIC_INIT(i) \
  { (i) }

static inline int atomic_read(const atomic_t* v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline int atomic_read_acquire(const atomic_t* v) { return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }
static inline void atomic_set(atomic_t* v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_set_release(atomic_t* v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }
static inline void atomic_add(int i, atomic_t* v) { __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_sub(int i, atomic_t* v) { __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_inc(atomic_t* v) { atomic_add(1, v); }
static inline void atomic_dec(atomic_t* v) { atomic_sub(1, v); }
static inline int atomic_add_return(int i, atomic_t* v) { return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_sub_return(int i, atomic_t* v) { return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_inc_return(atomic_t* v) { return atomic_add_return(1, v); }
static inline int atomic_dec_return(atomic_t* v) { return atomic_sub_return(1, v); }
static inline int atomic_dec_and_test(atomic_t* v) { return atomic_dec_return(v) == 0; }
static inline int atomic_inc_and_test(atomic_t* v) { return atomic_inc_return(v) == 0; }
static inline int atomic_xchg(atomic_t* v, int i) { return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST); }
/* Returns the value found; stores `new_value` when it was `old`. */
static inline int atomic_cmpxchg(atomic_t* v, int old, int new_value) {
  __atomic_compare_exchange_n(&v->counter, &old, new_value, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return old;
}
/* Like atomic_cmpxchg, but updates *old with the value found on failure. */
static inline int atomic_try_cmpxchg(atomic_t* v, int* old, int new_value) {
  return __atomic_compare_exchange_n(&v->counter, old, new_value, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#endif /* _LINUX_ATOMIC_H */
