#!/usr/bin/env bash
# The example against the built-in strategy it reimplements: for every
# deterministic cell (direction x order x int3), one run of
# `pokebench repro --scenario slub --strategy per-site` and one of
# `pokebench --load LIB repro --scenario cpuset-v4.12 --strategy per-site`,
# each a separately started process; their verdicts must be equal in every
# cell. Not vacuous: both must hang in the known bug's cell, and each verdict
# (HANG, OK) must occur at least once.
# Usage: cross_check.sh POKEBENCH LIB.so
set -u
pokebench=$1 lib=$2
failures=0 hangs=0 oks=0
verdict() { awk '/^verdict:/ {print $2}' <<<"$1"; }
printf '%-8s %-12s %-12s %-6s %-6s\n' direction order int3 slub example
for direction in enable disable; do
  for order in table address reverse begin-first retry-first random; do
    for int3 in skip emulate-new; do
      cell=(--strategy per-site --direction "$direction" --order "$order" --int3 "$int3" --mode deterministic)
      builtin=$("$pokebench" repro --scenario slub "${cell[@]}" 2>&1)
      example=$("$pokebench" --load "$lib" repro --scenario cpuset-v4.12 "${cell[@]}" 2>&1)
      b=$(verdict "$builtin") e=$(verdict "$example")
      printf '%-8s %-12s %-12s %-6s %-6s\n' "$direction" "$order" "$int3" "${b:-none}" "${e:-none}"
      if [[ -z $b || $b != "$e" ]]; then
        echo "cross check: $direction $order $int3: slub says '${b:-no verdict}', the example '${e:-no verdict}'"
        [[ -z $e ]] && echo "$example"
        failures=$((failures + 1))
      fi
      [[ $b == HANG ]] && hangs=$((hangs + 1))
      [[ $b == OK ]] && oks=$((oks + 1))
      if [[ $direction/$order/$int3 == enable/retry-first/skip && $e != HANG ]]; then
        echo "cross check: the known bug's cell did not hang in the example"
        failures=$((failures + 1))
      fi
    done
  done
done
((hangs > 0 && oks > 0)) || { echo "cross check: vacuous: $hangs HANG and $oks OK cells"; failures=$((failures + 1)); }
if ((failures)); then
  echo "cross check: FAILED ($failures)"
  exit 1
fi
echo "cross check: OK (24 cells equal: $hangs HANG, $oks OK)"
