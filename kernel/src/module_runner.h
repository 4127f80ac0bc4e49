/* The module runner behind pokebench::kernel_main. */
#ifndef POKEBENCH_KERNEL_MODULE_RUNNER_H
#define POKEBENCH_KERNEL_MODULE_RUNNER_H

#ifdef __cplusplus
extern "C" {
#endif
/* Runs every registered module_init in link order, seals _RO keys, runs the
 * exits of the loaded modules in reverse; prints one line per step and a
 * verdict. Returns 0 when every init returned 0 and no WARN fired, else 1. */
int pokebench_run_modules(void);
#ifdef __cplusplus
}
#endif

#endif
