#!/usr/bin/env bash
# Checks a bash completion script for pokebench by running its completion
# function in this bash, against the command tree `--help` prints:
#   - every subcommand and every option of every command completes from a
#     prefix of its name, at its place in the command line;
#   - every option with a fixed set of values completes to exactly that set,
#     also as --option=<TAB>;
#   - fixed cases: repro --str -> --strategy, --direction=en -> enable,
#     options of a parent after a subcommand that falls through, a value is
#     not taken for a command.
# Usage: check_completion.sh POKEBENCH COMPLETION_SCRIPT
# Exits 0 when all hold, 1 naming each failure.
set -u
pb=$1 script=$2
# shellcheck source=help_tree.sh
source "$(dirname "$0")/help_tree.sh"
tree=$(help_tree "$pb") || exit 1
# shellcheck disable=SC1090
source "$script" || exit 1

failures=0
fail() {
  echo "completion check: $*"
  failures=$((failures + 1))
}
[[ $(complete -p pokebench 2>&1) == *"-F _pokebench pokebench"* ]] || fail "the script does not register _pokebench for pokebench"

# complete WORD...: the completions bash offers for the last word.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _pokebench pokebench "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort -u | grep .
}

# expect_offered WANT WORD...: WANT is among the completions.
expect_offered() {
  local want=$1
  shift
  complete_words "$@" | grep -qxF -- "$want" || fail "'$* <TAB>' does not offer '$want' (offers: $(complete_words "$@" | tr '\n' ' '))"
}

# expect_exactly "A B" WORD...: the completions are exactly A and B.
expect_exactly() {
  local expected=$1 want got
  want=$(tr ' ' '\n' <<<"$expected" | sort -u | grep .)
  shift
  got=$(complete_words "$@")
  [[ $got == "$want" ]] || fail "'$* <TAB>' offers '${got//$'\n'/ }', expected '$expected'"
}

commands=0 options=0
while IFS=$'\t' read -r kind path name type; do
  read -ra words <<<"$path"
  if [[ $kind == cmd ]]; then
    commands=$((commands + 1))
    ((${#words[@]} > 1)) && expect_offered "${words[-1]}" "${words[@]:0:${#words[@]}-1}" "${words[-1]:0:${#words[-1]}-1}"
    continue
  fi
  options=$((options + 1))
  expect_offered "$name" "${words[@]}" "${name:0:${#name}-1}"
  # CLI11 prints a value set right after the type ("TEXT:{a,b}"); braces in a
  # default value ("TEXT={build}/cli/pokebench") are no set.
  if [[ ${type%%=*} =~ :\{([^}]*)\} ]]; then # {a,b}, or a map's {a->1,b->2}: its names
    choices=$(tr ',' '\n' <<<"${BASH_REMATCH[1]}" | sed 's/->.*//' | tr '\n' ' ')
    expect_exactly "$choices" "${words[@]}" "$name" ""
    [[ $name == --* ]] && expect_exactly "$choices" "${words[@]}" "$name" "="
  fi
done <<<"$tree"
((commands >= 2 && options >= commands)) || fail "the --help walk found only $commands commands and $options options"

expect_exactly "--strategy" pokebench repro --str
expect_exactly "enable" pokebench repro --direction = en
expect_exactly "" pokebench repro --no-such
expect_exactly "compare" pokebench comp   # hidden commands are not offered
expect_offered "--history" pokebench results add --hist   # falls through to `results`
expect_offered "list" pokebench results --history add ""  # `add` is --history's value here
expect_exactly "json" pokebench results show --format j

if ((failures)); then
  echo "completion check: FAILED ($failures)"
  exit 1
fi
echo "completion check: OK ($commands commands, $options options)"
