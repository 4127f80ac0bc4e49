/* IS_ENABLED(CONFIG_FOO) and friends (include/linux/kconfig.h): 1 when the
 * option is defined to 1 (built in) or CONFIG_FOO_MODULE is, else 0, as a
 * single token so that it can be pasted. Pass -DCONFIG_FOO=1 to enable. */
#ifndef _LINUX_KCONFIG_H
#define _LINUX_KCONFIG_H

/* An option defined to 1 expands to this placeholder, which carries a comma:
 * the "second argument" is then 1; for anything else it is the fallback. */
#define __PB_PLACEHOLDER_1 0,
#define __pb_second_arg(ignored, val, ...) val
#define __pb_defined_or(opt, fallback) __pb_defined_or_(opt, fallback)
#define __pb_defined_or_(val, fallback) __pb_defined_or__(__PB_PLACEHOLDER_##val, fallback)
#define __pb_defined_or__(maybe_comma, fallback) __pb_second_arg(maybe_comma 1, fallback, 0)

#define IS_BUILTIN(option) __pb_defined_or(option, 0)
#define IS_MODULE(option) __pb_defined_or(option##_MODULE, 0)
/* Built in, else whether it is a module: still one token. */
#define IS_ENABLED(option) __pb_defined_or(option, IS_MODULE(option))
#define IS_REACHABLE(option) IS_ENABLED(option)

#endif /* _LINUX_KCONFIG_H */
