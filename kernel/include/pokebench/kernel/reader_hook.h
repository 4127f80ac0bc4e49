/* The reader hook behind <linux/seqlock.h>: read_seqcount_begin/retry call
 * the calling thread's hook first, if it has one. A harness reader vCPU
 * running a scenario written in kernel C installs one that acknowledges the
 * deterministic mode's hold from inside the reader's loop, so that a loop
 * which cannot terminate while a batch is half written is still held across
 * the batch's next write, as the kernel's patcher goes on writing while a
 * CPU spins. (Every iteration of a seqcount read loop that loops again has
 * called read_seqcount_retry.) The harness's own C++ readers use
 * pokebench/kernel/seqcount.h directly and never pay for this. */
#ifndef POKEBENCH_KERNEL_READER_HOOK_H
#define POKEBENCH_KERNEL_READER_HOOK_H

#ifdef __cplusplus
extern "C" {
#endif

/* For the calling thread only; NULL removes it. */
void pokebench_set_thread_reader_hook(void (*hook)(void* arg), void* arg);
/* Calls the calling thread's hook, if any. */
void pokebench_reader_hook(void);

#ifdef __cplusplus
}
#endif

#endif /* POKEBENCH_KERNEL_READER_HOOK_H */
