# `cpack -G DEB` in a build tree: one Debian package with the executable, its
# man page and bash completion, the patcher library and what find_package
# needs. Depends is computed by dpkg-shlibdeps from the ELF files' NEEDED
# entries (dpkg-dev and file must be installed: ci/setup).
set(CPACK_PACKAGE_NAME pokebench)
set(CPACK_PACKAGE_VENDOR "pokebench")
set(CPACK_PACKAGE_CONTACT "pokebench maintainers <pokebench@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "Micro-benchmarks and a perf-regression gate for static-branch (jump label) and seqcount code paths, and the "
    "2017 slub/cpuset hang reproduced in userspace with real patched code on real threads. Includes the "
    "pokebench::patcher library (find_package(pokebench)).")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES OFF) # keep what the build type gave (dev: debug info)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # pokebench_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON) # a shlibs file: packages linking the patcher depend on this one
# callgrind counts for `pokebench insns`, gnuplot draws `pokebench report`'s plots.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "valgrind, gnuplot-nox")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, man-db")

include(CPack)
