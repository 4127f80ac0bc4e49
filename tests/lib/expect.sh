# Sourced by the end-to-end shell tests (cli/tests/outputs.sh,
# tests/hostile/hostile.sh). The sourcing script sets $dir, a scratch
# directory where each command's stdout and stderr are kept.

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE REGEX COMMAND...: runs the command and checks its exit code, that
# its stderr matches REGEX (unless REGEX is empty) and that it did not abort.
expect() {
  want=$1 regex=$2
  shift 2
  "$@" >"$dir/out" 2>"$dir/err"
  got=$?
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(tail -5 "$dir/err")"
  [ -z "$regex" ] || grep -Eq -- "$regex" "$dir/err" || fail "'$*': stderr lacks /$regex/: $(tail -5 "$dir/err")"
  ! grep -q "Aborted\|core dumped\|terminate called" "$dir/err" || fail "'$*' aborted: $(tail -5 "$dir/err")"
}
