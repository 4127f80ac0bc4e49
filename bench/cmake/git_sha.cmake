# Writes ${OUT}: `#define POKEBENCH_GIT_SHA "<HEAD>"` ("unknown" outside a git
# checkout). Run at every build; the header only changes when HEAD does, so
# nothing recompiles otherwise.
execute_process(COMMAND git -C "${SRC}" rev-parse HEAD
                OUTPUT_VARIABLE sha OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR sha STREQUAL "")
  set(sha "unknown")
endif()
file(WRITE "${OUT}.tmp" "#pragma once\n#define POKEBENCH_GIT_SHA \"${sha}\"\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
