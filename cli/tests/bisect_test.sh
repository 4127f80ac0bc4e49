#!/bin/sh
# pokebench bisect end to end on a throwaway repository whose "pokebench" is
# fake_pokebench: commit 3 makes loop/fake/off 10% slower, commit 4 does not
# build, commit 5 builds again. Checks the first bad commit, the refusals
# (dirty tree, unknown revision, no regression) and that nothing is left
# behind, after an interrupt too (worktrees, bisect state, temp files).
# Usage: bisect_test.sh POKEBENCH FAKE_POKEBENCH
set -u
pb=$1 fake=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
r=$d/repo
mkdir -p "$r" "$d/tmp"
export TMPDIR=$d/tmp
g() { git -C "$r" "$@"; }
g init -q
g config user.email t@example.org
g config user.name test
cp "$fake" "$r/pokebench"
cat >"$r/build.sh" <<'SH'
#!/bin/sh
# build.sh SRC BUILD: "compiles" the fake pokebench; fails where ./broken exists.
[ ! -e "$1/broken" ] || { echo "error: this revision does not compile" >&2; exit 1; }
cp "$1/pokebench" "$1/cycles" "$2/"
SH
commit() { g add -A && g commit -q -m "$1" && g rev-parse HEAD; }
# git bisect tests the middle commit, c3, first: the skip path is taken.
echo 100 >"$r/cycles"; c1=$(commit "c1 good")
echo 110 >"$r/cycles"; c2=$(commit "c2 slower loop")
touch "$r/broken"; c3=$(commit "c3 broken build")
rm "$r/broken"; c4=$(commit "c4 builds again")
echo one >"$r/notes"; c5=$(commit "c5 notes")
echo two >"$r/notes"; c6=$(commit "c6 notes")
opts="--repo $r --rounds 6 --executable {build}/pokebench"
build='sh {src}/build.sh {src} {build}'
clean() {
  [ "$(g worktree list | wc -l)" -eq 1 ] || fail "$1: worktrees left: $(g worktree list)"
  g bisect log >/dev/null 2>&1 && fail "$1: bisect state left: $(g bisect log)"
  [ -z "$(ls -A "$d/tmp")" ] || fail "$1: temporary files left: $(ls -A "$d/tmp")"
}

"$pb" bisect --good "$c1" --bad "$c6" $opts --build-command "$build" >"$d/out" 2>"$d/err"
rc=$?
[ $rc -eq 0 ] || fail "bisect exit $rc: $(cat "$d/out" "$d/err")"
grep -q "^first bad commit: $c2 c2 slower loop" "$d/out" || fail "first bad: $(cat "$d/out" "$d/err")"
grep -q '^loop/fake/off .*SLOWER' "$d/out" || fail "A/B table: $(cat "$d/out")"
grep -q "does not build" "$d/err" || fail "the broken commit was not built and skipped: $(cat "$d/err")"
clean "after a bisection"

# Refusals: exit 2 and nothing left.
echo 1 >>"$r/cycles"
"$pb" bisect --good "$c1" --bad "$c6" $opts --build-command "$build" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || fail "dirty tree accepted"
grep -q "has uncommitted changes" "$d/err" || fail "dirty message: $(cat "$d/err")"
g checkout -q -- cycles
"$pb" bisect --good no-such-rev --bad "$c6" $opts --build-command "$build" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || fail "unknown revision accepted"
grep -q "'no-such-rev' is not a commit" "$d/err" || fail "revision message: $(cat "$d/err")"
"$pb" bisect --good "$c5" --bad "$c6" $opts --build-command "$build" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || fail "no regression accepted"
grep -q "finds no regression: nothing to bisect" "$d/err" || fail "no-regression message: $(cat "$d/err")"
"$pb" bisect --good "$c1" --bad "$c3" $opts --build-command "$build" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || fail "unbuildable --bad accepted"
grep -q "does not build" "$d/err" || fail "build message: $(cat "$d/err")"
clean "after the refusals"

# Interrupted inside git bisect run: slow fake processes, SIGINT, then look.
echo 0 >"$d/delay"
FAKE_POKEBENCH_DELAY_FILE=$d/delay "$pb" bisect --good "$c1" --bad "$c6" $opts --build-command "$build" \
  >"$d/out" 2>"$d/err" &
pid=$!
i=0
until grep -q "git bisect run" "$d/err"; do
  i=$((i + 1)); [ $i -lt 300 ] || fail "bisect never reached git bisect run: $(cat "$d/err")"; sleep 0.1
done
echo 30 >"$d/delay"
sleep 1
[ "$(g worktree list | wc -l)" -eq 2 ] || fail "no worktree while bisecting: $(g worktree list)"
wt=$(g worktree list | sed -n '2s/ .*//p')
git -C "$wt" bisect log >/dev/null 2>&1 || fail "the worktree is not bisecting"
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "interrupted bisect exit $rc: $(cat "$d/err")"
grep -q "interrupted (signal 2); the worktree and the bisection were removed" "$d/err" || fail "$(cat "$d/err")"
clean "after an interrupt"
echo "bisect: OK"
