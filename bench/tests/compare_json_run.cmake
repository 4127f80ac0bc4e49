# Included by the check_compare_*.cmake scripts: runs
# `${POKEBENCH} compare ARGS... --format json --out ${OUT}`, fails on a
# non-zero exit or a schema_version other than 7, and sets `doc` (the JSON
# text) and `err` (its standard error) in the caller's scope.
function(run_compare_json)
  execute_process(COMMAND "${POKEBENCH}" compare ${ARGN} --format json --out "${OUT}"
                  RESULT_VARIABLE rc ERROR_VARIABLE e)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pokebench compare exited ${rc}:\n${e}")
  endif()
  file(READ "${OUT}" d)
  string(JSON v GET "${d}" schema_version)
  if(NOT v EQUAL 7)
    message(FATAL_ERROR "schema_version is ${v}")
  endif()
  set(doc "${d}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()
