# shellcheck shell=bash
# Sourced by the install and package checks: does an installed pokebench tree
# (a prefix, or a .deb unpacked in a scratch root) run on its own?
#
# check_installed ROOT VERSION BINDIR DATADIR MANDIR (the last three relative
# to ROOT, as GNUInstallDirs spells them): ROOT/BINDIR/pokebench runs with
# LD_LIBRARY_PATH unset, finds libpokebench_patcher inside ROOT through its
# RUNPATH, passes selftest, and `man pokebench` and the bash completion work
# from ROOT. Prints "install check: ..." for each failure; returns their count.
check_installed() {
  local root=$1 version=$2 pb=$1/$3/pokebench man_dir=$1/$5 completion=$1/$4/bash-completion/completions/pokebench
  local failures=0 out lib
  _fail() {
    echo "install check: $*"
    failures=$((failures + 1))
  }
  [[ -x $pb ]] || { _fail "no executable $pb"; return 1; }
  # shellcheck disable=SC2016  # a literal $ORIGIN
  readelf -d "$pb" | grep -qE '\((RPATH|RUNPATH)\).*\[\$ORIGIN/' ||
    _fail "$pb has no \$ORIGIN-relative RUNPATH: $(readelf -d "$pb" | grep PATH)"
  # The first line: ldd lists a missing library once per object that needs it.
  lib=$(env -u LD_LIBRARY_PATH ldd "$pb" | awk '$1 ~ /^libpokebench_patcher\.so/ {print $3; exit}')
  [[ $lib == "$root"/* ]] || _fail "$pb loads libpokebench_patcher from '${lib:-nowhere}', not from inside $root"
  out=$(env -u LD_LIBRARY_PATH "$pb" --version 2>&1) || _fail "$pb --version failed: $out"
  [[ $out == "pokebench $version" ]] || _fail "$pb --version printed '$out', expected 'pokebench $version'"
  out=$(env -u LD_LIBRARY_PATH "$pb" selftest 2>&1) || _fail "$pb selftest failed: $out"
  [[ $out == *"selftest: OK"* ]] || _fail "$pb selftest did not print 'selftest: OK': $out"

  out=$(MANPATH=$man_dir man -w pokebench 2>&1)
  [[ $out == "$man_dir"/man1/pokebench.1* ]] || _fail "man -w pokebench with MANPATH=$man_dir found '$out'"
  out=$(MANPATH=$man_dir MANWIDTH=80 man pokebench 2>&1 | col -bx | tr -s " ")
  [[ $out == *"pokebench - "*"pokebench repro"* ]] || _fail "man pokebench does not render the page: ${out:0:200}"

  out=$(bash --norc --noprofile -c 'source "$1" && COMP_WORDS=(pokebench repro --str) COMP_CWORD=2 && _pokebench &&
        echo "${COMPREPLY[*]}"' sh "$completion" 2>&1)
  [[ $out == --strategy ]] || _fail "installed completion $completion: 'pokebench repro --str<TAB>' gave '$out'"
  return "$failures"
}
