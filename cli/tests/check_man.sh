#!/usr/bin/env bash
# Checks pokebench's man page: man-db renders it without a single groff
# warning, and the rendered page has a section for every command `--help`
# lists, naming each of that command's options.
# Usage: check_man.sh POKEBENCH MAN_PAGE (pokebench.1, or .1.gz)
# Exits 0 when all hold, 1 naming each failure.
set -u
pb=$1 page=$2
# shellcheck source=help_tree.sh
source "$(dirname "$0")/help_tree.sh"
tree=$(help_tree "$pb") || exit 1

failures=0
fail() {
  echo "man check: $*"
  failures=$((failures + 1))
}

# groff's "all" leaves out undefined macros ("mac"): ask for both.
export LC_ALL=C.UTF-8
warnings=$(MANWIDTH=80 man --warnings=all,mac -E UTF-8 -l "$page" 2>&1 >/dev/null)
[[ -z $warnings ]] || fail "man -l $page warns: $warnings"
text=$(MANWIDTH=200 man -E ascii -l "$page" 2>/dev/null | col -bx)
[[ $text == *NAME*"pokebench - "*SYNOPSIS*DESCRIPTION*OPTIONS*COMMANDS* ]] || fail "no NAME/SYNOPSIS/DESCRIPTION/OPTIONS/COMMANDS sections"

# section PATH: the rendered text of PATH's subsection (the root's is its OPTIONS section).
section() {
  if [[ $1 == pokebench ]]; then
    sed -n '/^OPTIONS$/,/^COMMANDS$/p' <<<"$text"
  else
    awk -v head="   $1" '$0 == head {on = 1; next} on && /^   [^ ]/ {exit} on && /^[^ ]/ {exit} on' <<<"$text"
  fi
}

commands=0 options=0
while IFS=$'\t' read -r kind path name _; do
  if [[ $kind == cmd ]]; then
    commands=$((commands + 1))
    body=$(section "$path")
    [[ -n $body ]] || fail "no section for '$path'"
  else
    options=$((options + 1))
    grep -qE -- "(^|[ ,])$name([ ,]|$)" <<<"$body" || fail "section '$path' does not name $name"
  fi
done <<<"$tree"
((commands >= 2 && options >= commands)) || fail "the --help walk found only $commands commands and $options options"

if ((failures)); then
  echo "man check: FAILED ($failures)"
  exit 1
fi
echo "man check: OK ($commands commands, $options options)"
