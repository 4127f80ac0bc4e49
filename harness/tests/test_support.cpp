#include "test_support.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace pokebench::harness::testing {

std::vector<std::string> pokebench_shm_segments() {
  std::vector<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).rfind("pokebench-", 0) == 0) out.emplace_back(e->d_name);
    closedir(d);
  }
  return out;
}

std::vector<int> child_processes() {
  std::vector<int> out;
  const std::string task = "/proc/" + std::to_string(getpid()) + "/task";
  if (DIR* d = opendir(task.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(task + "/" + e->d_name + "/children");
      int pid = 0;
      while (f >> pid) out.push_back(pid);
    }
    closedir(d);
  }
  return out;
}

}  // namespace pokebench::harness::testing
