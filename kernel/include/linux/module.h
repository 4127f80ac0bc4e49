/* A minimal <linux/module.h> for building kernel modules into a userspace
 * program: module_init/module_exit register the module with the runner
 * (pokebench::kernel_main), which calls every init in link order, then every
 * exit in reverse; MODULE_* only record strings; EXPORT_SYMBOL* check that the
 * symbol exists. A module is one translation unit, named KBUILD_MODNAME
 * (pokebench_add_kernel_module() defines it from the file's name). */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <errno.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kconfig.h>
#include <linux/printk.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME __FILE__
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* One per translation unit that uses module_init or module_exit. */
struct pokebench_module {
  const char* name;
  int (*init)(void);
  void (*exit)(void);
  int registered; /* set once pokebench_module_register() saw it */
};

/* Adds `mod` to the runner's list (first registration decides the order). */
void pokebench_module_register(struct pokebench_module* mod);

#ifdef __cplusplus
}
#endif

struct module;
#define THIS_MODULE ((struct module*)0)

__attribute__((__unused__)) static struct pokebench_module pokebench_this_module = {KBUILD_MODNAME, 0, 0, 0};

#define POKEBENCH_MODULE_HOOK_(field, fn, tag)                                   \
  __attribute__((__constructor__)) static void pokebench_module_##tag##_(void) { \
    pokebench_this_module.field = (fn);                                          \
    pokebench_module_register(&pokebench_this_module);                           \
  }                                                                              \
  extern int pokebench_module_##tag##_defined_once_ /* module_##tag used twice in one file? */

#define module_init(fn) POKEBENCH_MODULE_HOOK_(init, fn, init)
#define module_exit(fn) POKEBENCH_MODULE_HOOK_(exit, fn, exit)
/* Built-in initcalls run like module inits here. */
#define late_initcall(fn) module_init(fn)
#define device_initcall(fn) module_init(fn)
#define subsys_initcall(fn) module_init(fn)

#define POKEBENCH_CAT_(a, b) POKEBENCH_CAT2_(a, b)
#define POKEBENCH_CAT2_(a, b) a##b
#define POKEBENCH_MODULE_INFO_(tag, info) \
  __attribute__((__unused__)) static const char POKEBENCH_CAT_(pokebench_modinfo_##tag##_, __LINE__)[] = info
#define MODULE_LICENSE(s) POKEBENCH_MODULE_INFO_(license, s)
#define MODULE_AUTHOR(s) POKEBENCH_MODULE_INFO_(author, s)
#define MODULE_DESCRIPTION(s) POKEBENCH_MODULE_INFO_(description, s)
#define MODULE_VERSION(s) POKEBENCH_MODULE_INFO_(version, s)
#define MODULE_ALIAS(s) POKEBENCH_MODULE_INFO_(alias, s)

#endif /* _LINUX_MODULE_H */
