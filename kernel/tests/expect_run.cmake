# cmake -DCMD=<program> [-DARGS=a@@b] -DEXPECT_RC=<n> -DEXPECT_OUT=<regex@@regex> -P expect_run.cmake
# Runs the program and checks both its exit status and its output (ctest's
# PASS_REGULAR_EXPRESSION alone would ignore the status).
string(REPLACE "@@" ";" ARGS "${ARGS}")
string(REPLACE "@@" ";" EXPECT_OUT "${EXPECT_OUT}")
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "exit status ${rc}, expected ${EXPECT_RC}")
endif()
foreach(regex IN LISTS EXPECT_OUT)
  if(NOT "${out}${err}" MATCHES "${regex}")
    message(FATAL_ERROR "output does not match '${regex}'")
  endif()
endforeach()
