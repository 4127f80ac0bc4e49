# pokebench_add_component(NAME [SHARED|STATIC] [INSTALL_INCLUDEDIR dir] SOURCES src...)
#
# One component library: target pokebench_NAME with the alias pokebench::NAME,
# its public headers in the folder's include/, built with the project's
# warnings. With INSTALL_INCLUDEDIR it is one of the installed libraries:
# versioned (SOVERSION), exported as pokebench::NAME, its headers found in
# that folder of the installed prefix. Each component adds its own tests/.
function(pokebench_add_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "SHARED;STATIC" "INSTALL_INCLUDEDIR" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "pokebench_add_component(${name}): no SOURCES; list the library's sources after SOURCES")
  endif()
  set(type)
  if(arg_SHARED)
    set(type SHARED)
  elseif(arg_STATIC)
    set(type STATIC)
  endif()
  set(target pokebench_${name})
  add_library(${target} ${type} ${arg_SOURCES})
  add_library(pokebench::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
  target_link_libraries(${target} PRIVATE pokebench::warnings)
  if(arg_INSTALL_INCLUDEDIR)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target} EXPORT_NAME ${name}
                          VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
    target_include_directories(${target} PUBLIC $<INSTALL_INTERFACE:${arg_INSTALL_INCLUDEDIR}>)
  endif()
endfunction()
