/* Section annotations (include/linux/init.h, cache.h). Userspace keeps init
 * code and data for the life of the process, so they are empty here;
 * __ro_after_init keys are recognised by their DEFINE_STATIC_KEY_*_RO
 * definition, not by this section (see linux/jump_label.h). */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __initconst
#define __exitdata
#define __ro_after_init
#define __read_mostly

#endif /* _LINUX_INIT_H */
