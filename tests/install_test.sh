#!/usr/bin/env bash
# An installed prefix works where it was installed and after it is moved:
# nothing in it may point back at the build tree or at the first prefix.
# Usage: install_test.sh PREFIX VERSION BINDIR DATADIR MANDIR
set -u
prefix=$1
shift
# shellcheck source=check_installed.sh
source "$(dirname "$0")/check_installed.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failures=0
check_installed "$prefix" "$@" || failures=$((failures + $?))
cp -a "$prefix" "$scratch/moved" || exit 1
check_installed "$scratch/moved" "$@" || failures=$((failures + $?))
# Negative control: without its library the moved copy must fail the check.
rm -f "$scratch"/moved/*/libpokebench_patcher.so*
control=$(check_installed "$scratch/moved" "$@")
[[ $control == *"loads libpokebench_patcher from 'not'"* ]] || {
  echo "install check: negative control: a prefix without libpokebench_patcher passed: ${control:-no message}"
  failures=$((failures + 1))
}
if ((failures)); then
  echo "install check: FAILED ($failures)"
  exit 1
fi
echo "install check: OK ($prefix and a moved copy)"
