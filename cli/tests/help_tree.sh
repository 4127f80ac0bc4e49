# shellcheck shell=bash
# Sourced by the completion and man page checks: the command tree as
# `pokebench ... --help` prints it (CLI11's help layout), an oracle that does
# not go through the generators under test.
#
# help_tree PB prints one line per command and per option, tab-separated:
#   cmd  PATH                  e.g. "cmd	pokebench results add"
#   opt  PATH  NAME  TYPE      e.g. "opt	pokebench repro	--strategy	TEXT:{per-site,...}"
# and exits non-zero (with a message) if a --help fails or lists nothing.

help_tree() {
  local pb=$1 queue=("") args path out line section first names type name
  while ((${#queue[@]})); do
    args=${queue[0]}
    queue=("${queue[@]:1}")
    path="pokebench${args:+ $args}"
    # shellcheck disable=SC2086  # args is a list of command words
    if ! out=$("$pb" $args --help); then
      echo "help_tree: '$path --help' failed" >&2
      return 1
    fi
    if ! grep -q "^Usage: $path " <<<"$out"; then
      echo "help_tree: '$path --help' has no 'Usage: $path' line" >&2
      return 1
    fi
    printf 'cmd\t%s\n' "$path"
    section=
    while IFS= read -r line; do
      case $line in
        Options:) section=options; continue ;;
        Subcommands:) section=subcommands; continue ;;
        '') section=; continue ;;
        '  '[!\ ]*) ;;
        *) continue ;;
      esac
      # Names and type fill the first 30 columns, the description starts at
      # column 30 (or on the next line when they do not fit).
      ((${#line} > 30)) && [[ ${line:29:1} == ' ' ]] && line=${line:0:30}
      read -r first type <<<"$line"
      if [[ $section == options ]]; then
        IFS=, read -ra names <<<"$first"
        for name in "${names[@]}"; do printf 'opt\t%s\t%s\t%s\n' "$path" "$name" "$type"; done
      elif [[ $section == subcommands ]]; then
        queue+=("${args:+$args }$first")
      fi
    done <<<"$out"
  done
}
