#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` builds it from the build tree; its
# Depends names the Debian package of every shared library its ELF files need
# (dpkg-shlibdeps); unpacked with `dpkg -x` into a scratch root it runs there.
# A negative control drops one package from Depends and expects the check to
# name the library left uncovered.
# Usage: package_test.sh BUILD_DIR WORK_DIR VERSION BINDIR DATADIR MANDIR
set -u
build=$1 work=$2 version=$3
shift 3
# shellcheck source=check_installed.sh
source "$(dirname "$0")/check_installed.sh"

failures=0
fail() {
  echo "package check: $*"
  failures=$((failures + 1))
}

rm -rf "$work" && mkdir -p "$work" || exit 1
echo "package check: cpack -G DEB (installs the build tree into a staging root)"
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "package check: cpack failed"
  exit 1
fi
deb=$(ls "$work"/pokebench_"$version"_*.deb 2>/dev/null)
[[ -f $deb ]] || { cat "$work/cpack.log"; echo "package check: no pokebench_${version}_*.deb in $work"; exit 1; }
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)

root=$work/root
dpkg -x "$deb" "$root" || exit 1
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/"$1"/pokebench ./usr/"$3"/man1/pokebench.1.gz ./usr/"$2"/bash-completion/completions/pokebench \
  ./usr/include/pokebench/linux/jump_label.h ./usr/include/pokebench/kernel/linux/seqlock.h; do
  grep -qxF -- "$f" <<<"$contents" || fail "$deb does not contain $f"
done
grep -qE '/cmake/pokebench/pokebenchConfig\.cmake$' <<<"$contents" || fail "$deb has no pokebenchConfig.cmake"

# covers DEPENDS: every library an ELF file of the package names as NEEDED, other than
# the package's own, comes from a package named in DEPENDS.
covers() {
  local depends=$1 missing=0 elf lib path pkg names resolved
  names=" $(sed -E 's/\([^)]*\)//g; s/[|,]/ /g' <<<"$depends" | tr -s ' ') "
  while IFS= read -r elf; do
    # "libx.so.1 => /path (addr)", or "/lib64/ld-linux-x86-64.so.2 (addr)" for the loader.
    resolved=$(env -u LD_LIBRARY_PATH ldd "$elf" | awk '$2 == "=>" {print $1, $3} $1 ~ /^\// {n = split($1, p, "/"); print p[n], $1}')
    for lib in $(readelf -d "$elf" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
      path=$(awk -v l="$lib" '$1 == l {print $2}' <<<"$resolved")
      [[ $path == "$root"/* ]] && continue
      if [[ $path != /* ]]; then
        echo "package check: ${elf#"$root"} needs $lib, which ldd cannot find"
        missing=$((missing + 1))
        continue
      fi
      # dpkg knows a file by the path its package ships (/lib or /usr/lib under merged /usr).
      pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null)
      pkg=${pkg%%:*}
      if [[ -z $pkg ]]; then
        echo "package check: ${elf#"$root"} needs $lib ($path), which no Debian package owns"
        missing=$((missing + 1))
      elif [[ $names != *" $pkg "* ]]; then
        echo "package check: ${elf#"$root"} needs $lib from $pkg, which Depends does not name: $depends"
        missing=$((missing + 1))
      fi
    done
  done < <(find "$root" -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c 'file -b "$1" | grep -q "^ELF"' sh {} \; -print)
  return "$missing"
}
[[ -n $depends ]] || fail "$deb has no Depends"
covers "$depends" || fail "Depends misses libraries the package needs"
first=$(sed -E 's/,.*//; s/ .*//' <<<"$depends")
control=$(covers "$(sed -E "s/(^|, )$first( \([^)]*\))?//" <<<"$depends")")
[[ $control == *"from $first, which Depends does not name"* ]] ||
  fail "negative control: without $first in Depends the check should name it, it said: ${control:-nothing}"

check_installed "$root/usr" "$version" "$@" || failures=$((failures + $?))
if ((failures)); then
  echo "package check: FAILED ($failures)"
  exit 1
fi
echo "package check: OK ($(basename "$deb"): Depends: $depends)"
