#!/bin/sh
# pokebench ab end to end on two fake pokebench executables (fake_pokebench):
# A/A is SAME, a 5% slower loop is SLOWER, one more sync per flip is CHANGED,
# and an executable that is not a pokebench is refused with exit 2.
# Usage: ab_cli_test.sh POKEBENCH FAKE_POKEBENCH
set -u
pb=$1 fake=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for s in a b; do mkdir "$d/$s" && cp "$fake" "$d/$s/pokebench"; done
ab() { "$pb" ab "$d/a/pokebench" "$d/b/pokebench" "$@" >"$d/out" 2>"$d/err"; rc=$?; }

ab --rounds 6
[ $rc -eq 0 ] || fail "A/A exit $rc: $(cat "$d/out" "$d/err")"
grep -q '^verdict: SAME' "$d/out" || fail "A/A verdict: $(cat "$d/out")"
grep -q 'round 6/6' "$d/err" || fail "no progress line: $(cat "$d/err")"

echo 105 >"$d/b/cycles"
ab --rounds 6
[ $rc -eq 1 ] || fail "5% slower: exit $rc: $(cat "$d/out" "$d/err")"
grep -q '^loop/fake/off .*cycles_per_iter .*SLOWER' "$d/out" || fail "5% slower row: $(cat "$d/out")"
grep -q '^patch/fake/sites:4 .*ref_units .*same' "$d/out" || fail "unchanged row: $(cat "$d/out")"

echo 100 >"$d/b/cycles"
echo 13 >"$d/b/syncs"
ab --rounds 6 --format json
[ $rc -eq 1 ] || fail "one more sync: exit $rc: $(cat "$d/out" "$d/err")"
grep -q '"syncs_per_flip 12 -> 13"' "$d/out" || fail "exact counter: $(cat "$d/out")"
grep -q '"verdict": "CHANGED"' "$d/out" || fail "exact verdict: $(cat "$d/out")"

"$pb" ab "$d/a/pokebench" /bin/true --rounds 6 >"$d/out" 2>"$d/err"
rc=$?
[ $rc -eq 2 ] || fail "not a pokebench: exit $rc"
grep -q "pokebench: error: B '/bin/true' is not a pokebench executable" "$d/err" || fail "message: $(cat "$d/err")"
"$pb" ab "$d/nothing" "$d/b/pokebench" >"$d/out" 2>"$d/err"
rc=$?
[ $rc -eq 2 ] || fail "missing file: exit $rc"
grep -q "is not a file" "$d/err" || fail "message: $(cat "$d/err")"
ab --rounds 1
[ $rc -eq 2 ] || fail "--rounds 1 accepted"
echo "ab cli: OK"
