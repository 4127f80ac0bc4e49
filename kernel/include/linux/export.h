/* EXPORT_SYMBOL* (include/linux/export.h). Every symbol with external linkage
 * is visible to the other "modules" of one program already; the macros only
 * check that the symbol exists. */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H

#define POKEBENCH_EXPORT_(sym) extern __typeof__(sym) sym
#define EXPORT_SYMBOL(sym) POKEBENCH_EXPORT_(sym)
#define EXPORT_SYMBOL_GPL(sym) POKEBENCH_EXPORT_(sym)
#define EXPORT_SYMBOL_NS(sym, ns) POKEBENCH_EXPORT_(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns) POKEBENCH_EXPORT_(sym)

#endif /* _LINUX_EXPORT_H */
