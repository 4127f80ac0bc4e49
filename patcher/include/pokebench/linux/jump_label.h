// The kernel's static-key API, from its old pokebench path: the headers are
// now pokebench::kernel's (<linux/jump_label.h>); link that target.
#pragma once

#include <linux/jump_label.h>
