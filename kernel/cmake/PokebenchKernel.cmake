# The SOURCES of pokebench_add_kernel_module/_scenario (into arg_SOURCES of
# the caller), refused when there are none.
macro(_pokebench_kbuild_sources fn what)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "${fn}(${name}): no SOURCES; list the ${what}'s .c files after SOURCES")
  endif()
endmacro()

# Each source is one module, named as Kbuild names it: KBUILD_MODNAME is the
# file's name without extension.
function(_pokebench_kbuild_modnames target)
  foreach(src IN LISTS ARGN)
    get_filename_component(modname ${src} NAME_WE)
    set_property(SOURCE ${src} TARGET_DIRECTORY ${target} APPEND PROPERTY COMPILE_DEFINITIONS
                 "KBUILD_MODNAME=\"${modname}\"")
  endforeach()
endfunction()

# pokebench_add_kernel_module(NAME SOURCES src...)
#
# Builds kernel modules into one program, NAME, whose main() runs every
# module_init in the order the sources are listed, then every module_exit in
# reverse (pokebench::kernel_main). Each source is one module; its
# KBUILD_MODNAME is the file's name without extension, as Kbuild names it.
function(pokebench_add_kernel_module name)
  _pokebench_kbuild_sources(pokebench_add_kernel_module module)
  add_executable(${name} ${arg_SOURCES})
  _pokebench_kbuild_modnames(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE pokebench::kernel_main)
endfunction()

# pokebench_add_scenario(NAME SOURCES src...)
#
# Builds kernel C that declares scenarios (POKEBENCH_SCENARIO,
# <pokebench/kernel/scenario.h>) into NAME.so, a library the pokebench
# executable loads: `pokebench --load path/to/NAME.so repro --scenario ...`.
# A loadable library rather than a second executable, so that it works the
# same with the installed pokebench (find_package(pokebench)) and in this
# tree, and needs nothing of the CLI's dependencies: only pokebench::kernel,
# which the executable has loaded already (one copy of the patcher and its
# keys per process). Built as Kbuild builds (-O2): static inline helpers are
# inlined, so each reader function owns its sites, as the kernel's do.
function(pokebench_add_scenario name)
  _pokebench_kbuild_sources(pokebench_add_scenario scenario)
  add_library(${name} MODULE ${arg_SOURCES})
  set_target_properties(${name} PROPERTIES PREFIX "")
  target_compile_options(${name} PRIVATE -O2)
  _pokebench_kbuild_modnames(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE pokebench::kernel)
endfunction()
