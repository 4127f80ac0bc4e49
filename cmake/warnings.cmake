# Warnings live in an INTERFACE target so that only our own targets get them.
add_library(pokebench_warnings INTERFACE)
add_library(pokebench::warnings ALIAS pokebench_warnings)
target_compile_options(pokebench_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wcast-align -Wnull-dereference -Wformat=2
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>
  $<$<BOOL:${POKEBENCH_WARNINGS_AS_ERRORS}>:-Werror>)
