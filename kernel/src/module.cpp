// The modules of one program, in the order their constructors registered
// them (link order), and the runner that pokebench::kernel_main's main()
// calls: every init in order, then every exit of a module whose init
// succeeded, in reverse.
#include "module_runner.h"

#include <linux/jump_label.h>
#include <linux/module.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

std::vector<pokebench_module*>& modules() {
  static auto* v = new std::vector<pokebench_module*>;  // constructors run before any static of ours
  return *v;
}

const char* base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

}  // namespace

extern "C" {

void pokebench_module_register(struct pokebench_module* mod) {
  if (mod->registered != 0) return;
  mod->registered = 1;
  modules().push_back(mod);
}

int pokebench_run_modules(void) {
  std::vector<pokebench_module*> loaded;
  unsigned failed = 0;
  for (pokebench_module* mod : modules()) {
    const char* name = base_name(mod->name);
    if (mod->init == nullptr) {
      std::printf("kernel_main: module %s: no init\n", name);
      loaded.push_back(mod);
      continue;
    }
    std::printf("kernel_main: module %s: init\n", name);
    std::fflush(stdout);
    const int ret = mod->init();
    if (ret != 0) {
      ++failed;
      std::printf("kernel_main: module %s: init failed: %d (%s)\n", name, ret, std::strerror(ret < 0 ? -ret : ret));
    } else {
      std::printf("kernel_main: module %s: init ok\n", name);
      loaded.push_back(mod);
    }
    std::fflush(stdout);
  }
  mark_rodata_ro();  // _RO keys are sealed once init is over
  for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) {
    if ((*it)->exit == nullptr) continue;
    (*it)->exit();
    std::printf("kernel_main: module %s: exit done\n", base_name((*it)->name));
    std::fflush(stdout);
  }
  const unsigned long warnings = pokebench_warn_count();
  const bool ok = failed == 0 && warnings == 0;
  std::printf("kernel_main: %zu modules, %u init failed, %lu WARN: %s\n", modules().size(), failed, warnings,
              ok ? "SUCCESS" : "FAILURE");
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // extern "C"
