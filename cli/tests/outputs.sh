#!/bin/sh
# Hostile outputs, end to end: every output goes through one atomic writer
# (support/output.hpp), so
#   dev_full          --out/--json/--benchmark_out /dev/full is refused (exit 2), and
#                     /dev/full stays a character device
#   stdout_full       standard output on /dev/full is exit 2 with the reason
#   interrupted       a compare killed by SIGTERM or SIGKILL keeps the previous --out
#   bench_out         a bench run that fails keeps the previous --benchmark_out;
#                     one that succeeds replaces it with its JSON
#   disk_full         a full tmpfs: exit 2 with "No space left on device", the
#                     previous file kept (skipped, exit 77, where no tmpfs can be mounted)
# Usage: outputs.sh POKEBENCH CASE
set -u
pb=$1
case_name=$2
dir=$(mktemp -d)
trap 'umount "$dir/mnt" 2>/dev/null; rm -rf "$dir"' EXIT

. "$(dirname "$0")/../../tests/lib/expect.sh"

case $case_name in
dev_full)
  [ -c /dev/full ] || { echo "no /dev/full here"; exit 77; }
  refused="pokebench: error: .*refusing to write '/dev/full': it is a character device"
  expect 2 "$refused" "$pb" compare --quick --no-correctness --no-insns --out /dev/full
  expect 2 "$refused" "$pb" bench --benchmark_filter='^sync/membarrier$' --benchmark_min_time=0.01 \
    --benchmark_out=/dev/full
  expect 2 "$refused" "$pb" repro --timeout-ms 300 --json /dev/full
  [ -c /dev/full ] || fail "/dev/full is no longer a character device"
  ;;
stdout_full)
  [ -c /dev/full ] || { echo "no /dev/full here"; exit 77; }
  stdout_err="pokebench: error: cannot write standard output: No space left on device"
  expect 2 "$stdout_err" sh -c "exec '$pb' selftest >/dev/full"
  # Google Benchmark flushes its rows itself: the reason is lost by the time pokebench looks.
  expect 2 "pokebench: error: cannot write standard output" sh -c "exec '$pb' bench --benchmark_filter='^sync/membarrier\$' --benchmark_min_time=0.01 >/dev/full"
  # Negative control: the same commands succeed when standard output can be written.
  expect 0 "" "$pb" selftest
  ;;
interrupted)
  for sig in TERM KILL; do
    echo previous >"$dir/c.json"
    "$pb" compare --quick --no-correctness --no-insns --format json --out "$dir/c.json" 2>"$dir/err" &
    pid=$!
    sleep 3
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      fail "compare ended (exit $?) within 3 s, before it could be interrupted: $(cat "$dir/err")"
    fi
    kill -s "$sig" "$pid"
    wait "$pid"
    [ "$(cat "$dir/c.json")" = previous ] || fail "SIGKILL/SIGTERM ($sig) of compare changed --out: $(head -c 200 "$dir/c.json")"
  done
  [ -z "$(find "$dir" -name '.c.json.tmp.*')" ] || fail "a temporary file was left: $(ls -a "$dir")"
  ;;
bench_out)
  echo previous >"$dir/b.json"
  expect 2 "no benchmark matches" "$pb" bench --benchmark_filter='^no-such-benchmark$' --benchmark_out="$dir/b.json"
  [ "$(cat "$dir/b.json")" = previous ] || fail "a failed bench run changed --benchmark_out"
  expect 0 "" "$pb" bench --benchmark_list_tests=true --benchmark_out="$dir/b.json"
  [ "$(cat "$dir/b.json")" = previous ] || fail "listing changed --benchmark_out"
  expect 0 "" "$pb" bench --benchmark_filter='^sync/membarrier$' --benchmark_min_time=0.01 \
    --benchmark_out="$dir/b.json" --benchmark_out_format=json
  grep -q '"name": "sync/membarrier"' "$dir/b.json" || fail "--benchmark_out lacks the row: $(head -c 300 "$dir/b.json")"
  ;;
disk_full)
  mkdir "$dir/mnt"
  mount -t tmpfs -o size=64k pokebench-test "$dir/mnt" 2>"$dir/err" ||
    { echo "cannot mount a small tmpfs here ($(cat "$dir/err")): needs root with CAP_SYS_ADMIN"; exit 77; }
  echo previous >"$dir/mnt/b.json"
  dd if=/dev/zero of="$dir/mnt/fill" bs=4k 2>/dev/null # until the filesystem is full
  nospace="No space left on device"
  expect 2 "$nospace" sh -c "exec '$pb' selftest >'$dir/mnt/selftest.txt'"
  expect 2 "$nospace" "$pb" bench --benchmark_filter='^sync/membarrier$' --benchmark_min_time=0.01 \
    --benchmark_out="$dir/mnt/b.json"
  [ "$(cat "$dir/mnt/b.json")" = previous ] || fail "a full disk changed --benchmark_out"
  ;;
*)
  fail "unknown case '$case_name'"
  ;;
esac
echo "outputs $case_name: OK"
