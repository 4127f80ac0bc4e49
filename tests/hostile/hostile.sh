#!/bin/sh
# Hostile machines, end to end: each case runs the commands a user would and
# asserts the exit code and the words of the error.
#   no_membarrier      membarrier() refused (a seccomp profile): selftest, repro,
#                      torture, compare, bench and insns exit 2 naming membarrier
#   process_limit      as an unprivileged user with `ulimit -u` too low to fork or
#                      to start a trial's threads: repro, torture and compare exit 2
#                      saying to raise ulimit -u (skipped, exit 77, unless root can
#                      switch to `nobody` and `nobody` can run the binary)
#   procmem_no_effect  /proc/self/mem writes that report success and change nothing:
#                      selftest names the backend refused and passes on mprotect,
#                      repro and bench exit 2 with the reason (no abort), and
#                      repro --backend mprotect still reproduces the hang
#   bench_flags        bench refuses what Google Benchmark would take or answer with
#                      exit 0: a bad format, repetitions below 1, times that are
#                      negative, nan or huge (exit 2, the flag named)
# Each case has its negative control: the same command without the hostile
# condition succeeds.
# Usage: hostile.sh CASE POKEBENCH DENY_SYSCALL PROCMEM_NO_EFFECT_SO
set -u
case_name=$1 pb=$2 deny=$3 noeffect=$4
dir=$(mktemp -d)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT

. "$(dirname "$0")/../lib/expect.sh"

one_row="--benchmark_filter=^loop/cookie/off\$ --benchmark_min_time=0.01"

case $case_name in
no_membarrier)
  "$deny" membarrier true || { echo "cannot install a seccomp filter here"; exit 77; }
  why="pokebench: error: .*membarrier\(\) is not available"
  expect 2 "$why" "$deny" membarrier "$pb" selftest
  expect 2 "$why" "$deny" membarrier "$pb" repro --timeout-ms 300
  expect 2 "$why" "$deny" membarrier "$pb" torture --duration 5
  expect 2 "$why" "$deny" membarrier "$pb" compare --quick --no-insns
  expect 2 "$why" "$deny" membarrier "$pb" compare --quick --no-correctness --no-insns
  # shellcheck disable=SC2086
  expect 2 "$why" "$deny" membarrier "$pb" bench $one_row
  # A sanitizer build refuses insns first (valgrind cannot run it): exit 2 either way.
  expect 2 "$why|valgrind cannot run it" "$deny" membarrier "$pb" insns
  # Negative control: the filter itself is harmless.
  expect 0 "" "$deny" process_vm_writev "$pb" selftest
  # shellcheck disable=SC2086
  expect 0 "" "$deny" process_vm_writev "$pb" bench $one_row
  ;;
process_limit)
  [ "$(id -u)" -eq 0 ] || { echo "needs root to switch to an unprivileged user (RLIMIT_NPROC does not bind root)"; exit 77; }
  as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
  $as_nobody "$pb" --version >/dev/null 2>&1 || { echo "user nobody cannot run $pb (a private build directory)"; exit 77; }
  cd "$dir" || exit 1
  # 1: the trial child cannot be forked; 3: it forks but cannot start its threads.
  for n in 1 3; do
    limit="pokebench: error: cannot start (a trial child \(fork\)|the trial's threads): .*ulimit -u\) is $n: raise it"
    expect 2 "$limit" $as_nobody prlimit --nproc=$n "$pb" repro --timeout-ms 300
    expect 2 "$limit" $as_nobody prlimit --nproc=$n "$pb" torture --duration 5
    expect 2 "the correctness phase gave no verdict: .*ulimit -u" $as_nobody prlimit --nproc=$n "$pb" compare --quick --no-insns
  done
  # Negative control: the same user with room to fork reproduces the hang.
  expect 1 "" $as_nobody prlimit --nproc=4096 "$pb" repro --timeout-ms 300 --expect ok
  ;;
procmem_no_effect)
  # A sanitizer build wants its runtime first among the preloaded libraries.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
  export ASAN_OPTIONS
  refused="writes to /proc/self/mem are accepted but change nothing"
  LD_PRELOAD=$noeffect "$pb" selftest >"$dir/out" 2>"$dir/err"
  [ $? -eq 0 ] || fail "selftest on mprotect alone should pass: $(cat "$dir/out" "$dir/err")"
  grep -Eq "/proc/self/mem writes +no +$refused" "$dir/out" || fail "selftest does not say why procmem is refused: $(cat "$dir/out")"
  grep -q "check procmem   skipped" "$dir/out" || fail "selftest ran procmem checks on a backend that has no effect"
  expect 2 "backend procmem refused: $refused.*use --backend mprotect" env LD_PRELOAD="$noeffect" "$pb" repro --timeout-ms 300
  # shellcheck disable=SC2086
  expect 2 "$refused" env LD_PRELOAD="$noeffect" "$pb" bench $one_row
  # The other backend still works, and still shows the bug.
  expect 1 "" env LD_PRELOAD="$noeffect" "$pb" repro --timeout-ms 300 --backend mprotect --expect ok
  grep -q "verdict: HANG" "$dir/out" || fail "repro --backend mprotect under the shim did not hang: $(cat "$dir/out")"
  # Negative control: without the shim procmem is used and works.
  expect 0 "" "$pb" selftest
  grep -q "check procmem   per-site" "$dir/out" || fail "procmem checks missing without the shim"
  ;;
bench_flags)
  # shellcheck disable=SC2086
  expect 2 "--benchmark_format=bogus is not a format" "$pb" bench $one_row --benchmark_format=bogus
  for flag in --benchmark_repetitions=-1 --benchmark_repetitions=0 --benchmark_repetitions= \
      --benchmark_repetitions=1.5 --benchmark_min_time=-1 --benchmark_min_time=nan --benchmark_min_time=1e30 \
      --benchmark_min_time=0 --benchmark_out_format=xml; do
    # shellcheck disable=SC2086
    expect 2 "pokebench: error: ${flag%%=*}=" "$pb" bench $one_row "$flag"
  done
  # shellcheck disable=SC2086
  expect 0 "" "$pb" bench $one_row --benchmark_format=json
  grep -q '"name": "loop/cookie/off"' "$dir/out" || fail "bench --benchmark_format=json printed no row"
  ;;
*)
  fail "unknown case $case_name"
  ;;
esac
echo "hostile $case_name: OK"
