/* Time in jiffies (include/linux/jiffies.h). HZ is 1000 here: one jiffy is
 * one millisecond of CLOCK_MONOTONIC. */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#define HZ 1000

#ifdef __cplusplus
extern "C" {
#endif
/* Milliseconds of CLOCK_MONOTONIC (the counter's start is arbitrary). */
unsigned long pokebench_jiffies(void);
#ifdef __cplusplus
}
#endif

#define jiffies pokebench_jiffies()
static inline unsigned long msecs_to_jiffies(unsigned int ms) { return ms; }
static inline unsigned int jiffies_to_msecs(unsigned long j) { return j; } /* HZ == 1000 */

#endif /* _LINUX_JIFFIES_H */
