# pokebench_add_kernel_module(NAME SOURCES src...)
#
# Builds kernel modules into one program, NAME, whose main() runs every
# module_init in the order the sources are listed, then every module_exit in
# reverse (pokebench::kernel_main). Each source is one module; its
# KBUILD_MODNAME is the file's name without extension, as Kbuild names it.
function(pokebench_add_kernel_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "pokebench_add_kernel_module(${name}): no SOURCES; list the module's .c files after SOURCES")
  endif()
  add_executable(${name} ${arg_SOURCES})
  foreach(src IN LISTS arg_SOURCES)
    get_filename_component(modname ${src} NAME_WE)
    set_property(SOURCE ${src} TARGET_DIRECTORY ${name} APPEND PROPERTY COMPILE_DEFINITIONS
                 "KBUILD_MODNAME=\"${modname}\"")
  endforeach()
  target_link_libraries(${name} PRIVATE pokebench::kernel_main)
endfunction()
